package dev.sprig.method;

/** How similar an earlier task is to a new one, from their embeddings (METHOD.md step 1). */
public enum TaskSimilarity {
    /**
     * The default: the mean, over the new task's class prototypes, of the best cosine match among
     * the other task's prototypes. Asymmetric: it asks whether every new class has a look-alike.
     */
    PROTOTYPES,
    /** The cosine of the two tasks' mean features. */
    MEAN_FEATURE;

    /** The similarity of {@code banked} to {@code target}, in [-1, 1]. */
    public double between(TaskEmbedding target, TaskEmbedding banked) {
        if (target.features() != banked.features()) {
            throw new IllegalArgumentException("task embeddings of " + target.features() + " and " + banked.features()
                    + " features cannot be compared (were they made by different models?)");
        }
        if (this == MEAN_FEATURE) {
            return cosine(target.meanView(), banked.meanView());
        }
        double total = 0;
        for (int i = 0; i < target.classes(); i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < banked.classes(); j++) {
                best = Math.max(best, cosine(target.prototype(i), banked.prototype(j)));
            }
            total += best;
        }
        return total / target.classes();
    }

    /** Cosine similarity; 0 when either vector is zero. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
