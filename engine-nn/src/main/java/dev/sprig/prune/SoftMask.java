package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Removes units by zeroing them instead of shrinking, for iterative pruning and for checking a
 * shrink: {@link #apply()} zeroes every parameter entry of a removed unit (filters, biases, BatchNorm
 * γ and β, consumers' input columns), and, called around each optimizer step, keeps them zero while
 * training:
 *
 * <pre>{@code
 * SoftMask soft = new SoftMask(model, graph, mask);
 * soft.apply(optimizer);              // zero the weights and their momentum / Adam moments
 * ...
 * loss.backward();
 * soft.zeroGrads();                   // removed entries get no update ...
 * optimizer.step();
 * soft.apply();                       // ... and stay exactly zero (weight decay, stale momentum)
 * }</pre>
 *
 * <p>With γ = β = 0 a removed channel's BatchNorm output is 0 whatever its running statistics, so
 * those are left alone (the shrink drops them).
 */
public final class SoftMask {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, int[]> removed = new LinkedHashMap<>(); // parameter name -> flat positions of removed entries

    /**
     * @throws IllegalArgumentException when the mask does not fit the graph or the model no longer
     *                                  has the traced shapes
     */
    public SoftMask(Module model, PruningGraph graph, PruningMask mask) {
        Map<String, Map<Integer, boolean[]>> entries = EntryMasks.of(model, graph, mask);
        Map<String, Parameter> all = model.namedParameters();
        for (Map.Entry<String, Map<Integer, boolean[]>> e : entries.entrySet()) {
            Parameter p = all.get(e.getKey());
            if (p != null) {
                params.put(e.getKey(), p);
                removed.put(e.getKey(), EntryMasks.removedPositions(p.shape(), e.getValue()));
            }
        }
    }

    /** Zeroes the removed entries of every parameter. */
    public void apply() {
        for (Map.Entry<String, int[]> e : removed.entrySet()) {
            zero(params.get(e.getKey()).get(), e.getValue());
        }
    }

    /** Zeroes the removed entries of every parameter and of its state in {@code optimizer}. */
    public void apply(Optimizer optimizer) {
        apply();
        for (Map.Entry<String, int[]> e : removed.entrySet()) {
            Map<String, Tensor> state = optimizer.state().get(e.getKey());
            if (state != null) {
                for (Tensor t : state.values()) {
                    zero(t, e.getValue());
                }
            }
        }
    }

    /** Zeroes the removed entries of every parameter's gradient (where there is one). */
    public void zeroGrads() {
        for (Map.Entry<String, int[]> e : removed.entrySet()) {
            Tensor g = params.get(e.getKey()).get().grad();
            if (g != null) {
                zero(g, e.getValue());
            }
        }
    }

    /** Number of parameter entries the mask removes. */
    public long removedEntries() {
        long n = 0;
        for (int[] r : removed.values()) {
            n += r.length;
        }
        return n;
    }

    /** {@code t} is compact (parameters, their gradients and optimizer state are): storage index = flat index. */
    private static void zero(Tensor t, int[] positions) {
        float[] d = t.storage();
        int off = t.offset();
        for (int p : positions) {
            d[off + p] = 0f;
        }
    }
}
