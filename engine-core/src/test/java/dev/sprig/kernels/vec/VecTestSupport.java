package dev.sprig.kernels.vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.SplittableRandom;

/** Shared data generators, tolerances and double-precision references for the vec kernel tests. */
final class VecTestSupport {
    /** Awkward lengths around the 16-lane AVX-512 vector (and the 4-vector unroll), primes and a long one. */
    static final int[] LENGTHS = {0, 1, 2, 7, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 1000, 4099};

    private VecTestSupport() {}

    /** Offsets used for inputs and outputs: different and nonzero so index mix-ups show. */
    static final int X_OFF = 3;
    static final int Y_OFF = 5;
    static final int OUT_OFF = 7;

    /** An array of {@code off + n + 4} uniform values in [lo, hi) (the padding catches writes past the range). */
    static float[] uniform(SplittableRandom rnd, int off, int n, double lo, double hi) {
        float[] a = new float[off + n + 4];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    static float[] sentinel(int off, int n) {
        float[] a = new float[off + n + 4];
        java.util.Arrays.fill(a, -12345f);
        return a;
    }

    /** Asserts that the padding outside {@code [off, off + n)} still holds the sentinel. */
    static void assertUntouchedOutside(float[] a, int off, int n) {
        for (int i = 0; i < a.length; i++) {
            if (i < off || i >= off + n) {
                if (a[i] != -12345f) {
                    fail("element " + i + " outside [" + off + ", " + (off + n) + ") was written: " + a[i]);
                }
            }
        }
    }

    static void assertBitEqual(String what, float[] expected, int eOff, float[] actual, int aOff, int n) {
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i];
            float a = actual[aOff + i];
            if (Float.floatToIntBits(e) != Float.floatToIntBits(a)) {
                fail(what + ": element " + i + " of " + n + ": expected " + e + " but got " + a);
            }
        }
    }

    /** |a - e| <= ulps * ulp(e), with equal infinities and NaNs accepted. */
    static void assertUlps(String what, float[] expected, int eOff, float[] actual, int aOff, int n, double ulps) {
        for (int i = 0; i < n; i++) {
            assertUlps(what + " element " + i + " of " + n, expected[eOff + i], actual[aOff + i], ulps);
        }
    }

    static void assertUlps(String what, double expected, float actual, double ulps) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertThat((double) actual).as(what).isEqualTo(expected);
            return;
        }
        double tol = ulps * Math.ulp((float) expected);
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(what + ": expected " + expected + " but got " + actual + " (tolerance " + ulps + " ulp = " + tol + ")");
        }
    }

    /** |a - e| <= abs + rel * |e|. */
    static void assertClose(String what, double expected, double actual, double abs, double rel) {
        if (Double.isNaN(expected)) {
            assertThat(actual).as(what).isNaN();
            return;
        }
        double tol = abs + rel * Math.abs(expected);
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(what + ": expected " + expected + " but got " + actual + " (|diff| " + Math.abs(actual - expected)
                    + " > tolerance " + tol + ")");
        }
    }

    /**
     * Runs {@code kernel} often enough for C2 to compile it, so that tests check the compiled
     * vector code production runs, not only the Vector API's interpreted Java fallback (the two
     * could differ if a kernel used a JIT-dependent operator such as the Vector API's EXP).
     */
    static void warm(Runnable kernel) {
        for (int i = 0; i < 3000; i++) {
            kernel.run();
        }
    }

    // ---------------------------------------------------------------- double references

    /** erf in double: the everywhere-positive series 2/√π e^{-z²} Σ (2z²)^k z / (1·3·…·(2k+1)), accurate to ~1e-15. */
    static double erf(double z) {
        if (Double.isNaN(z)) {
            return Double.NaN;
        }
        if (z < 0) {
            return -erf(-z);
        }
        if (z > 3) {
            return 1 - erfc(z);
        }
        double term = z;
        double sum = z;
        for (int k = 1; k < 500; k++) {
            term *= 2 * z * z / (2 * k + 1);
            sum += term;
            if (term < 1e-18 * sum) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-z * z) * sum;
    }

    /** erfc in double: 1 - erf below 3, else the Laplace continued fraction (relative accuracy kept in the tail). */
    static double erfc(double z) {
        if (z < 3) {
            return 1 - erf(z);
        }
        double f = z;
        for (int k = 300; k >= 1; k--) {
            f = z + (k / 2.0) / f;
        }
        return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
    }

    /** Standard normal CDF in double, without cancellation in the lower tail. */
    static double phi(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        double h = 0.5 * erfc(z);
        return x >= 0 ? 1 - h : h;
    }

    static double gelu(double x) {
        return x * phi(x);
    }

    static double geluGrad(double x) {
        return phi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
