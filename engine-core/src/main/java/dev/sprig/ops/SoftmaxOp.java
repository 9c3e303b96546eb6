package dev.sprig.ops;

import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** Softmax and log-softmax along one dimension (computed as rows after moving it last). */
final class SoftmaxOp {
    private SoftmaxOp() {}

    static Tensor softmax(Tensor x, int dim, boolean log) {
        int rank = x.dim();
        if (rank == 0) {
            throw new IllegalArgumentException((log ? "logSoftmax" : "softmax") + " needs a tensor of rank >= 1, got a scalar");
        }
        int d = Shape.dim(dim, rank);
        boolean last = d == rank - 1;
        Tensor moved = last ? x.detach() : x.detach().transpose(d, rank - 1);
        int[] movedShape = moved.shape();
        int cols = movedShape[rank - 1];
        int rows = cols == 0 ? 0 : moved.numel() / cols;
        float[] in = moved.contiguous().rowMajorData(); // [rows, cols]
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (log) {
                RowKernels.logSoftmaxRow(in, out, r * cols, cols);
            } else {
                RowKernels.softmaxRow(in, out, r * cols, cols);
            }
        }
        Tensor y = Tensor.fromStorage(out, movedShape);
        Tensor result = last ? y : y.transpose(d, rank - 1);
        return Autograd.record(result, log ? "logSoftmax" : "softmax", (g, needs) -> {
            float[] dy = (last ? g : g.transpose(d, rank - 1)).contiguous().rowMajorData();
            float[] dx = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                if (log) {
                    // dx = dy − softmax ⊙ Σ dy, softmax = exp(out)
                    RowKernels.logSoftmaxBackwardRow(dy, out, dx, r * cols, cols);
                } else {
                    // dx = y ⊙ (dy − Σ dy ⊙ y)
                    RowKernels.softmaxBackwardRow(dy, out, dx, r * cols, cols);
                }
            }
            Tensor t = Tensor.fromStorage(dx, movedShape);
            return new Tensor[] {last ? t : t.transpose(d, rank - 1).contiguous()};
        }, x);
    }
}
