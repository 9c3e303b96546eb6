package dev.sprig.onnx.conformance;

import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;

/**
 * A value flowing through an ONNX graph: a float32 tensor (what Sprig computes on) or an integer
 * tensor (indices, shapes, axes, argmax results), which Sprig's ops take as Java {@code int[]}.
 */
sealed interface Value {

    /** A float32 tensor. */
    record Floats(Tensor tensor) implements Value {}

    /** An int32 or int64 tensor, row-major. */
    record Ints(long[] values, int[] shape) implements Value {
        @Override
        public String toString() {
            return "Ints" + Shape.str(shape) + " " + Arrays.toString(values);
        }
    }

    /** The float tensor, or {@link Unsupported} naming the op when this is an integer tensor. */
    default Tensor floats(String op) throws Unsupported {
        if (this instanceof Floats f) {
            return f.tensor();
        }
        throw new Unsupported(op + " on an integer tensor: Sprig's ops compute on float32");
    }

    /** The integers, or {@link Unsupported} when this is a float tensor where ONNX wants integers. */
    default long[] ints(String what) throws Unsupported {
        if (this instanceof Ints i) {
            return i.values();
        }
        throw new Unsupported(what + " must be an integer tensor");
    }

    /** The value's shape. */
    default int[] shapeOf() {
        return this instanceof Floats f ? f.tensor().shape() : ((Ints) this).shape().clone();
    }
}
