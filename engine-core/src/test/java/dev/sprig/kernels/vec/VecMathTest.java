package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.assertUlps;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.kernels.KernelConfig;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** VecMath's exp, log and tanh against double over their whole float range, lanes vs scalar definition. */
class VecMathTest {
    private static final int L = KernelConfig.FLOATS.length();

    private interface F {
        float apply(float x);
    }

    private interface V {
        FloatVector apply(FloatVector x);
    }

    /** Checks the scalar function against double within {@code ulps}, and the lanewise one bit for bit against the scalar. */
    private static void check(String name, float[] xs, F scalar, V lanes, java.util.function.DoubleUnaryOperator ref, double ulps) {
        int n = xs.length - xs.length % L;
        float[] out = new float[n];
        VecTestSupport.warm(() -> {
            for (int i = 0; i < Math.min(n, 512); i += L) {
                lanes.apply(FloatVector.fromArray(KernelConfig.FLOATS, xs, i)).intoArray(out, i);
            }
        });
        for (int i = 0; i < n; i += L) {
            lanes.apply(FloatVector.fromArray(KernelConfig.FLOATS, xs, i)).intoArray(out, i);
        }
        for (int i = 0; i < n; i++) {
            float s = scalar.apply(xs[i]);
            assertThat(Float.floatToIntBits(out[i])).as(name + "(" + xs[i] + ") lanes " + out[i] + " vs scalar " + s)
                    .isEqualTo(Float.floatToIntBits(s));
            double e = ref.applyAsDouble(xs[i]);
            // For subnormal results the ulp is Float.MIN_VALUE: the same bound in absolute terms.
            assertUlps(name + "(" + xs[i] + ")", (float) e == 0f ? 0.0 : e, s, ulps);
        }
    }

