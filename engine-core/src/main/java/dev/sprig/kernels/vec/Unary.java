package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unary elementwise math on {@code float[]} ranges: {@code out[i] = f(x[i])} for i in [0, n),
 * x at xOff, out at outOff (out may alias x).
 *
 * <p>Every kernel is bit-identical between its vector path and its scalar twin: neg, abs, sqrt,
 * reciprocal and square are single IEEE operations, exp and log come from {@link VecMath}
 * (deterministic, unlike the Vector API's EXP/LOG, whose results depend on the JIT state). pow with
 * a general exponent runs {@link Math#pow} per element in both paths (no deterministic vector pow).
 */
public final class Unary {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private Unary() {}

    private static void check(String op, float[] x, int xOff, float[] out, int outOff, int n) {
        Checks.range(op, "x", x, xOff, n);
        Checks.range(op, "out", out, outOff, n);
    }

    /** {@code out[i] = -x[i]}. */
    public static void neg(float[] x, int xOff, float[] out, int outOff, int n) {
        check("neg", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                negScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                negVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #neg}. */
    public static void negVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("neg", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.neg().intoArray(out, outOff + i);
        }
        negScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #neg}. */
    public static void negScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("neg", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = -v;
        }
    }

    /** {@code out[i] = |x[i]|}. */
    public static void abs(float[] x, int xOff, float[] out, int outOff, int n) {
        check("abs", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                absScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                absVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #abs}. */
    public static void absVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("abs", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.abs().intoArray(out, outOff + i);
        }
        absScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #abs}. */
    public static void absScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("abs", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = Math.abs(v);
        }
    }

    /** {@code out[i] = e^x[i]} (overflows to +inf above ~88.72, subnormal below ~-87.3, 0 below ~-103.9) via {@link VecMath#exp(float)} in both paths: within 2 ulp, bit-identical between the paths. */
    public static void exp(float[] x, int xOff, float[] out, int outOff, int n) {
        check("exp", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                expScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                expVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #exp}. */
    public static void expVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("exp", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            VecMath.exp(v).intoArray(out, outOff + i);
        }
        expScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #exp}. */
    public static void expScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("exp", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = VecMath.exp(v);
        }
    }

    /** {@code out[i] = ln x[i]} (log ±0 = -inf, log of a negative = NaN) via {@link VecMath#log(float)} in both paths: within 2 ulp, bit-identical between the paths. */
    public static void log(float[] x, int xOff, float[] out, int outOff, int n) {
        check("log", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                logScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                logVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #log}. */
    public static void logVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("log", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            VecMath.log(v).intoArray(out, outOff + i);
        }
        logScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #log}. */
    public static void logScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("log", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = VecMath.log(v);
        }
    }

    /** {@code out[i] = sqrt(x[i])} (correctly rounded in both paths). */
    public static void sqrt(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sqrt", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                sqrtScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                sqrtVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #sqrt}. */
    public static void sqrtVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sqrt", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.sqrt().intoArray(out, outOff + i);
        }
        sqrtScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #sqrt}. */
    public static void sqrtScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("sqrt", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = (float) Math.sqrt(v);
        }
    }

    /** {@code out[i] = 1 / x[i]} (a true division in both paths). */
    public static void reciprocal(float[] x, int xOff, float[] out, int outOff, int n) {
        check("reciprocal", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                reciprocalScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                reciprocalVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #reciprocal}. */
    public static void reciprocalVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("reciprocal", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            ONE.div(v).intoArray(out, outOff + i);
        }
        reciprocalScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #reciprocal}. */
    public static void reciprocalScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("reciprocal", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = 1f / v;
        }
    }

    /** {@code out[i] = x[i] * x[i]}. */
    public static void square(float[] x, int xOff, float[] out, int outOff, int n) {
        check("square", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                squareScalar(x, xOff + f, out, outOff + f, t - f);
            } else {
                squareVector(x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #square}. */
    public static void squareVector(float[] x, int xOff, float[] out, int outOff, int n) {
        check("square", x, xOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.mul(v).intoArray(out, outOff + i);
        }
        squareScalar(x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #square}. */
    public static void squareScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        check("square", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = v * v;
        }
    }

    /**
     * {@code out[i] = x[i]^p} with {@link Math#pow} semantics (NaN for a negative base and a
     * non-integer exponent). {@code p == 2} is a vectorised {@code x*x}, which equals the correctly
     * rounded pow; any other exponent runs {@link Math#pow} per element in both paths.
     */
    public static void pow(float[] x, int xOff, float p, float[] out, int outOff, int n) {
        check("pow", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                powScalar(x, xOff + f, p, out, outOff + f, t - f);
            } else {
                powVector(x, xOff + f, p, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #pow}: vectorised for p == 2, the scalar loop otherwise. */
    public static void powVector(float[] x, int xOff, float p, float[] out, int outOff, int n) {
        check("pow", x, xOff, out, outOff, n);
        if (p == 2f) {
            squareVector(x, xOff, out, outOff, n);
        } else {
            powScalar(x, xOff, p, out, outOff, n);
        }
    }

    /** Scalar twin of {@link #pow}. */
    public static void powScalar(float[] x, int xOff, float p, float[] out, int outOff, int n) {
        check("pow", x, xOff, out, outOff, n);
        if (p == 2f) {
            squareScalar(x, xOff, out, outOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (float) Math.pow(x[xOff + i], p);
        }
    }
}
