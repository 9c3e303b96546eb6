package dev.sprig.tensor;

/**
 * One recorded operation of the autograd graph: the op's inputs and the function that maps the
 * gradient of its output to the gradients of its inputs.
 *
 * <p>A node keeps only what its backward needs (captured by its {@link BackwardFn}); both the
 * inputs and the function are dropped when the graph is released after {@code backward()}.
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

    private final String name;
    private Tensor[] inputs;
    private BackwardFn fn;

    Node(String name, Tensor[] inputs, BackwardFn fn) {
        this.name = name;
        this.inputs = inputs;
        this.fn = fn;
    }

    /** The op's name, e.g. {@code "matmul"}. */
    public String name() {
        return name;
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
