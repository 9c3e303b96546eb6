package dev.sprig.ops;

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
        float[] xhat = new float[rows * d]; // [rows, d], saved for backward
        float[] rstd = new float[rows];     // [rows]
        float[] out = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += in[o + j];
            }
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                double c = in[o + j] - mean;
                var += c * c;
            }
            var /= d;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            rstd[r] = rs;
            for (int j = 0; j < d; j++) {
                float xh = (float) ((in[o + j] - mean) * rs);
                xhat[o + j] = xh;
                out[o + j] = xh * (g == null ? 1f : g[j]) + (b == null ? 0f : b[j]);
            }
        }
        Tensor result = Tensor.fromStorage(out, x.shape());
        int[] xShape = x.shape();
        return Autograd.record(result, "layerNorm", (grad, needs) -> {
            float[] dy = grad.contiguous().rowMajorData();
            float[] dx = needs[0] ? new float[rows * d] : null;
            float[] dg = g != null && needs[1] ? new float[d] : null;
            float[] db = b != null && needs[2] ? new float[d] : null;
            for (int r = 0; r < rows; r++) {
                int o = r * d;
                // With ĝ = dy·γ: dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)); dγ += dy·x̂; dβ += dy.
                double sumG = 0;
                double sumGX = 0;
                for (int j = 0; j < d; j++) {
                    double gh = dy[o + j] * (g == null ? 1f : g[j]);
                    sumG += gh;
                    sumGX += gh * xhat[o + j];
                    if (dg != null) {
                        dg[j] += dy[o + j] * xhat[o + j];
                    }
                    if (db != null) {
                        db[j] += dy[o + j];
                    }
                }
                if (dx != null) {
                    double mg = sumG / d;
                    double mgx = sumGX / d;
                    for (int j = 0; j < d; j++) {
                        double gh = dy[o + j] * (g == null ? 1f : g[j]);
                        dx[o + j] = (float) (rstd[r] * (gh - mg - xhat[o + j] * mgx));
                    }
                }
            }
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
