package dev.sprig.method.experiment;

/** The method and the baselines of METHOD.md, compared at the same size and fine-tuning budget. */
public enum PruneMethod {
    /** The method: similarity-weighted vote of the K nearest bank tasks' masks. */
    SIMILAR_TASK("similar-task"),
    /** Control: the same vote over K random bank tasks. */
    RANDOM_NEIGHBOURS("random-neighbours"),
    /** One-shot L1-norm filter pruning of the pre-trained model. */
    L1("one-shot-l1"),
    /** One-shot first-order Taylor pruning, scores from a few batches of the target task. */
    TAYLOR("one-shot-taylor"),
    /** Random structured pruning (seeded). */
    RANDOM("random"),
    /**
     * Iterative pruning from scratch (the bank's own method, with its importance: Taylor by default)
     * within the same total iteration budget: its pruning rounds take at most the first half, so the
     * curve has no accuracy at budget points before the rounds end.
     */
    ITERATIVE("iterative"),
    /** No pruning: the dense model fine-tuned (the upper bound on accuracy). */
    DENSE("dense");

    private final String label;

    PruneMethod(String label) {
        this.label = label;
    }

    /** The name used in results and reports. */
    public String label() {
        return label;
    }

    /** The method with this label. */
    public static PruneMethod ofLabel(String label) {
        for (PruneMethod m : values()) {
            if (m.label.equals(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + label + "', expected one of "
                + java.util.Arrays.stream(values()).map(PruneMethod::label).toList());
    }
}
