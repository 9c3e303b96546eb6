package dev.sprig.ops;

import dev.sprig.kernels.gemm.Sgemm;
import dev.sprig.kernels.vec.Activations;
import dev.sprig.kernels.vec.Elementwise;
import dev.sprig.kernels.vec.Reductions;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** {@code y = x · Wᵀ + b}, with the three GEMMs of its backward written out. */
final class LinearOp {
    private LinearOp() {}

    /**
     * Inference only: {@code gelu?(x·Wᵀ + b) + residual} with the bias, GELU and residual applied in
     * one pass over the product ({@link Activations#linearEpilogue}), bit for bit what
     * {@link #forward}, {@code gelu} and {@code add} give one after another.
     *
     * @throws IllegalStateException when a gradient would be recorded (grad mode on and an input
     *                               requiring one)
     */
    static Tensor forwardFused(Tensor x, Tensor weight, Tensor bias, Tensor residual, boolean gelu) {
        InferenceOnly.check("linearFused", new String[] {"x", "weight", "bias", "residual"}, x, weight, bias, residual);
        Tensor y = forward(x, weight, null);
        int outF = weight.size(0);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != outF)) {
            throw new IllegalArgumentException("linearFused: bias must be [" + outF + "], got " + Shape.str(bias.shape()));
        }
        int rows = y.numel() / Math.max(outF, 1);
        if (residual != null && !java.util.Arrays.equals(residual.shape(), y.shape())) {
            throw new IllegalArgumentException("linearFused: residual must have the output's shape " + Shape.str(y.shape()) + ", got "
                    + Shape.str(residual.shape()));
        }
        float[] b = bias == null ? null : bias.detach().contiguous().rowMajorData();
        float[] r = residual == null ? null : residual.detach().contiguous().rowMajorData();
        Activations.linearEpilogue(y.storage(), y.offset(), b, gelu, r, 0, rows, outF);
        return y;
    }

    static Tensor forward(Tensor x, Tensor weight, Tensor bias) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("linear: weight must be [outFeatures, inFeatures], got " + Shape.str(weight.shape()));
        }
        int outF = weight.size(0);
        int inF = weight.size(1);
        if (x.dim() < 1 || x.size(-1) != inF) {
            throw new IllegalArgumentException("linear expects input [..., " + inF + "], got " + Shape.str(x.shape())
                    + " (weight " + Shape.str(weight.shape()) + ")");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != outF)) {
            throw new IllegalArgumentException("linear: bias must be [" + outF + "], got " + Shape.str(bias.shape()));
        }
        int[] xShape = x.shape();
        int rows = x.numel() / Math.max(inF, 1);
        if (inF == 0) {
            rows = Shape.numel(java.util.Arrays.copyOf(xShape, xShape.length - 1));
        }
        float[] xd = x.detach().contiguous().rowMajorData();
        float[] wd = weight.detach().contiguous().rowMajorData();
        float[] y = new float[rows * outF]; // [rows, outF]
        FlopCounter.add((long) rows * outF * inF);
        // Y = X · Wᵀ
        Sgemm.sgemm(false, true, rows, outF, inF, 1f, xd, 0, Math.max(inF, 1), wd, 0, Math.max(inF, 1), 0f, y, 0, Math.max(outF, 1));
        if (bias != null) {
            float[] b = bias.detach().contiguous().rowMajorData();
            Elementwise.addRowVector(y, 0, b, 0, y, 0, rows, outF);
        }
        int[] outShape = xShape.clone();
        outShape[outShape.length - 1] = outF;
        Tensor out = Tensor.fromStorage(y, outShape);
        final int n = rows;
        return Autograd.record(out, "linear", (g, needs) -> {
            float[] dy = g.contiguous().rowMajorData(); // [rows, outF]
            Tensor dx = null;
            Tensor dw = null;
            Tensor db = null;
            if (needs[0]) {
                float[] d = new float[n * inF];
                // dX = dY · W
                Sgemm.sgemm(false, false, n, inF, outF, 1f, dy, 0, Math.max(outF, 1), wd, 0, Math.max(inF, 1), 0f, d, 0, Math.max(inF, 1));
                dx = Tensor.fromStorage(d, xShape);
            }
            if (needs[1]) {
                float[] d = new float[outF * inF];
                // dW = dYᵀ · X
                Sgemm.sgemm(true, false, outF, inF, n, 1f, dy, 0, Math.max(outF, 1), xd, 0, Math.max(inF, 1), 0f, d, 0, Math.max(inF, 1));
                dw = Tensor.fromStorage(d, outF, inF);
            }
            if (bias != null && needs[2]) {
                float[] d = new float[outF];
                // db = Σ_rows dY
                Reductions.sumOuterInto(dy, 0, n, outF, d, 0);
                db = Tensor.fromStorage(d, outF);
            }
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias);
    }
}
