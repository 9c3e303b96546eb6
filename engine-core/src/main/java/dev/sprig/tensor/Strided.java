package dev.sprig.tensor;

/**
 * Loops over strided layouts: an index counter over all dimensions but the last, and a tight
 * loop with a stride over the last. Used where an operand is a non-contiguous view.
 */
final class Strided {
    private Strided() {}

    /** Copies {@code t}'s elements in row-major order into {@code out[outOff ...]}. */
    static void copy(Tensor t, float[] out, int outOff) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        float[] src = t.storage();
        int n = Shape.numel(shape);
        if (n == 0) {
            return;
        }
        if (t.isContiguous()) {
            System.arraycopy(src, t.offset(), out, outOff, n);
            return;
        }
        int rank = shape.length;
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        int[] idx = new int[rank];
        int base = t.offset();
        int o = outOff;
        int rows = n / inner;
        for (int r = 0; r < rows; r++) {
            int s = base;
            for (int j = 0; j < inner; j++, s += innerStride) {
                out[o++] = src[s];
            }
            // Advance the counter over dims [0, rank-2], updating base incrementally.
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                base += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * Strides of {@code t} viewed as broadcast to {@code outShape} (0 for broadcast dimensions).
     * {@code t}'s shape must be broadcast-compatible with {@code outShape}.
     */
    static int[] broadcastStrides(Tensor t, int[] outShape) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int[] out = new int[outShape.length];
        int lead = outShape.length - shape.length;
        for (int i = 0; i < outShape.length; i++) {
            if (i < lead) {
                out[i] = 0;
            } else {
                int d = shape[i - lead];
                out[i] = d == 1 && outShape[i] != 1 ? 0 : strides[i - lead];
            }
        }
        return out;
    }
}
