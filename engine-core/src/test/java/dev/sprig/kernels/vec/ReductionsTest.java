package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.LENGTHS;
import static dev.sprig.kernels.vec.VecTestSupport.X_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.Y_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.assertBitEqual;
import static dev.sprig.kernels.vec.VecTestSupport.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reductions against double-precision references with a length-dependent bound, vector vs scalar,
 * exact max/min/argmax/argmin with ties and NaN, and the column-sum kernel.
 */
class ReductionsTest {
    private static final double U = Math.ulp(1f) / 2; // 2^-24, float unit roundoff

    interface Sum {
        float run(float[] x, int xOff, float[] y, int yOff, int n);
    }

    interface Term {
        double apply(double x, double y);
    }

    static Stream<Arguments> sums() {
        return Stream.of(
                arguments("sum", (Sum) (x, xo, y, yo, n) -> Reductions.sumVector(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sumScalar(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sum(x, xo, n), (Term) (x, y) -> x),
                arguments("sumSquares", (Sum) (x, xo, y, yo, n) -> Reductions.sumSquaresVector(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sumSquaresScalar(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sumSquares(x, xo, n), (Term) (x, y) -> x * x),
                arguments("sumAbs", (Sum) (x, xo, y, yo, n) -> Reductions.sumAbsVector(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sumAbsScalar(x, xo, n),
                        (Sum) (x, xo, y, yo, n) -> Reductions.sumAbs(x, xo, n), (Term) (x, y) -> Math.abs(x)),
                arguments("dot", (Sum) Reductions::dotVector, (Sum) Reductions::dotScalar, (Sum) Reductions::dot,
                        (Term) (x, y) -> x * y),
                arguments("variance·n", (Sum) (x, xo, y, yo, n) -> n == 0 ? 0f : n * Reductions.varianceVector(x, xo, n, 0.25f),
                        (Sum) (x, xo, y, yo, n) -> n == 0 ? 0f : n * Reductions.varianceScalar(x, xo, n, 0.25f),
                        (Sum) (x, xo, y, yo, n) -> n == 0 ? 0f : n * Reductions.variance(x, xo, n, 0.25f),
                        (Term) (x, y) -> (x - 0.25) * (x - 0.25)));
    }

    /**
     * Bound: a float sum of n terms is within (n + 64)·u·Σ|term| of the exact sum for both
     * accumulation orders (sequential: (n-1)·u; vector: n/(4L) + lane-combining steps), and each
     * product term carries one more rounding.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sums")
    void sumsMatchDoubleWithinALengthDependentBound(String name, Sum vector, Sum scalar, Sum dispatch, Term term) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        for (int n : LENGTHS) {
            float[] x = uniform(rnd, X_OFF, n, -2, 3);
            float[] y = uniform(rnd, Y_OFF, n, -2, 2);
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                double t = term.apply(x[X_OFF + i], y[Y_OFF + i]);
                exact += t;
                magnitude += Math.abs(t);
            }
            double bound = (n + 64) * U * magnitude + Float.MIN_VALUE;
            float v = vector.run(x, X_OFF, y, Y_OFF, n);
            float s = scalar.run(x, X_OFF, y, Y_OFF, n);
            float d = dispatch.run(x, X_OFF, y, Y_OFF, n);
            for (float got : new float[] {v, s, d}) {
                if (!(Math.abs(got - exact) <= bound)) {
                    fail(name + " n=" + n + ": got " + got + ", exact " + exact + ", bound " + bound);
                }
            }
            assertThat((double) Math.abs(v - s)).as(name + " vector vs scalar n=" + n).isLessThanOrEqualTo(2 * bound);
        }
    }

    @Test
    void meanAndVarianceOfAKnownRange() {
        float[] x = {9f, 1f, 2f, 3f, 4f, 9f};
        assertThat(Reductions.mean(x, 1, 4)).isEqualTo(2.5f);
        assertThat(Reductions.variance(x, 1, 4, 2.5f)).isEqualTo(1.25f);
        assertThat(Reductions.varianceVector(x, 1, 4, 2.5f)).isEqualTo(1.25f);
        assertThat(Reductions.sum(x, 0, 0)).isZero();
        assertThat(Reductions.mean(x, 0, 0)).as("mean of nothing").isNaN();
        assertThat(Reductions.variance(x, 0, 0, 0f)).as("variance of nothing").isNaN();
    }

    interface Extreme {
        float run(float[] x, int off, int n);
    }

    interface Arg {
        int run(float[] x, int off, int n);
    }

    @Test
    void maxMinArgmaxArgminAreExact() {
        SplittableRandom rnd = new SplittableRandom(31);
        for (int n : LENGTHS) {
            if (n == 0) {
                continue;
            }
            float[] x = uniform(rnd, X_OFF, n, -5, 5);
            // Plant ties: the max (and min) appear twice; the first occurrence must win.
            int a = rnd.nextInt(n);
            int b = rnd.nextInt(n);
            x[X_OFF + Math.max(a, b)] = 7f;
            x[X_OFF + Math.min(a, b)] = 7f;
            int c = rnd.nextInt(n);
            int d = rnd.nextInt(n);
            if (c != a && c != b && d != a && d != b) {
                x[X_OFF + c] = -7f;
                x[X_OFF + d] = -7f;
            }
            int expArgmax = -1;
            int expArgmin = -1;
            float expMax = Float.NEGATIVE_INFINITY;
            float expMin = Float.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                float v = x[X_OFF + i];
                if (v > expMax) {
                    expMax = v;
                    expArgmax = i;
                }
                if (v < expMin) {
                    expMin = v;
                    expArgmin = i;
                }
            }
            for (Extreme k : new Extreme[] {Reductions::maxVector, Reductions::maxScalar, Reductions::max}) {
                assertThat(k.run(x, X_OFF, n)).as("max n=" + n).isEqualTo(expMax);
            }
            for (Extreme k : new Extreme[] {Reductions::minVector, Reductions::minScalar, Reductions::min}) {
                assertThat(k.run(x, X_OFF, n)).as("min n=" + n).isEqualTo(expMin);
            }
            for (Arg k : new Arg[] {Reductions::argmaxVector, Reductions::argmaxScalar, Reductions::argmax}) {
                assertThat(k.run(x, X_OFF, n)).as("argmax n=" + n).isEqualTo(expArgmax);
            }
            for (Arg k : new Arg[] {Reductions::argminVector, Reductions::argminScalar, Reductions::argmin}) {
                assertThat(k.run(x, X_OFF, n)).as("argmin n=" + n).isEqualTo(expArgmin);
            }
        }
    }

    /** Documented NaN rule: max/min return NaN, argmax/argmin return the first NaN's index. */
    @Test
    void nanPropagatesAndTheFirstNanIsTheArgmax() {
        for (int n : new int[] {1, 15, 16, 17, 70, 1000}) {
            for (int at : new int[] {0, n / 2, n - 1}) {
                float[] x = new float[n + 2];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 5 - 2f;
                }
                x[1 + at] = Float.NaN;
                if (at + 3 < n) {
                    x[1 + at + 3] = Float.NaN; // a later NaN must not win
                }
                String where = "n=" + n + " NaN at " + at;
                assertThat(Reductions.maxVector(x, 1, n)).as("max " + where).isNaN();
                assertThat(Reductions.maxScalar(x, 1, n)).as("max " + where).isNaN();
                assertThat(Reductions.minVector(x, 1, n)).as("min " + where).isNaN();
                assertThat(Reductions.minScalar(x, 1, n)).as("min " + where).isNaN();
                assertThat(Reductions.argmaxVector(x, 1, n)).as("argmax " + where).isEqualTo(at);
                assertThat(Reductions.argmaxScalar(x, 1, n)).as("argmax " + where).isEqualTo(at);
                assertThat(Reductions.argminVector(x, 1, n)).as("argmin " + where).isEqualTo(at);
                assertThat(Reductions.argminScalar(x, 1, n)).as("argmin " + where).isEqualTo(at);
                assertThat(Reductions.sumVector(x, 1, n)).as("sum " + where).isNaN();
            }
        }
    }

    @Test
    void emptyRangesAndSignedZeros() {
        float[] x = new float[4];
        assertThat(Reductions.max(x, 2, 0)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Reductions.min(x, 2, 0)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> Reductions.argmax(x, 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argmax").hasMessageContaining("n=0");
        assertThatThrownBy(() -> Reductions.argminScalar(x, 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argmin");
        // -0 and +0 are equal: the first one is the argmax in both paths.
        float[] z = new float[20];
        z[3] = -0f;
        java.util.Arrays.fill(z, 4, 20, -1f);
        java.util.Arrays.fill(z, 0, 3, -2f);
        z[9] = 0f;
        assertThat(Reductions.argmaxVector(z, 0, 20)).isEqualTo(3);
        assertThat(Reductions.argmaxScalar(z, 0, 20)).isEqualTo(3);
    }

    interface Outer {
        void run(float[] x, int xOff, int outer, int inner, float[] out, int outOff);
    }

    @Test
    void sumOuterIntoAccumulatesColumnSums() {
        SplittableRandom rnd = new SplittableRandom(32);
        int[][] shapes = {{0, 4}, {4, 0}, {1, 1}, {3, 17}, {5, 33}, {7, 97}, {3, 2500}, {40, 16}};
        Outer[] paths = {Reductions::sumOuterIntoVector, Reductions::sumOuterIntoScalar, Reductions::sumOuterInto};
        for (int[] s : shapes) {
            int outer = s[0];
            int inner = s[1];
            float[] x = uniform(rnd, X_OFF, outer * inner, -2, 2); // [outer, inner]
            float[] out0 = uniform(rnd, Y_OFF, inner, -2, 2);      // [inner], accumulated into
            float[] expected = out0.clone();
            for (int j = 0; j < inner; j++) {
                for (int i = 0; i < outer; i++) {
                    expected[Y_OFF + j] += x[X_OFF + i * inner + j];
                }
            }
            for (Outer k : paths) {
                float[] out = out0.clone();
                k.run(x, X_OFF, outer, inner, out, Y_OFF);
                assertBitEqual("sumOuterInto " + outer + "x" + inner, expected, 0, out, 0, out.length);
            }
        }
    }
}
