package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.LENGTHS;
import static dev.sprig.kernels.vec.VecTestSupport.OUT_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.X_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.Y_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.assertBitEqual;
import static dev.sprig.kernels.vec.VecTestSupport.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Elementwise kernels: vector path, scalar twin and dispatching entry are each compared, bit for
 * bit, with an independent per-element formula (every kernel is one IEEE op or one FMA per element),
 * over awkward lengths with nonzero offsets; elements outside the output range must stay untouched.
 */
class ElementwiseTest {
    /** A kernel under test in the uniform shape (x, y, out) of length n; unary ones ignore y. */
    interface K3 {
        void run(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n);
    }

    /** Expected element from x, y and the output's previous value (for accumulating kernels). */
    interface Ref {
        float apply(float x, float y, float outBefore);
    }

    private static final float C = -1.375f;

    static Stream<Arguments> kernels() {
        return Stream.of(
                arguments("add", (K3) Elementwise::addVector, (K3) Elementwise::addScalar, (K3) Elementwise::add,
                        (Ref) (x, y, o) -> x + y),
                arguments("sub", (K3) Elementwise::subVector, (K3) Elementwise::subScalar, (K3) Elementwise::sub,
                        (Ref) (x, y, o) -> x - y),
                arguments("mul", (K3) Elementwise::mulVector, (K3) Elementwise::mulScalar, (K3) Elementwise::mul,
                        (Ref) (x, y, o) -> x * y),
                arguments("div", (K3) Elementwise::divVector, (K3) Elementwise::divScalar, (K3) Elementwise::div,
                        (Ref) (x, y, o) -> x / y),
                arguments("addConst",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addConstVector(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addConstScalar(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addConst(x, xo, C, out, oo, n),
                        (Ref) (x, y, o) -> x + C),
                arguments("rsubConst",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rsubConstVector(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rsubConstScalar(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rsubConst(C, x, xo, out, oo, n),
                        (Ref) (x, y, o) -> C - x),
                arguments("mulConst",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.mulConstVector(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.mulConstScalar(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.scaleInto(C, x, xo, out, oo, n),
                        (Ref) (x, y, o) -> x * C),
                arguments("divConst",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.divConstVector(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.divConstScalar(x, xo, C, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.divConst(x, xo, C, out, oo, n),
                        (Ref) (x, y, o) -> x / C),
                arguments("rdivConst",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rdivConstVector(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rdivConstScalar(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.rdivConst(C, x, xo, out, oo, n),
                        (Ref) (x, y, o) -> C / x),
                arguments("axpy",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.axpyVector(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.axpyScalar(C, x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.axpy(C, x, xo, out, oo, n),
                        (Ref) (x, y, o) -> Math.fma(C, x, o)),
                arguments("addScaled",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addScaledVector(x, xo, C, y, yo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addScaledScalar(x, xo, C, y, yo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.addScaled(x, xo, C, y, yo, out, oo, n),
                        (Ref) (x, y, o) -> Math.fma(C, y, x)),
                arguments("mulAdd", (K3) Elementwise::mulAddVector, (K3) Elementwise::mulAddScalar, (K3) Elementwise::mulAdd,
                        (Ref) (x, y, o) -> Math.fma(x, y, o)),
                arguments("accumulate",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.accumulateVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.accumulateScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.accumulate(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> o + x),
                arguments("fill",
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.fillVector(out, oo, n, C),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.fillScalar(out, oo, n, C),
                        (K3) (x, xo, y, yo, out, oo, n) -> Elementwise.fill(out, oo, n, C),
                        (Ref) (x, y, o) -> C),
                arguments("neg", (K3) (x, xo, y, yo, out, oo, n) -> Unary.negVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.negScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.neg(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> -x),
                arguments("abs", (K3) (x, xo, y, yo, out, oo, n) -> Unary.absVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.absScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.abs(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> Math.abs(x)),
                arguments("sqrt", (K3) (x, xo, y, yo, out, oo, n) -> Unary.sqrtVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.sqrtScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.sqrt(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> (float) Math.sqrt(x)),
                arguments("reciprocal", (K3) (x, xo, y, yo, out, oo, n) -> Unary.reciprocalVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.reciprocalScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.reciprocal(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> 1f / x),
                arguments("square", (K3) (x, xo, y, yo, out, oo, n) -> Unary.squareVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.squareScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.square(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> x * x),
                arguments("pow2", (K3) (x, xo, y, yo, out, oo, n) -> Unary.powVector(x, xo, 2f, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.powScalar(x, xo, 2f, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Unary.pow(x, xo, 2f, out, oo, n),
                        (Ref) (x, y, o) -> (float) Math.pow(x, 2)),
                arguments("relu", (K3) (x, xo, y, yo, out, oo, n) -> Activations.reluVector(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Activations.reluScalar(x, xo, out, oo, n),
                        (K3) (x, xo, y, yo, out, oo, n) -> Activations.relu(x, xo, out, oo, n),
                        (Ref) (x, y, o) -> x > 0 ? x : 0f),
                arguments("reluBackward", (K3) Activations::reluBackwardVector, (K3) Activations::reluBackwardScalar,
                        (K3) Activations::reluBackward, (Ref) (x, dy, o) -> x > 0 ? dy : 0f),
                arguments("sigmoidBackward", (K3) Activations::sigmoidBackwardVector, (K3) Activations::sigmoidBackwardScalar,
                        (K3) Activations::sigmoidBackward, (Ref) (y, dy, o) -> dy * (y * (1f - y))),
                arguments("tanhBackward", (K3) Activations::tanhBackwardVector, (K3) Activations::tanhBackwardScalar,
                        (K3) Activations::tanhBackward, (Ref) (y, dy, o) -> dy * Math.fma(-y, y, 1f)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void allPathsEqualThePerElementFormula(String name, K3 vector, K3 scalar, K3 dispatch, Ref ref) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        for (int n : LENGTHS) {
            boolean nonNegative = name.equals("sqrt");
            float[] x = uniform(rnd, X_OFF, n, nonNegative ? 0 : -2, 2);
            float[] y = uniform(rnd, Y_OFF, n, -2, 2);
            float[] out0 = uniform(rnd, OUT_OFF, n, -2, 2);
            float[] expected = out0.clone();
            for (int i = 0; i < n; i++) {
                expected[OUT_OFF + i] = ref.apply(x[X_OFF + i], y[Y_OFF + i], out0[OUT_OFF + i]);
            }
            for (K3 k : new K3[] {vector, scalar, dispatch}) {
                float[] out = out0.clone();
                k.run(x, X_OFF, y, Y_OFF, out, OUT_OFF, n);
                // Whole array, padding included: nothing outside the range may change.
                assertBitEqual(name + " n=" + n, expected, 0, out, 0, out.length);
            }
        }
    }

    @Test
    void inPlaceAliasingGivesTheSameResult() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 97;
        float[] x = uniform(rnd, X_OFF, n, -2, 2);
        float[] y = uniform(rnd, X_OFF, n, -2, 2);
        float[] expected = new float[x.length];
        Elementwise.mulScalar(x, X_OFF, y, X_OFF, expected, X_OFF, n);
        Elementwise.mulVector(x, X_OFF, y, X_OFF, x, X_OFF, n);
        assertBitEqual("mul in place", expected, X_OFF, x, X_OFF, n);
        float[] z = uniform(rnd, X_OFF, n, -2, 2);
        float[] expectedExp = new float[z.length];
        Unary.expScalar(z, X_OFF, expectedExp, X_OFF, n);
        Unary.exp(z, X_OFF, z, X_OFF, n);
        VecTestSupport.assertUlps("exp in place", expectedExp, X_OFF, z, X_OFF, n, 2);
    }

    interface Broadcast {
        void run(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols);
    }

    static final int[][] SHAPES = {{0, 5}, {3, 0}, {1, 1}, {3, 17}, {5, 33}, {7, 97}, {2, 16}, {4, 1000}, {4160, 24}}; // the last split over threads

    @Test
    void rowVectorBroadcastsMatchTheFormula() {
        SplittableRandom rnd = new SplittableRandom(12);
        Broadcast[] adds = {Elementwise::addRowVectorVector, Elementwise::addRowVectorScalar, Elementwise::addRowVector};
        Broadcast[] muls = {Elementwise::mulRowVectorVector, Elementwise::mulRowVectorScalar, Elementwise::mulRowVector};
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] x = uniform(rnd, X_OFF, rows * cols, -2, 2); // [rows, cols]
            float[] v = uniform(rnd, Y_OFF, cols, -2, 2);        // [cols]
            for (boolean isAdd : new boolean[] {true, false}) {
                float[] expected = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        float a = x[X_OFF + r * cols + c];
                        float b = v[Y_OFF + c];
                        expected[OUT_OFF + r * cols + c] = isAdd ? a + b : a * b;
                    }
                }
                for (Broadcast k : isAdd ? adds : muls) {
                    float[] out = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                    k.run(x, X_OFF, v, Y_OFF, out, OUT_OFF, rows, cols);
                    assertBitEqual((isAdd ? "addRowVector " : "mulRowVector ") + rows + "x" + cols, expected, 0, out, 0, out.length);
                }
            }
        }
    }

    interface Affine {
        void run(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff, int batch, int channels, int spatial);
    }

    @Test
    void perChannelAffineMatchesTheFormula() {
        SplittableRandom rnd = new SplittableRandom(13);
        Affine[] paths = {Elementwise::affinePerChannelVector, Elementwise::affinePerChannelScalar, Elementwise::affinePerChannel};
        int[][] shapes = {{0, 3, 5}, {1, 1, 1}, {2, 3, 17}, {3, 5, 33}, {2, 4, 97}, {1, 7, 0}};
        for (int[] s : shapes) {
            int batch = s[0];
            int channels = s[1];
            int spatial = s[2];
            int total = batch * channels * spatial;
            float[] x = uniform(rnd, X_OFF, total, -2, 2); // [batch, channels, spatial]
            float[] a = uniform(rnd, 0, channels, -2, 2);  // [channels]
            float[] b = uniform(rnd, 0, channels, -2, 2);  // [channels]
            for (float[] shift : new float[][] {b, null}) {
                float[] expected = VecTestSupport.sentinel(OUT_OFF, total);
                for (int i = 0; i < total; i++) {
                    int c = (i / spatial) % channels;
                    expected[OUT_OFF + i] = Math.fma(x[X_OFF + i], a[c], shift == null ? 0f : shift[c]);
                }
                for (Affine k : paths) {
                    float[] out = VecTestSupport.sentinel(OUT_OFF, total);
                    k.run(x, X_OFF, a, shift, out, OUT_OFF, batch, channels, spatial);
                    assertBitEqual("affinePerChannel " + batch + "x" + channels + "x" + spatial, expected, 0, out, 0, out.length);
                }
            }
        }
        // affinePerRow is the batch = 1 case: out[r, :] = x[r, :] * a[r] + b[r].
        float[] x = uniform(rnd, 0, 3 * 20, -2, 2);
        float[] out = new float[x.length];
        Elementwise.affinePerRow(x, 0, new float[] {2f, 3f, 4f}, new float[] {1f, 0f, -1f}, out, 0, 3, 20);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 20; c++) {
                float e = Math.fma(x[r * 20 + c], 2f + r, 1f - r);
                if (out[r * 20 + c] != e) {
                    fail("affinePerRow [" + r + ", " + c + "]: expected " + e + " got " + out[r * 20 + c]);
                }
            }
        }
        assertThat(out[0]).isEqualTo(Math.fma(x[0], 2f, 1f));
    }
}
