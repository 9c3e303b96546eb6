package dev.sprig.tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One recorded operation of the autograd graph: the op's inputs and the function that maps the
 * gradient of its output to the gradients of its inputs.
 *
 * <p>A node keeps only what its backward needs (captured by its {@link BackwardFn}); both the
 * inputs and the function are dropped when the graph is released after {@code backward()}.
 *
 * <p>Ops whose output cannot be related to their inputs from the shapes alone (which dimensions a
 * permute moves, where a slice starts) also record their arguments as {@link Attrs}, so that graph
 * walkers such as the pruning tracer can follow a dimension through them. Backward never reads them.
 */
public final class Node {
    /**
     * Maps dL/d(output) to dL/d(input_i) for each input; entries where {@code needsGrad[i]} is false
     * may be null (and should not be computed). Runs with grad mode off.
     */
    @FunctionalInterface
    public interface BackwardFn {
        Tensor[] apply(Tensor gradOutput, boolean[] needsGrad);
    }

    /** The arguments of an op that the shapes of its inputs and output do not determine. */
    public sealed interface Attrs permits Permute, Slice, AtDim, Reduce {}

    /** {@code permute}: output dim i is input dim {@code order[i]} (non-negative). */
    public record Permute(int[] order) implements Attrs {
        public Permute {
            order = order.clone();
        }

        @Override
        public int[] order() {
            return order.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Permute p && Arrays.equals(p.order, order);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(order);
        }

        @Override
        public String toString() {
            return "Permute" + Arrays.toString(order);
        }
    }

    /** {@code slice}: entries {@code start, start+step, ...} below {@code end} of input dim {@code dim}. */
    public record Slice(int dim, int start, int end, int step) implements Attrs {}

    /**
     * An op acting at one (non-negative) dimension: the input dim that {@code squeeze} removes, the
     * output dim that {@code unsqueeze} inserts, and the dim of {@code concat}, {@code indexSelect},
     * {@code softmax} and {@code logSoftmax}.
     */
    public record AtDim(int dim) implements Attrs {}

    /** {@code sum} or {@code max}: the (non-negative) input dims reduced, and whether they stay as size 1. */
    public record Reduce(int[] dims, boolean keepDim) implements Attrs {
        public Reduce {
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reduce r && r.keepDim == keepDim && Arrays.equals(r.dims, dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims) * 2 + (keepDim ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Reduce" + Arrays.toString(dims) + (keepDim ? " keepDim" : "");
        }
    }

    private final String name;
    private final Attrs attrs;
    private Tensor[] inputs;
    private BackwardFn fn;

    Node(String name, Attrs attrs, Tensor[] inputs, BackwardFn fn) {
        this.name = name;
        this.attrs = attrs;
        this.inputs = inputs;
        this.fn = fn;
    }

    /** The op's name, e.g. {@code "matmul"}. */
    public String name() {
        return name;
    }

    /** The op's recorded arguments, or null when its shapes say everything (see {@link Attrs}). */
    public Attrs attrs() {
        return attrs;
    }

    /**
     * The op's inputs in the op's order (entries may be null, e.g. an absent bias), read-only; empty
     * once the graph was released.
     */
    public List<Tensor> inputTensors() {
        return inputs == null ? List.of() : Collections.unmodifiableList(Arrays.asList(inputs));
    }

    /** True once the graph through this node was released by a backward pass. */
    public boolean isReleased() {
        return fn == null;
    }

    Tensor[] inputs() {
        return inputs;
    }

    BackwardFn fn() {
        return fn;
    }

    void release() {
        inputs = null;
        fn = null;
    }

    @Override
    public String toString() {
        return name + (isReleased() ? " (released)" : "");
    }
}