    private static float[] grid(double lo, double hi, int n, SplittableRandom rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    @Test
    void treeSumIsItsScalarTwinBitForBitAndCloseToTheExactSum() {
        SplittableRandom rnd = new SplittableRandom(60);
        int lanes = KernelConfig.FLOATS.length();
        for (int trial = 0; trial < 200; trial++) {
            float[] x = new float[lanes];
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < lanes; i++) {
                x[i] = (float) ((rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7) - 3));
                exact += x[i];
                magnitude += Math.abs(x[i]);
            }
            float vector = VecMath.treeSum(FloatVector.fromArray(KernelConfig.FLOATS, x, 0));
            assertThat(vector).as("trial %d", trial).isEqualTo(VecMath.treeSum(x, 0));
            assertThat((double) vector).isCloseTo(exact, org.assertj.core.data.Offset.offset(lanes * 6e-8 * magnitude + 1e-30));
        }
        float[] ones = new float[lanes + 3];
        java.util.Arrays.fill(ones, 1f);
        assertThat(VecMath.treeSum(ones, 3)).isEqualTo(lanes);
        ones[5] = Float.NaN;
        assertThat(VecMath.treeSum(FloatVector.fromArray(KernelConfig.FLOATS, ones, 3))).isNaN();
    }

    @Test
    void expIsWithinTwoUlpIncludingSubnormalResults() {
        SplittableRandom rnd = new SplittableRandom(61);
        check("exp", grid(-104, 88.7, 20000, rnd), VecMath::exp, VecMath::exp, Math::exp, 2);
        check("exp", grid(-1, 1, 4000, rnd), VecMath::exp, VecMath::exp, Math::exp, 2);
        assertThat(VecMath.exp(-88f)).isEqualTo((float) Math.exp(-88)); // 6.1e-39, a subnormal result
        assertThat(VecMath.exp(88.8f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(VecMath.exp(-104f)).isZero();
    }

    /** expNonPositive is exp bit for bit down to 2^-126, 0 below, lanes and scalar alike; the unclamped lanes are the same on x <= 0 and NaN. */
    @Test
    void expNonPositiveIsExpDownToTheSmallestNormalResultAndZeroBelow() {
        SplittableRandom rnd = new SplittableRandom(64);
        float flush = -87.33654f;
        check("expNonPositive", grid(flush, 0, 20000, rnd), VecMath::expNonPositive, VecMath::expNonPositive, Math::exp, 2);
        check("expNonPositive", grid(-1, 0, 4000, rnd), VecMath::expNonPositive, VecMath::expNonPositive, Math::exp, 2);
        float[] x = new float[4000 + L];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 4000 ? (float) (flush * (1 - rnd.nextDouble())) : (float) (-110 * rnd.nextDouble());
        }
        x[0] = flush;
        x[1] = Math.nextDown(flush);
        x[2] = -0f;
        x[3] = 0f;
        x[4] = Float.NEGATIVE_INFINITY;
        x[5] = Float.NaN;
        x[6] = -1e-30f;
        float[] lanes = new float[x.length - x.length % L];
        float[] unclamped = new float[lanes.length];
        for (int i = 0; i < lanes.length; i += L) {
            VecMath.expNonPositive(FloatVector.fromArray(KernelConfig.FLOATS, x, i)).intoArray(lanes, i);
            VecMath.expNonPositiveUnclamped(FloatVector.fromArray(KernelConfig.FLOATS, x, i)).intoArray(unclamped, i);
        }
        for (int i = 0; i < x.length; i++) {
            float s = VecMath.expNonPositive(x[i]);
            float want = x[i] < flush ? 0f : VecMath.exp(x[i]);
            assertThat(Float.floatToIntBits(s)).as("expNonPositive(%s) = %s, expected %s", x[i], s, want).isEqualTo(Float.floatToIntBits(want));
            if (i < lanes.length) {
                assertThat(Float.floatToIntBits(lanes[i])).as("lanes of expNonPositive(%s) = %s, scalar %s", x[i], lanes[i], s)
                        .isEqualTo(Float.floatToIntBits(s));
                assertThat(Float.floatToIntBits(unclamped[i])).as("expNonPositiveUnclamped(%s) = %s, scalar %s", x[i], unclamped[i], s)
                        .isEqualTo(Float.floatToIntBits(s));
            }
        }
        assertThat(VecMath.expNonPositive(flush)).isGreaterThanOrEqualTo(Float.MIN_NORMAL);
        assertThat(VecMath.expNonPositive(Math.nextDown(flush))).isZero();
        assertThat(VecMath.exp(Math.nextDown(flush))).isLessThan(Float.MIN_NORMAL);
        assertThat(VecMath.expNonPositive(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(VecMath.expNonPositive(Float.NaN)).isNaN();
        assertThat(VecMath.expNonPositive(3f)).isEqualTo(1f);
    }

    @Test
    void logIsWithinTwoUlpIncludingSubnormalInputs() {
        SplittableRandom rnd = new SplittableRandom(62);
        float[] x = new float[20000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.exp(rnd.nextDouble() * 190 - 100); // 3.7e-44 .. 5e38, log-uniform
        }
        check("log", x, VecMath::log, VecMath::log, Math::log, 2);
        check("log", grid(0.5, 2, 4000, rnd), VecMath::log, VecMath::log, Math::log, 2);
        assertThat(VecMath.log(Float.MIN_VALUE)).isEqualTo((float) Math.log(Float.MIN_VALUE));
    }

    @Test
    void tanhIsWithinThreeUlp() {
        SplittableRandom rnd = new SplittableRandom(63);
        check("tanh", grid(-12, 12, 20000, rnd), VecMath::tanh, VecMath::tanh, Math::tanh, 3);
        check("tanh", grid(-1, 1, 4000, rnd), VecMath::tanh, VecMath::tanh, Math::tanh, 3);
        assertThat(VecMath.tanh(1e-30f)).isEqualTo(1e-30f);
    }

    @Test
    void sumLanesAddsLaneZeroFirstSequentially() {
        float[] x = new float[L];
        for (int i = 0; i < L; i++) {
            x[i] = i == 0 ? 1f : 1e-8f; // 1 + tiny, tiny, ...: sequential float sum stays 1
        }
        float s = VecMath.sumLanes(FloatVector.fromArray(KernelConfig.FLOATS, x, 0));
        float expected = 0f;
        for (float v : x) {
            expected += v;
        }
        assertThat(s).isEqualTo(expected);
    }
}
