package dev.sprig.ops;

import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/**
 * Batch normalisation over the channel dimension 1 of {@code [n, c]} or {@code [n, c, h, w]}
 * (any trailing spatial dims). Training uses the batch statistics (biased variance) and updates the
 * running statistics in place (running variance with the unbiased estimate, as PyTorch); eval uses
 * the running statistics.
 */
final class BatchNormOp {
    private BatchNormOp() {}

    static Tensor forward(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                          boolean training, float momentum, float eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batchNorm expects [n, c, ...], got " + Shape.str(x.shape()));
        }
        int[] shape = x.shape();
        int n = shape[0];
        int c = shape[1];
        int plane = 1; // h·w
        for (int i = 2; i < shape.length; i++) {
            plane *= shape[i];
        }
        check("runningMean", runningMean, c, x);
        check("runningVar", runningVar, c, x);
        check("gamma", gamma, c, x);
        check("beta", beta, c, x);
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("batchNorm: eps must be > 0, got " + eps);
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batchNorm: momentum must be in [0, 1], got " + momentum);
        }
        long count = (long) n * plane;
        if (training && count <= 1) {
            throw new IllegalArgumentException("batchNorm in training needs more than 1 value per channel, got input "
                    + Shape.str(shape));
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batchNorm in eval mode needs running statistics");
        }
        float[] in = x.detach().contiguous().rowMajorData(); // [n, c, plane]
        float[] g = gamma == null ? null : gamma.detach().contiguous().rowMajorData();
        float[] b = beta == null ? null : beta.detach().contiguous().rowMajorData();
        float[] mean = new float[c]; // [c]
        float[] rstd = new float[c]; // [c]
        if (training) {
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    int o = (i * c + ch) * plane;
                    for (int j = 0; j < plane; j++) {
                        s += in[o + j];
                    }
                }
                double mu = s / count;
                double v = 0;
                for (int i = 0; i < n; i++) {
                    int o = (i * c + ch) * plane;
                    for (int j = 0; j < plane; j++) {
                        double d = in[o + j] - mu;
                        v += d * d;
                    }
                }
                double var = v / count;
                mean[ch] = (float) mu;
                rstd[ch] = (float) (1.0 / Math.sqrt(var + eps));
                if (runningMean != null) {
                    update(runningMean, ch, momentum, (float) mu);
                }
                if (runningVar != null) {
                    update(runningVar, ch, momentum, (float) (v / (count - 1)));
                }
            }
        } else {
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = runningMean.get(ch);
                rstd[ch] = (float) (1.0 / Math.sqrt(runningVar.get(ch) + (double) eps));
            }
        }
        float[] out = new float[in.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int o = (i * c + ch) * plane;
                // y = x·a + s with a = γ·rstd, s = β − μ·a
                float a = (g == null ? 1f : g[ch]) * rstd[ch];
                float sh = (b == null ? 0f : b[ch]) - mean[ch] * a;
                for (int j = 0; j < plane; j++) {
                    out[o + j] = in[o + j] * a + sh;
                }
            }
        }
        Tensor result = Tensor.fromStorage(out, shape);
        final int planeF = plane;
        return Autograd.record(result, "batchNorm", (grad, needs) -> {
            float[] dy = grad.contiguous().rowMajorData();
            float[] dx = needs[0] ? new float[in.length] : null;
            float[] dg = g != null && needs[3] ? new float[c] : null;
            float[] db = b != null && needs[4] ? new float[c] : null;
            for (int ch = 0; ch < c; ch++) {
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int i = 0; i < n; i++) {
                    int o = (i * c + ch) * planeF;
                    for (int j = 0; j < planeF; j++) {
                        double xh = (in[o + j] - mean[ch]) * rstd[ch];
                        sumDy += dy[o + j];
                        sumDyXhat += dy[o + j] * xh;
                    }
                }
                if (dg != null) {
                    dg[ch] = (float) sumDyXhat; // dγ = Σ dy·x̂
                }
                if (db != null) {
                    db[ch] = (float) sumDy;     // dβ = Σ dy
                }
                if (dx != null) {
                    float gam = g == null ? 1f : g[ch];
                    if (training) {
                        // dx = γ·rstd · (dy − mean(dy) − x̂·mean(dy·x̂)): the batch statistics depend on x.
                        double mDy = sumDy / count;
                        double mDyX = sumDyXhat / count;
                        for (int i = 0; i < n; i++) {
                            int o = (i * c + ch) * planeF;
                            for (int j = 0; j < planeF; j++) {
                                double xh = (in[o + j] - mean[ch]) * rstd[ch];
                                dx[o + j] = (float) (gam * rstd[ch] * (dy[o + j] - mDy - xh * mDyX));
                            }
                        }
                    } else {
                        // Running statistics are constants: dx = dy·γ·rstd.
                        float a = gam * rstd[ch];
                        for (int i = 0; i < n; i++) {
                            int o = (i * c + ch) * planeF;
                            for (int j = 0; j < planeF; j++) {
                                dx[o + j] = dy[o + j] * a;
                            }
                        }
                    }
                }
            }
            return new Tensor[] {
                    dx == null ? null : Tensor.fromStorage(dx, shape), null, null,
                    dg == null ? null : Tensor.fromStorage(dg, c),
                    db == null ? null : Tensor.fromStorage(db, c)};
        }, x, null, null, gamma, beta);
    }

    private static void update(Tensor running, int ch, float momentum, float value) {
        running.set((1f - momentum) * running.get(ch) + momentum * value, ch);
    }

    private static void check(String name, Tensor p, int c, Tensor x) {
        if (p != null && (p.dim() != 1 || p.size(0) != c)) {
            throw new IllegalArgumentException("batchNorm: " + name + " must be [" + c + "] for input "
                    + Shape.str(x.shape()) + " (c=" + c + "), got " + Shape.str(p.shape()));
        }
    }
}
