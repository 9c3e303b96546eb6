package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation functions and their backwards on {@code float[]} ranges of length n (out may alias
 * x; dx may alias dy). Backwards overwrite dx; accumulate with {@link Elementwise#accumulate}.
 *
 * <p>Every kernel here is bit-identical between its vector path and its scalar twin: exp and tanh
 * come from {@link VecMath} (deterministic polynomials, not the JIT-state-dependent Vector API
 * operators), and erf, which has no Vector API operator anyway, is the float approximation of
 * {@link #erf(float)} in both paths.
 */
public final class Activations {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));
    /** Below this |x| erf uses its Taylor series (the erfc route loses relative accuracy near 0). */
    private static final float SERIES_LIMIT = 0.5f;

    // erf(x) = x * Σ_k SER[k] x^(2k): 2/√π · (-1)^k / (k! (2k+1)), k = 0..6; truncation < 1e-9 relative at |x| = 0.5.
    private static final float SER0 = (float) (2.0 / Math.sqrt(Math.PI));
    private static final float SER1 = (float) (-2.0 / Math.sqrt(Math.PI) / 3.0);
    private static final float SER2 = (float) (2.0 / Math.sqrt(Math.PI) / 10.0);
    private static final float SER3 = (float) (-2.0 / Math.sqrt(Math.PI) / 42.0);
    private static final float SER4 = (float) (2.0 / Math.sqrt(Math.PI) / 216.0);
    private static final float SER5 = (float) (-2.0 / Math.sqrt(Math.PI) / 1320.0);
    private static final float SER6 = (float) (2.0 / Math.sqrt(Math.PI) / 9360.0);

    // Numerical Recipes (erfcc): erfc(z) = t exp(-z² + P(t)), t = 1/(1 + z/2), P(t) = Σ C_k t^k; fractional error < 1.2e-7 for z >= 0.
    private static final float C0 = -1.26551223f;
    private static final float C1 = 1.00002368f;
    private static final float C2 = 0.37409196f;
    private static final float C3 = 0.09678418f;
    private static final float C4 = -0.18628806f;
    private static final float C5 = 0.27886807f;
    private static final float C6 = -1.13520398f;
    private static final float C7 = 1.48851587f;
    private static final float C8 = -0.82215223f;
    private static final float C9 = 0.17087277f;

    private Activations() {}

    private static void check(String op, String name, float[] x, int xOff, float[] out, int outOff, int n) {
        Checks.range(op, name, x, xOff, n);
        Checks.range(op, "out", out, outOff, n);
    }

    private static void check2(String op, String name, float[] a, int aOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        Checks.range(op, name, a, aOff, n);
        Checks.range(op, "dy", dy, dyOff, n);
        Checks.range(op, "dx", dx, dxOff, n);
    }

    // ---------------------------------------------------------------- erf / Φ building blocks

    /**
     * erfc(z) for z >= 0 as {@code t · exp(fma(a, b, P(t)))}, where the caller passes a·b = -z²
     * so that -z² is rounded only once inside the fused multiply-add.
     */
    private static float erfcPos(float z, float a, float b) {
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float p = C9;
        p = Math.fma(p, t, C8);
        p = Math.fma(p, t, C7);
        p = Math.fma(p, t, C6);
        p = Math.fma(p, t, C5);
        p = Math.fma(p, t, C4);
        p = Math.fma(p, t, C3);
        p = Math.fma(p, t, C2);
        p = Math.fma(p, t, C1);
        p = Math.fma(p, t, C0);
        return t * VecMath.exp(Math.fma(a, b, p));
    }

    private static FloatVector erfcPosV(FloatVector z, FloatVector a, FloatVector b) {
        FloatVector t = ONE.div(z.fma(0.5f, 1f));
        FloatVector p = FloatVector.broadcast(S, C9);
        p = p.fma(t, FloatVector.broadcast(S, C8));
        p = p.fma(t, FloatVector.broadcast(S, C7));
        p = p.fma(t, FloatVector.broadcast(S, C6));
        p = p.fma(t, FloatVector.broadcast(S, C5));
        p = p.fma(t, FloatVector.broadcast(S, C4));
        p = p.fma(t, FloatVector.broadcast(S, C3));
        p = p.fma(t, FloatVector.broadcast(S, C2));
        p = p.fma(t, FloatVector.broadcast(S, C1));
        p = p.fma(t, FloatVector.broadcast(S, C0));
        return t.mul(VecMath.exp(a.fma(b, p)));
    }

    /**
     * The error function in float, the scalar definition both paths follow: a Taylor series for
     * |x| < 0.5, else sign(x)·(1 - erfc(|x|)). erf(±0) = ±0, erf(±inf) = ±1, erf(NaN) = NaN.
     */
    public static float erf(float x) {
        float ax = Math.abs(x);
        if (ax < SERIES_LIMIT) {
            float w = x * x;
            float p = SER6;
            p = Math.fma(p, w, SER5);
            p = Math.fma(p, w, SER4);
            p = Math.fma(p, w, SER3);
            p = Math.fma(p, w, SER2);
            p = Math.fma(p, w, SER1);
            p = Math.fma(p, w, SER0);
            return x * p;
        }
        float r = 1f - erfcPos(ax, -ax, ax);
        return x < 0f ? -r : r;
    }

    private static FloatVector erfV(FloatVector x) {
        FloatVector w = x.mul(x);
        FloatVector p = FloatVector.broadcast(S, SER6);
        p = p.fma(w, FloatVector.broadcast(S, SER5));
        p = p.fma(w, FloatVector.broadcast(S, SER4));
        p = p.fma(w, FloatVector.broadcast(S, SER3));
        p = p.fma(w, FloatVector.broadcast(S, SER2));
        p = p.fma(w, FloatVector.broadcast(S, SER1));
        p = p.fma(w, FloatVector.broadcast(S, SER0));
        FloatVector series = x.mul(p);
        FloatVector ax = x.abs();
        FloatVector r = ONE.sub(erfcPosV(ax, ax.neg(), ax));
        r = r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
        return r.blend(series, ax.compare(VectorOperators.LT, SERIES_LIMIT));
    }

    /** Φ(x), the standard normal CDF: 1 - erfc(x/√2)/2 for x >= 0, erfc(-x/√2)/2 below (no cancellation in the lower tail). */
    private static float phiCdf(float x) {
        float h = 0.5f * erfcPos(Math.abs(x) * INV_SQRT2, -0.5f * x, x);
        return x >= 0f ? 1f - h : h;
    }

    private static FloatVector phiCdfV(FloatVector x) {
        FloatVector h = erfcPosV(x.abs().mul(INV_SQRT2), x.mul(-0.5f), x).mul(0.5f);
        return h.blend(ONE.sub(h), x.compare(VectorOperators.GE, 0f));
    }

    private static float geluS(float x) {
        return x * phiCdf(x);
    }

    private static FloatVector geluV(FloatVector x) {
        return x.mul(phiCdfV(x));
    }

    /** d gelu / dx = Φ(x) + x φ(x), φ(x) = exp(-x²/2) / √(2π). */
    private static float geluGrad(float x) {
        float density = VecMath.exp((-0.5f * x) * x) * INV_SQRT_2PI;
        return Math.fma(x, density, phiCdf(x));
    }

    private static FloatVector geluGradV(FloatVector x) {
        FloatVector density = VecMath.exp(x.mul(-0.5f).mul(x)).mul(INV_SQRT_2PI);
        return x.fma(density, phiCdfV(x));
    }

    /** {@code out[i] = max(x[i], 0)} (relu(NaN) = NaN, relu(-0) = +0). */
    public static void relu(float[] x, int xOff, float[] out, int outOff, int n) {
        check("relu", "x", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                reluScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                reluVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #relu}. */
    public static void reluVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("relu", "x", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.max(ZERO).intoArray(out, outOff + i);
        }
        reluScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #relu}. */
    public static void reluScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("relu", "x", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = Math.max(v, 0f);
        }
    }

    /** {@code out[i] = 1 / (1 + e^-x[i])}; saturates to exactly 0 below about -88.7 and to 1 above about 17. */
    public static void sigmoid(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sigmoid", "x", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                sigmoidScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                sigmoidVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #sigmoid}. */
    public static void sigmoidVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sigmoid", "x", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            ONE.div(ONE.add(VecMath.exp(v.neg()))).intoArray(out, outOff + i);
        }
        sigmoidScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #sigmoid}. */
    public static void sigmoidScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sigmoid", "x", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = 1f / (1f + VecMath.exp(-v));
        }
    }

    /** {@code out[i] = tanh(x[i])} via {@link VecMath#tanh(float)} in both paths (bit-identical). */
    public static void tanh(float[] x, int xOff, float[] out, int outOff, int n) {
        check("tanh", "x", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                tanhScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                tanhVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #tanh}. */
    public static void tanhVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("tanh", "x", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            VecMath.tanh(v).intoArray(out, outOff + i);
        }
        tanhScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #tanh}. */
    public static void tanhScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("tanh", "x", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = VecMath.tanh(v);
        }
    }

    /** Exact GELU as PyTorch's default {@code nn.GELU()}: {@code out[i] = x * Φ(x) = 0.5 x (1 + erf(x/√2))}, with Φ from the erfc approximation in {@link #erf} (relative error below 1e-6 for x >= -4; below that it grows like x²/2 · 2^-24 because exp's argument -x²/2 is rounded to float, e.g. 2.4e-6 at x = -9 where |gelu| < 1e-18; gelu(-inf) = NaN as in PyTorch). */
    public static void gelu(float[] x, int xOff, float[] out, int outOff, int n) {
        check("gelu", "x", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                geluScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                geluVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /**
     * The epilogue of an inference linear layer, in place over {@code y [rows, cols]} at yOff:
     * {@code y[r, c] = gelu?(y[r, c] + bias[c]) + res[r, c]}, each part optional (bias null, gelu
     * false, res null). The same operations in the same order as a bias add, then {@link #gelu},
     * then an elementwise add, so the result is bit for bit what those three passes give; done in
     * one pass over y instead of three (two of them allocating). A row's partial last vector is
     * masked (pruned widths such as 24 leave one on every row).
     *
     * @param bias {@code [cols]} from offset 0, or null
     * @param res  {@code [rows, cols]} at resOff (not y), or null
     */
    public static void linearEpilogue(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int rows, int cols) {
        checkLinearEpilogue(y, yOff, bias, res, resOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            if (KernelConfig.SCALAR) {
                linearEpilogueRowsScalar(y, yOff, bias, gelu, res, resOff, r0, r1, cols);
            } else {
                linearEpilogueRowsVector(y, yOff, bias, gelu, res, resOff, r0, r1, cols);
            }
        });
    }

    /** Vector path of {@link #linearEpilogue} (single-threaded). */
    public static void linearEpilogueVector(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int rows, int cols) {
        checkLinearEpilogue(y, yOff, bias, res, resOff, rows, cols);
        linearEpilogueRowsVector(y, yOff, bias, gelu, res, resOff, 0, rows, cols);
    }

    /** Scalar twin of {@link #linearEpilogue}. */
    public static void linearEpilogueScalar(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int rows, int cols) {
        checkLinearEpilogue(y, yOff, bias, res, resOff, rows, cols);
        linearEpilogueRowsScalar(y, yOff, bias, gelu, res, resOff, 0, rows, cols);
    }

    private static void checkLinearEpilogue(float[] y, int yOff, float[] bias, float[] res, int resOff, int rows, int cols) {
        String op = "linearEpilogue";
        Checks.matrix(op, "y", y, yOff, rows, cols);
        if (bias != null) {
            Checks.range(op, "bias", bias, 0, cols);
        }
        if (res != null) {
            Checks.matrix(op, "res", res, resOff, rows, cols);
            if (res == y) {
                throw new IllegalArgumentException(op + ": the residual must not be the array it writes (y)");
            }
        }
    }

    /**
     * Rows r0..r1 are contiguous, so they are one span of {@code (r1 − r0)·cols} elements done in
     * whole vectors, the bias read from a copy repeated past its end ({@code bias[c % cols]} for
     * {@code c < cols + L}) at the span's column; only the span's last partial vector is scalar.
     * A row's partial vector is thus never masked nor half empty (at 24 columns a row is 1.5
     * vectors, not 2 with the second masked). Per element the same operations as the scalar twin.
     */
    private static void linearEpilogueRowsVector(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int r0, int r1,
                                                 int cols) {
        float[] repeated = bias == null ? null : Elementwise.repeat(bias, 0, cols, cols + L);
        int n = (r1 - r0) * cols;
        int yo = yOff + r0 * cols;
        int ro = resOff + r0 * cols;
        int j = 0;
        for (int col = 0; j + L <= n; j += L) { // col = j % cols
            FloatVector v = FloatVector.fromArray(S, y, yo + j);
            if (repeated != null) {
                v = v.add(FloatVector.fromArray(S, repeated, col));
            }
            if (gelu) {
                v = geluV(v);
            }
            if (res != null) {
                v = v.add(FloatVector.fromArray(S, res, ro + j));
            }
            v.intoArray(y, yo + j);
            col += L;
            while (col >= cols) {
                col -= cols;
            }
        }
        for (; j < n; j++) {
            float v = y[yo + j];
            if (bias != null) {
                v += bias[j % cols];
            }
            if (gelu) {
                v = geluS(v);
            }
            if (res != null) {
                v += res[ro + j];
            }
            y[yo + j] = v;
        }
    }

    private static void linearEpilogueRowsScalar(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int r0, int r1,
                                                 int cols) {
        for (int r = r0; r < r1; r++) {
            int yo = yOff + r * cols;
            int ro = resOff + r * cols;
            for (int i = 0; i < cols; i++) {
                float v = y[yo + i];
                if (bias != null) {
                    v += bias[i];
                }
                if (gelu) {
                    v = geluS(v);
                }
                if (res != null) {
                    v += res[ro + i];
                }
                y[yo + i] = v;
            }
        }
    }

    /** Vector path of {@link #gelu}. */
    public static void geluVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("gelu", "x", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            geluV(v).intoArray(out, outOff + i);
        }
        geluScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #gelu}. */
    public static void geluScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("gelu", "x", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = geluS(v);
        }
    }

    /** {@code out[i] = erf(x[i])}, float-accurate (absolute error below 3e-7 everywhere, relative below 1e-6 for |x| < 0.5): a 7-term Taylor series for |x| < 0.5, otherwise {@code 1 - erfc(|x|)} with Numerical Recipes' Chebyshev fit {@code erfc(z) = t·exp(-z² + P(t))}, {@code t = 1/(1+z/2)} (fractional error 1.2e-7), evaluated in float with FMA in both paths. */
    public static void erf(float[] x, int xOff, float[] out, int outOff, int n) {
        check("erf", "x", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                erfScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                erfVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #erf}. */
    public static void erfVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("erf", "x", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            erfV(v).intoArray(out, outOff + i);
        }
        erfScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #erf}. */
    public static void erfScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("erf", "x", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = erf(v);
        }
    }

    /**
     * ReLU backward from the input: {@code dx[i] = x[i] > 0 ? dy[i] : 0} (gradient 0 at x = 0 and for NaN x, as PyTorch).
     * x, dy and dx are ranges of length n; dx is overwritten (it may alias dy).
     */
    public static void reluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("reluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                reluBackwardScalar(x, xOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            } else {
                reluBackwardVector(x, xOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #reluBackward}. */
    public static void reluBackwardVector(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("reluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector d = FloatVector.fromArray(S, dy, dyOff + i);
            ZERO.blend(d, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxOff + i);
        }
        reluBackwardScalar(x, xOff + i, dy, dyOff + i, dx, dxOff + i, n - i);
    }

    /** Scalar twin of {@link #reluBackward}. */
    public static void reluBackwardScalar(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("reluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float d = dy[dyOff + i];
            dx[dxOff + i] = v > 0f ? d : 0f;
        }
    }

    /**
     * Sigmoid backward from the output y = sigmoid(x): {@code dx = dy · y · (1 - y)}.
     * y, dy and dx are ranges of length n; dx is overwritten (it may alias dy).
     */
    public static void sigmoidBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("sigmoidBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                sigmoidBackwardScalar(y, yOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            } else {
                sigmoidBackwardVector(y, yOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #sigmoidBackward}. */
    public static void sigmoidBackwardVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("sigmoidBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, y, yOff + i);
            FloatVector d = FloatVector.fromArray(S, dy, dyOff + i);
            d.mul(v.mul(ONE.sub(v))).intoArray(dx, dxOff + i);
        }
        sigmoidBackwardScalar(y, yOff + i, dy, dyOff + i, dx, dxOff + i, n - i);
    }

    /** Scalar twin of {@link #sigmoidBackward}. */
    public static void sigmoidBackwardScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("sigmoidBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = y[yOff + i];
            float d = dy[dyOff + i];
            dx[dxOff + i] = d * (v * (1f - v));
        }
    }

    /**
     * Tanh backward from the output y = tanh(x): {@code dx = dy · (1 - y²)}, with {@code 1 - y²} as one fused multiply-add.
     * y, dy and dx are ranges of length n; dx is overwritten (it may alias dy).
     */
    public static void tanhBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("tanhBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                tanhBackwardScalar(y, yOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            } else {
                tanhBackwardVector(y, yOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #tanhBackward}. */
    public static void tanhBackwardVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("tanhBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, y, yOff + i);
            FloatVector d = FloatVector.fromArray(S, dy, dyOff + i);
            d.mul(v.neg().fma(v, ONE)).intoArray(dx, dxOff + i);
        }
        tanhBackwardScalar(y, yOff + i, dy, dyOff + i, dx, dxOff + i, n - i);
    }

    /** Scalar twin of {@link #tanhBackward}. */
    public static void tanhBackwardScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("tanhBackward", "y", y, yOff, dy, dyOff, dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = y[yOff + i];
            float d = dy[dyOff + i];
            dx[dxOff + i] = d * Math.fma(-v, v, 1f);
        }
    }

    /**
     * GELU backward from the input: {@code dx = dy · (Φ(x) + x·φ(x))}, φ the standard normal density.
     * x, dy and dx are ranges of length n; dx is overwritten (it may alias dy).
     */
    public static void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("geluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                geluBackwardScalar(x, xOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            } else {
                geluBackwardVector(x, xOff + f, dy, dyOff + f, dx, dxOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #geluBackward}. */
    public static void geluBackwardVector(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("geluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector d = FloatVector.fromArray(S, dy, dyOff + i);
            d.mul(geluGradV(v)).intoArray(dx, dxOff + i);
        }
        geluBackwardScalar(x, xOff + i, dy, dyOff + i, dx, dxOff + i, n - i);
    }

    /** Scalar twin of {@link #geluBackward}. */
    public static void geluBackwardScalar(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        check2("geluBackward", "x", x, xOff, dy, dyOff, dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            float d = dy[dyOff + i];
            dx[dxOff + i] = d * geluGrad(v);
        }
    }
}
