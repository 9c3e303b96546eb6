package dev.sprig.tensor;

import dev.sprig.kernels.vec.Activations;
import dev.sprig.kernels.vec.Elementwise;
import dev.sprig.kernels.vec.Unary;

/**
 * The inner loops of pointwise ops over (possibly strided) runs of a {@code float[]}.
 * Contiguous runs go to the Vector API kernels; strided runs use plain loops.
 */
final class Loops {
    private Loops() {}

    /** Contiguous runs: the Vector API kernels (which honour {@code KernelConfig.SCALAR} themselves). */
    private static boolean binaryFast(Pointwise.Binary op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int oo, int n) {
        if (as != 1 || (bs != 1 && bs != 0)) {
            return false;
        }
        if (bs == 1) {
            switch (op) {
                case ADD -> Elementwise.add(a, ao, b, bo, out, oo, n);
                case SUB -> Elementwise.sub(a, ao, b, bo, out, oo, n);
                case MUL -> Elementwise.mul(a, ao, b, bo, out, oo, n);
                case DIV -> Elementwise.div(a, ao, b, bo, out, oo, n);
            }
        } else {
            float s = b[bo];
            switch (op) {
                case ADD -> Elementwise.addConst(a, ao, s, out, oo, n);
                case SUB -> Elementwise.addConst(a, ao, -s, out, oo, n);
                case MUL -> Elementwise.mulConst(a, ao, s, out, oo, n);
                case DIV -> Elementwise.divConst(a, ao, s, out, oo, n);
            }
        }
        return true;
    }

    static void binary(Pointwise.Binary op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int oo, int n) {
        if (n >= 8 && binaryFast(op, a, ao, as, b, bo, bs, out, oo, n)) {
            return;
        }
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    out[oo + i] = a[ao + i * as] + b[bo + i * bs];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    out[oo + i] = a[ao + i * as] - b[bo + i * bs];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    out[oo + i] = a[ao + i * as] * b[bo + i * bs];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    out[oo + i] = a[ao + i * as] / b[bo + i * bs];
                }
            }
        }
    }

    static void affine(float[] x, int xo, float[] out, int oo, int n, float scale, float shift) {
        if (shift == 0f) {
            Elementwise.mulConst(x, xo, scale, out, oo, n);
            return;
        }
        if (scale == 1f) {
            Elementwise.addConst(x, xo, shift, out, oo, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[oo + i] = scale * x[xo + i] + shift;
        }
    }

    static void unary(Pointwise.Unary op, float[] x, int xo, float[] out, int oo, int n, float p) {
        // Each kernel honours KernelConfig.SCALAR and is tested against its scalar twin in kernels.vec.
        switch (op) {
            case EXP -> Unary.exp(x, xo, out, oo, n);
            case LOG -> Unary.log(x, xo, out, oo, n);
            case SQRT -> Unary.sqrt(x, xo, out, oo, n);
            case POW -> Unary.pow(x, xo, p, out, oo, n);
            case ABS -> Unary.abs(x, xo, out, oo, n);
            case RELU -> Activations.relu(x, xo, out, oo, n);
            case GELU -> Activations.gelu(x, xo, out, oo, n);
            case SIGMOID -> Activations.sigmoid(x, xo, out, oo, n);
            case TANH -> Activations.tanh(x, xo, out, oo, n);
        }
    }

    /** {@code dx = dy * f'(.)}, from the saved output or input as {@link Pointwise#unary} chose. */
    static void unaryBackward(Pointwise.Unary op, float[] dy, int dyo, float[] s, int so, float[] dx, int n, float p) {
        switch (op) {
            // ReLU from its output: y > 0 exactly where x > 0.
            case RELU -> Activations.reluBackward(s, so, dy, dyo, dx, 0, n);
            case GELU -> Activations.geluBackward(s, so, dy, dyo, dx, 0, n);
            case SIGMOID -> Activations.sigmoidBackward(s, so, dy, dyo, dx, 0, n);
            case TANH -> Activations.tanhBackward(s, so, dy, dyo, dx, 0, n);
            case EXP -> Elementwise.mul(dy, dyo, s, so, dx, 0, n);
            case LOG -> Elementwise.div(dy, dyo, s, so, dx, 0, n);
            case SQRT, POW, ABS -> powSqrtAbsBackward(op, dy, dyo, s, so, dx, n, p);
        }
    }

    /** The backwards without a vector kernel, from the saved input (pow, abs) or output (sqrt). */
    private static void powSqrtAbsBackward(Pointwise.Unary op, float[] dy, int dyo, float[] s, int so, float[] dx, int n, float p) {
        for (int i = 0; i < n; i++) {
            float g = dy[dyo + i];
            float v = s[so + i];
            dx[i] = switch (op) {
                case SQRT -> g * 0.5f / v;                  // d √x = 1/(2y)
                case POW -> p == 0f ? 0f : (float) (g * p * Math.pow(v, p - 1)); // x^0 is constant, also at x = 0
                case ABS -> v > 0 ? g : (v < 0 ? -g : 0f);  // subgradient 0 at 0
                default -> throw new IllegalStateException("no scalar backward for " + op);
            };
        }
    }
}
