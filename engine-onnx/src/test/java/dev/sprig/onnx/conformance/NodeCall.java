package dev.sprig.onnx.conformance;

import dev.sprig.tensor.Tensor;

/**
 * One node about to run: its operator, attributes, input values (null where an optional input is
 * absent), how many outputs the graph asks of it, and the opset its semantics follow.
 */
record NodeCall(String op, Attrs attrs, Value[] inputs, int outputs, int opset) {

    /** Input {@code i}, or null when absent. */
    Value in(int i) {
        return i < inputs.length ? inputs[i] : null;
    }

    /** Float input {@code i}; {@link Unsupported} when it is an integer tensor. */
    Tensor x(int i) throws Unsupported {
        Value v = in(i);
        if (v == null) {
            throw new IllegalArgumentException(op + ": required input " + i + " is missing");
        }
        return v.floats(op);
    }

    /** Float input {@code i}, or null when absent. */
    Tensor optionalX(int i) throws Unsupported {
        Value v = in(i);
        return v == null ? null : v.floats(op);
    }

    /** Integer input {@code i} (indices, shape, axes), or null when absent. */
    long[] ints(int i, String what) throws Unsupported {
        Value v = in(i);
        return v == null ? null : v.ints(op + " " + what);
    }

    /** Skips the case when the graph asks for more outputs than Sprig's op gives. */
    void maxOutputs(int k, String missing) throws Unsupported {
        if (outputs > k) {
            throw new Unsupported(op + " output " + (k + 1) + " (" + missing + ") is not mapped to Sprig");
        }
    }

    /** {@code axis} normalised against {@code rank} (ONNX allows negative axes). */
    static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }
}
