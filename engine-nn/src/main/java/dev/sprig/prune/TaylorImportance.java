package dev.sprig.prune;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Module;
import java.util.List;
import java.util.Map;

/**
 * First-order Taylor importance over fixed batches: every call to {@link #scores} runs a fresh
 * {@link TaylorAccumulator} over the batches on the model as it is (so an iterative pruner gets
 * scores of the current, fine-tuned weights).
 *
 * @param batches       images and labels to take gradients on (at least one)
 * @param reduction     how the slices' sums combine (default SUM: all of the unit's parameters)
 * @param normalization how each group's scores are rescaled
 */
public record TaylorImportance(List<DataLoader.Batch> batches, Reduction reduction, Normalization normalization) implements Importance {

    public TaylorImportance {
        if (batches == null || batches.isEmpty()) {
            throw new IllegalArgumentException("Taylor importance needs at least one batch");
        }
        batches = List.copyOf(batches);
    }

    public TaylorImportance withReduction(Reduction r) {
        return new TaylorImportance(batches, r, normalization);
    }

    public TaylorImportance withNormalization(Normalization n) {
        return new TaylorImportance(batches, reduction, n);
    }

    @Override
    public Map<String, float[]> scores(Module model, PruningGraph graph) {
        TaylorAccumulator acc = new TaylorAccumulator(model);
        for (DataLoader.Batch b : batches) {
            acc.accumulate(b.images(), b.labels());
        }
        return acc.scores(graph, reduction, normalization);
    }
}
