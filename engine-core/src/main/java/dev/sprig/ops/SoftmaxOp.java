package dev.sprig.ops;

import dev.sprig.kernels.vec.RowKernels;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Node;
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
        if (log) {
            RowKernels.logSoftmaxRows(in, 0, out, 0, rows, cols);
        } else {
            RowKernels.softmaxRows(in, 0, out, 0, rows, cols);
        }
        Tensor y = Tensor.fromStorage(out, movedShape);
        Tensor result = last ? y : y.transpose(d, rank - 1);
        return Autograd.record(result, log ? "logSoftmax" : "softmax", new Node.AtDim(d), (g, needs) -> {
            float[] dy = (last ? g : g.transpose(d, rank - 1)).contiguous().rowMajorData();
            float[] dx = new float[rows * cols];
            if (log) {
                // dx = dy − softmax ⊙ Σ dy, softmax = exp(out)
                RowKernels.logSoftmaxBackwardRows(out, 0, dy, 0, dx, 0, rows, cols);
            } else {
                // dx = y ⊙ (dy − Σ dy ⊙ y)
                RowKernels.softmaxBackwardRows(out, 0, dy, 0, dx, 0, rows, cols);
            }
            Tensor t = Tensor.fromStorage(dx, movedShape);
            return new Tensor[] {last ? t : t.transpose(d, rank - 1).contiguous()};
        }, x);
    }
}
