package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.LENGTHS;
import static dev.sprig.kernels.vec.VecTestSupport.OUT_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.X_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.assertClose;
import static dev.sprig.kernels.vec.VecTestSupport.assertUlps;
import static dev.sprig.kernels.vec.VecTestSupport.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kernels built on exp/log/tanh/erf: vector path bit-identical to the scalar twin (after a warm-up,
 * so compiled code is what is compared), both against double references, and edge values.
 */
class TranscendentalTest {
    /** Unary kernel (x -> out) of length n. */
    interface K2 {
        void run(float[] x, int xOff, float[] out, int outOff, int n);
    }

    /** Backward kernel (input, dy -> dx). */
    interface KB {
        void run(float[] a, int aOff, float[] dy, int dyOff, float[] dx, int dxOff, int n);
    }

    /**
     * name, vector, scalar, dispatch, input range, ulps allowed between vector and scalar paths
     * (0: they are bit-identical by construction, see VecMath), double reference, absolute and
     * relative tolerance against it.
     */
    static Stream<Arguments> unaries() {
        return Stream.of(
                arguments("exp", (K2) Unary::expVector, (K2) Unary::expScalar, (K2) Unary::exp, -87.0, 88.0, 0.0,
                        (DoubleUnaryOperator) Math::exp, 0.0, 2.5e-7),
                arguments("log", (K2) Unary::logVector, (K2) Unary::logScalar, (K2) Unary::log, 1e-6, 100.0, 0.0,
                        (DoubleUnaryOperator) Math::log, 0.0, 2.5e-7),
                arguments("pow1.5", (K2) (x, xo, o, oo, n) -> Unary.powVector(x, xo, 1.5f, o, oo, n),
                        (K2) (x, xo, o, oo, n) -> Unary.powScalar(x, xo, 1.5f, o, oo, n),
                        (K2) (x, xo, o, oo, n) -> Unary.pow(x, xo, 1.5f, o, oo, n), 0.0, 30.0, 0.0,
                        (DoubleUnaryOperator) v -> Math.pow(v, 1.5), 0.0, 2.5e-7),
                arguments("tanh", (K2) Activations::tanhVector, (K2) Activations::tanhScalar, (K2) Activations::tanh,
                        -10.0, 10.0, 0.0, (DoubleUnaryOperator) Math::tanh, 1e-30, 2.5e-7),
                arguments("sigmoid", (K2) Activations::sigmoidVector, (K2) Activations::sigmoidScalar, (K2) Activations::sigmoid,
                        -30.0, 30.0, 0.0, (DoubleUnaryOperator) VecTestSupport::sigmoid, 0.0, 4e-7),
                arguments("erf", (K2) Activations::erfVector, (K2) Activations::erfScalar, (K2) Activations::erf,
                        -6.0, 6.0, 0.0, (DoubleUnaryOperator) VecTestSupport::erf, 3e-7, 0.0),
                arguments("gelu", (K2) Activations::geluVector, (K2) Activations::geluScalar, (K2) Activations::gelu,
                        -4.0, 10.0, 0.0, (DoubleUnaryOperator) VecTestSupport::gelu, 1e-37, 1e-6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaries")
    void vectorMatchesScalarAndBothMatchDouble(String name, K2 vector, K2 scalar, K2 dispatch, double lo, double hi,
                                               double ulps, DoubleUnaryOperator ref, double abs, double rel) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        float[] wx = uniform(rnd, 0, 256, lo, hi);
        float[] wo = new float[wx.length];
        VecTestSupport.warm(() -> vector.run(wx, 0, wo, 0, 256));
        for (int n : LENGTHS) {
            float[] x = uniform(rnd, X_OFF, n, lo, hi);
            float[] s = VecTestSupport.sentinel(OUT_OFF, n);
            float[] v = VecTestSupport.sentinel(OUT_OFF, n);
            float[] d = VecTestSupport.sentinel(OUT_OFF, n);
            scalar.run(x, X_OFF, s, OUT_OFF, n);
            vector.run(x, X_OFF, v, OUT_OFF, n);
            dispatch.run(x, X_OFF, d, OUT_OFF, n);
            VecTestSupport.assertUntouchedOutside(v, OUT_OFF, n);
            VecTestSupport.assertUntouchedOutside(s, OUT_OFF, n);
            assertUlps(name + " vector vs scalar n=" + n, s, OUT_OFF, v, OUT_OFF, n, ulps);
            assertUlps(name + " dispatch vs scalar n=" + n, s, OUT_OFF, d, OUT_OFF, n, ulps);
            for (int i = 0; i < n; i++) {
                double e = ref.applyAsDouble(x[X_OFF + i]);
                assertClose(name + "(" + x[X_OFF + i] + ") scalar", e, s[OUT_OFF + i], abs, rel);
                assertClose(name + "(" + x[X_OFF + i] + ") vector", e, v[OUT_OFF + i], abs, rel);
            }
        }
    }

    @Test
    void erfIsRelativelyAccurateNearZeroAndAccurateInTheTails() {
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (i - 2000) * 0.003f; // [-6, 6] on a fine grid, 0.5 boundary included
        }
        float[] tiny = {1e-30f, -1e-20f, 1e-10f, 3e-5f, -0.001f, 0.25f, -0.4999f, 0.5f, -0.5001f};
        float[] v = new float[x.length];
        float[] s = new float[x.length];
        VecTestSupport.warm(() -> Activations.erfVector(x, 0, v, 0, 256));
        Activations.erfVector(x, 0, v, 0, x.length);
        Activations.erfScalar(x, 0, s, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            double e = VecTestSupport.erf(x[i]);
            assertClose("erf(" + x[i] + ") vector", e, v[i], 3e-7, 0);
            assertClose("erf(" + x[i] + ") scalar", e, s[i], 3e-7, 0);
        }
        float[] tv = new float[tiny.length];
        Activations.erfVector(tiny, 0, tv, 0, tiny.length);
        for (int i = 0; i < tiny.length; i++) {
            double e = VecTestSupport.erf(tiny[i]);
            assertClose("erf(" + tiny[i] + ") relative", e, tv[i], 0, 1e-6);
            assertClose("erf(" + tiny[i] + ") scalar relative", e, Activations.erf(tiny[i]), 0, 1e-6);
        }
    }

    /**
     * Deep lower tail: exp's argument -x²/2 is rounded to float, so the relative error grows like
     * x²/2 · 2^-24 (2.4e-6 at x = -9); gelu there is below 1e-18 in magnitude.
     */
    @Test
    void geluLowerTailKeepsRelativeAccuracy() {
        SplittableRandom rnd = new SplittableRandom(22);
        int n = 997;
        float[] x = uniform(rnd, 0, n, -12, -4);
        float[] v = new float[n];
        float[] s = new float[n];
        Activations.geluVector(x, 0, v, 0, n);
        Activations.geluScalar(x, 0, s, 0, n);
        for (int i = 0; i < n; i++) {
            double e = VecTestSupport.gelu(x[i]);
            double rel = 3e-7 + 1.5e-7 * x[i] * x[i] / 2;
            assertClose("gelu(" + x[i] + ") vector", e, v[i], 1e-44, rel);
            assertClose("gelu(" + x[i] + ") scalar", e, s[i], 1e-44, rel);
        }
    }

    @Test
    void geluBackwardMatchesTheDoubleDerivative() {
        SplittableRandom rnd = new SplittableRandom(21);
        KB[] paths = {Activations::geluBackwardVector, Activations::geluBackwardScalar, Activations::geluBackward};
        float[] wx = uniform(rnd, 0, 256, -8, 8);
        float[] wo = new float[wx.length];
        VecTestSupport.warm(() -> Activations.geluBackwardVector(wx, 0, wx, 0, wo, 0, 256));
        for (int n : LENGTHS) {
            float[] x = uniform(rnd, X_OFF, n, -8, 8);
            float[] dy = uniform(rnd, 0, n, -2, 2);
            float[][] results = new float[paths.length][];
            for (int p = 0; p < paths.length; p++) {
                results[p] = VecTestSupport.sentinel(OUT_OFF, n);
                paths[p].run(x, X_OFF, dy, 0, results[p], OUT_OFF, n);
                VecTestSupport.assertUntouchedOutside(results[p], OUT_OFF, n);
                for (int i = 0; i < n; i++) {
                    double e = dy[i] * VecTestSupport.geluGrad(x[X_OFF + i]);
                    assertClose("geluBackward(" + x[X_OFF + i] + ") path " + p, e, results[p][OUT_OFF + i], 1e-6 * Math.abs(dy[i]), 1e-6);
                }
            }
            VecTestSupport.assertBitEqual("geluBackward vector vs scalar", results[1], OUT_OFF, results[0], OUT_OFF, n);
        }
        // And against a central finite difference of the double gelu, at a few points.
        for (double x0 : new double[] {-3.1, -0.7, 0.0, 0.4, 2.2}) {
            double h = 1e-5;
            double fd = (VecTestSupport.gelu(x0 + h) - VecTestSupport.gelu(x0 - h)) / (2 * h);
            float[] dx = new float[1];
            Activations.geluBackwardScalar(new float[] {(float) x0}, 0, new float[] {1f}, 0, dx, 0, 1);
            assertClose("geluBackward vs finite difference at " + x0, fd, dx[0], 1e-6, 1e-6);
        }
    }

    /** Runs {@code k} on the vector path (values spread over full vectors) and the scalar twin. */
    private static float[][] bothPaths(K2 vector, K2 scalar, float[] values) {
        int n = 3 * 16 + 5;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = values[i % values.length];
        }
        float[] v = new float[n];
        float[] s = new float[n];
        VecTestSupport.warm(() -> vector.run(x, 0, v, 0, n));
        vector.run(x, 0, v, 0, n);
        scalar.run(x, 0, s, 0, n);
        return new float[][] {x, v, s};
    }

