package dev.sprig.nn.train;

/** The loss became NaN or infinite; the last good checkpoint (if any) is kept. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
