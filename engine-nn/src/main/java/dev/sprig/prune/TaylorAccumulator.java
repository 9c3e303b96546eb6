package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accumulates first-order Taylor importance over batches: after each batch's cross-entropy
 * backward, {@code acc[e] += |w_e · ∂L/∂w_e|} for every parameter entry e (the estimated change of
 * the loss when the entry is zeroed, taken in absolute value per batch). {@link #scores} then sums
 * the accumulated values over each unit's entries in every parameter slice of its group.
 *
 * <p>Batches run in eval mode (BatchNorm on running statistics, which stay unchanged); the
 * model's gradients are cleared before and after each batch, and its mode is restored.
 */
public final class TaylorAccumulator {
    private final Module model;
    private final Map<String, double[]> acc = new LinkedHashMap<>(); // parameter name -> [numel]
    private int batches;

    public TaylorAccumulator(Module model) {
        this.model = model;
    }

    /** One batch: images {@code [n, ...]} and their class labels. */
    public void accumulate(Tensor images, int[] labels) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try {
            model.zeroGrad();
            Functional.crossEntropy(model.forward(images), labels).backward();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                Tensor w = e.getValue().get();
                Tensor g = w.grad();
                if (g == null) {
                    continue;
                }
                float[] wd = w.rowMajorData();
                float[] gd = g.rowMajorData();
                double[] a = acc.computeIfAbsent(e.getKey(), k -> new double[wd.length]);
                if (a.length != wd.length) {
                    throw new IllegalStateException("parameter " + e.getKey() + " changed size between batches (" + a.length + " -> "
                            + wd.length + "): start a new accumulator after shrinking");
                }
                for (int i = 0; i < wd.length; i++) {
                    a[i] += Math.abs((double) wd[i] * gd[i]);
                }
            }
        } finally {
            model.zeroGrad();
            model.train(wasTraining);
        }
        batches++;
    }

    /** Batches accumulated so far. */
    public int batches() {
        return batches;
    }

    /** Per prunable group, per unit: the accumulated |w·g| over every parameter slice, reduced and normalised. */
    public Map<String, float[]> scores(PruningGraph graph, Importance.Reduction reduction, Importance.Normalization normalization) {
        if (batches == 0) {
            throw new IllegalStateException("Taylor importance needs at least one accumulated batch");
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            List<double[]> perSlice = new ArrayList<>();
            for (Slice s : g.slices()) {
                if (!s.isParameter()) {
                    continue;
                }
                double[] a = acc.get(s.tensor());
                if (a == null) {
                    continue; // no gradient reached it (unused parameter): contributes nothing
                }
                perSlice.add(UnitScores.perUnit(graph.tracedShape(s.tensor()), s, g.units(), i -> a[i]));
            }
            out.put(g.id(), UnitScores.reduce(g.id(), perSlice, reduction, normalization));
        }
        return out;
    }
}
