package dev.sprig.prune;

import java.util.List;

/**
 * A module that pruning treats as one unit instead of tracing through it, because its internal
 * structure (such as attention heads packed in one projection) cannot be read from the ops' shapes.
 * The module declares which of its parameter dimensions follow its input width, which follow its
 * output width, and its internal groups; the tracer skips every op between the block's input and
 * output and applies the declaration instead.
 *
 * <p>The block's input is the tensor its input-width parameters are applied to (argument 0 of the op
 * that reads them, e.g. a linear); its output is the result of the op that reads its output-width
 * parameters. A block reads no tensor from outside but its input and its own parameters, and maps
 * {@code [..., in]} to {@code [..., out]} (the leading dimensions pass through).
 */
public interface PrunableBlock {

    /** The block's declaration; tensor names are relative to the module (e.g. {@code q.weight}). */
    Spec pruningSpec();

    /**
     * @param input  slices that follow the last dimension of the block's input (unit size 1, offset 0)
     * @param output slices that follow the last dimension of the block's output (unit size 1, offset 0)
     * @param groups the block's own groups
     */
    record Spec(List<Slice> input, List<Slice> output, List<InnerGroup> groups) {
        public Spec {
            input = List.copyOf(input);
            output = List.copyOf(output);
            groups = List.copyOf(groups);
        }
    }

    /**
     * A group inside a block; its id is the block's path, a colon and {@code name}.
     *
     * @param name           short name, e.g. {@code heads}
     * @param kind           what the units are
     * @param units          current number of units
     * @param slices         the units' slices
     * @param scalesInnerOps true when the multiply-accumulates of the block's parameter-free ops (the
     *                       attention products q·kᵀ and attn·v) are proportional to this group's units;
     *                       the cost model counts them that way
     */
    record InnerGroup(String name, Group.Kind kind, int units, List<Slice> slices, boolean scalesInnerOps) {
        public InnerGroup {
            slices = List.copyOf(slices);
        }
    }
}
