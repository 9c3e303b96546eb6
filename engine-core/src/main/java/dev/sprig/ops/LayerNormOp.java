package dev.sprig.ops;

import dev.sprig.kernels.vec.RowKernels;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** Layer normalisation over the last dimension: {@code y = (x − μ) / √(σ² + ε) · γ + β}. */
final class LayerNormOp {
    private LayerNormOp() {}

    static Tensor forward(Tensor x, Tensor gamma, Tensor beta, float eps) {
        if (x.dim() < 1) {
            throw new IllegalArgumentException("layerNorm needs a tensor of rank >= 1, got a scalar");
        }
        int d = x.size(-1);
        checkParam("gamma", gamma, d, x);
        checkParam("beta", beta, d, x);
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("layerNorm: eps must be > 0, got " + eps);
        }
        int rows = d == 0 ? 0 : x.numel() / d;
        float[] in = x.detach().contiguous().rowMajorData(); // [rows, d]
        float[] g = gamma == null ? null : gamma.detach().contiguous().rowMajorData();
        float[] b = beta == null ? null : beta.detach().contiguous().rowMajorData();
        float[] mean = new float[rows]; // [rows], saved for backward
        float[] rstd = new float[rows]; // [rows], saved for backward
        float[] out = new float[rows * d];
        RowKernels.layerNormRows(in, 0, g, b, eps, out, 0, mean, rstd, rows, d);
        Tensor result = Tensor.fromStorage(out, x.shape());
        int[] xShape = x.shape();
        return Autograd.record(result, "layerNorm", (grad, needs) -> {
            // With ĝ = dy·γ: dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)); dγ = Σ dy·x̂; dβ = Σ dy.
            float[] dy = grad.contiguous().rowMajorData();
            float[] dx = needs[0] ? new float[rows * d] : null;
            float[] dg = g != null && needs[1] ? new float[d] : null;
            float[] db = b != null && needs[2] ? new float[d] : null;
            RowKernels.layerNormBackwardRows(dy, 0, in, 0, g, mean, rstd, dx, 0, dg, db, rows, d);
            return new Tensor[] {
                    dx == null ? null : Tensor.fromStorage(dx, xShape),
                    dg == null ? null : Tensor.fromStorage(dg, d),
                    db == null ? null : Tensor.fromStorage(db, d)};
        }, x, gamma, beta);
    }

    private static void checkParam(String name, Tensor p, int d, Tensor x) {
        if (p != null && (p.dim() != 1 || p.size(0) != d)) {
            throw new IllegalArgumentException("layerNorm: " + name + " must be [" + d + "] for input "
                    + Shape.str(x.shape()) + ", got " + Shape.str(p.shape()));
        }
    }
}
