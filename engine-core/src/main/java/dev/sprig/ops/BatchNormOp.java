package dev.sprig.ops;

import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.vec.Elementwise;
import dev.sprig.kernels.vec.Reductions;
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
        final int planeF = plane;
        if (training) {
            float[] unbiasedVar = new float[c];
            // Channels are independent: split over them (results do not depend on the thread count).
            Parallel.forRange(c, (c0, c1) -> {
                for (int ch = c0; ch < c1; ch++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += Reductions.sum(in, (i * c + ch) * planeF, planeF);
                    }
                    float mu = (float) (s / count);
                    double v = 0;
                    for (int i = 0; i < n; i++) {
                        v += (double) Reductions.variance(in, (i * c + ch) * planeF, planeF, mu) * planeF;
                    }
                    mean[ch] = mu;
                    rstd[ch] = (float) (1.0 / Math.sqrt(v / count + eps));
                    unbiasedVar[ch] = (float) (v / (count - 1));
                }
            });
            for (int ch = 0; ch < c; ch++) {
                if (runningMean != null) {
                    update(runningMean, ch, momentum, mean[ch]);
                }
                if (runningVar != null) {
                    update(runningVar, ch, momentum, unbiasedVar[ch]);
                }
            }
        } else {
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = runningMean.get(ch);
                rstd[ch] = (float) (1.0 / Math.sqrt(runningVar.get(ch) + (double) eps));
            }
        }
        // y = x·a + s with a = γ·rstd, s = β − μ·a
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = (g == null ? 1f : g[ch]) * rstd[ch];
            shift[ch] = (b == null ? 0f : b[ch]) - mean[ch] * scale[ch];
        }
        float[] out = new float[in.length];
        Elementwise.affinePerChannel(in, 0, scale, shift, out, 0, n, c, plane);
        Tensor result = Tensor.fromStorage(out, shape);
        // The running statistics are inputs only so that graph walkers (pruning) see them; they never
        // require a gradient, so backward skips them.
        return Autograd.record(result, "batchNorm", (grad, needs) -> {
            float[] dy = grad.contiguous().rowMajorData();
            float[] dx = needs[0] ? new float[in.length] : null;
            float[] dg = g != null && needs[3] ? new float[c] : null;
            float[] db = b != null && needs[4] ? new float[c] : null;
            Parallel.forRange(c, (c0, c1) -> {
                for (int ch = c0; ch < c1; ch++) {
                    double sumDy = 0;
                    double sumDyX = 0;
                    for (int i = 0; i < n; i++) {
                        int o = (i * c + ch) * planeF;
                        sumDy += Reductions.sum(dy, o, planeF);
                        sumDyX += Reductions.dot(dy, o, in, o, planeF);
                    }
                    // Σ dy·x̂ = rstd · (Σ dy·x − μ Σ dy)
                    double sumDyXhat = rstd[ch] * (sumDyX - mean[ch] * sumDy);
                    if (dg != null) {
                        dg[ch] = (float) sumDyXhat; // dγ = Σ dy·x̂
                    }
                    if (db != null) {
                        db[ch] = (float) sumDy;     // dβ = Σ dy
                    }
                    if (dx == null) {
                        continue;
                    }
                    float k1 = (g == null ? 1f : g[ch]) * rstd[ch];
                    // Training: dx = k1 · (dy − mean(dy) − x̂ · mean(dy·x̂)), as the batch statistics depend on x;
                    // with x̂ = (x − μ)·rstd this is dx = k1·dy + β·x + γ. Eval: dx = k1·dy.
                    float beta1 = 0f;
                    float gamma1 = 0f;
                    if (training) {
                        double mDy = sumDy / count;
                        double mDyXhat = sumDyXhat / count;
                        beta1 = (float) (-k1 * rstd[ch] * mDyXhat);
                        gamma1 = (float) (k1 * (-mDy + mean[ch] * rstd[ch] * mDyXhat));
                    }
                    for (int i = 0; i < n; i++) {
                        int o = (i * c + ch) * planeF;
                        Elementwise.mulConst(dy, o, k1, dx, o, planeF);
                        if (training) {
                            Elementwise.axpy(beta1, in, o, dx, o, planeF);
                            Elementwise.addConst(dx, o, gamma1, dx, o, planeF);
                        }
                    }
                }
            });
            return new Tensor[] {
                    dx == null ? null : Tensor.fromStorage(dx, shape), null, null,
                    dg == null ? null : Tensor.fromStorage(dg, c),
                    db == null ? null : Tensor.fromStorage(db, c)};
        }, x, runningMean, runningVar, gamma, beta);
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