    private static void assertEdge(String name, K2 vector, K2 scalar, float[] in, float[] expected) {
        float[][] r = bothPaths(vector, scalar, in);
        for (int i = 0; i < r[0].length; i++) {
            float e = expected[i % expected.length];
            // Float.compare: NaN equals NaN, -0 differs from +0.
            assertThat(Float.compare(r[1][i], e)).as(name + "(" + r[0][i] + ") vector = " + r[1][i] + ", expected " + e).isZero();
            assertThat(Float.compare(r[2][i], e)).as(name + "(" + r[0][i] + ") scalar = " + r[2][i] + ", expected " + e).isZero();
        }
    }

    @Test
    void edgeValues() {
        float inf = Float.POSITIVE_INFINITY;
        float nan = Float.NaN;
        assertEdge("exp", Unary::expVector, Unary::expScalar,
                new float[] {-200f, 200f, -inf, inf, nan, 0f, -0f, -104f},
                new float[] {0f, inf, 0f, inf, nan, 1f, 1f, 0f});
        assertEdge("log", Unary::logVector, Unary::logScalar,
                new float[] {0f, -0f, -1f, inf, nan, 1f},
                new float[] {-inf, -inf, nan, inf, nan, 0f});
        // relu(±0) = +0, relu(NaN) = NaN: AssertJ's isEqualTo on floats distinguishes -0 from +0.
        assertEdge("relu", Activations::reluVector, Activations::reluScalar,
                new float[] {0f, -0f, -1f, 2f, nan, -inf, inf},
                new float[] {0f, 0f, 0f, 2f, nan, 0f, inf});
        assertEdge("sigmoid", Activations::sigmoidVector, Activations::sigmoidScalar,
                new float[] {-200f, 200f, -inf, inf, 0f, nan},
                new float[] {0f, 1f, 0f, 1f, 0.5f, nan});
        assertEdge("tanh", Activations::tanhVector, Activations::tanhScalar,
                new float[] {-20f, 20f, -inf, inf, 0f, nan},
                new float[] {-1f, 1f, -1f, 1f, 0f, nan});
        assertEdge("erf", Activations::erfVector, Activations::erfScalar,
                new float[] {-inf, inf, 0f, -0f, nan, 10f, -10f},
                new float[] {-1f, 1f, 0f, -0f, nan, 1f, -1f});
        // gelu(-inf) = -inf * 0 = NaN, as PyTorch's erf formula gives.
        assertEdge("gelu", Activations::geluVector, Activations::geluScalar,
                new float[] {0f, inf, -inf, nan, 20f},
                new float[] {0f, inf, nan, nan, 20f});
        float[][] deep = bothPaths(Activations::geluVector, Activations::geluScalar, new float[] {-30f});
        assertThat(deep[1][0]).as("gelu(-30) vector").isZero();
        assertThat(deep[2][0]).as("gelu(-30) scalar").isZero();
        // ReLU backward: the gradient at exactly 0 is 0 (as PyTorch).
        float[] x = {0f, -0f, 1e-30f, -1e-30f, nan, 3f};
        float[] dy = {5f, 5f, 5f, 5f, 5f, 5f};
        float[] dx = new float[6];
        Activations.reluBackwardScalar(x, 0, dy, 0, dx, 0, 6);
        assertThat(dx).containsExactly(0f, 0f, 5f, 0f, 0f, 5f);
    }
}
