package dev.sprig.nn.train;

/** Accuracy and mean cross-entropy over a data set. */
public record Evaluation(double accuracy, double loss, int samples) {
    @Override
    public String toString() {
        return String.format("accuracy %.2f%%, loss %.4f over %d samples", 100 * accuracy, loss, samples);
    }
}
