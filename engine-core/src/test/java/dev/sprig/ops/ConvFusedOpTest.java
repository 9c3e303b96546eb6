package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Functional#conv2dFused} against conv2d → per-channel affine → residual add → ReLU done with the separate ops. */
class ConvFusedOpTest {
    private static final int N = 2;
    private static final int IN = 5;
    private static final int OUT = 7;
    private static final int SIZE = 9; // odd, so stride 2 leaves a partial window

    /** Stride 1 and 2, kernel 1 and 3, and every combination of scale, shift, residual and ReLU. */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int stride : new int[] {1, 2}) {
            for (int kernel : new int[] {1, 3}) {
                for (int m = 0; m < 16; m++) {
                    out.add(Arguments.of(stride, kernel, (m & 1) != 0, (m & 2) != 0, (m & 4) != 0, (m & 8) != 0));
                }
            }
        }
        return out.stream();
    }

    private static Tensor uniform(long seed, int... shape) {
        return Tensor.uniform(new Random(seed), -1f, 1f, shape);
    }

    /** The same function from the existing differentiable ops. */
    private static Tensor composed(Tensor x, Tensor w, Tensor scale, Tensor shift, Tensor residual, boolean relu,
                                   int sh, int sw, int ph, int pw, int dh, int dw, int groups) {
        Tensor y = Functional.conv2d(x, w, null, sh, sw, ph, pw, dh, dw, groups);
        int c = w.size(0);
        if (scale != null) {
            y = y.mul(scale.reshape(1, c, 1, 1));
        }
        if (shift != null) {
            y = y.add(shift.reshape(1, c, 1, 1));
        }
        if (residual != null) {
            y = y.add(residual);
        }
        return relu ? y.relu() : y;
    }

    private static double relativeError(float[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    @ParameterizedTest(name = "stride {0} kernel {1} scale={2} shift={3} residual={4} relu={5}")
    @MethodSource("cases")
    void fusedEqualsTheSeparateOps(int stride, int kernel, boolean withScale, boolean withShift, boolean withResidual, boolean relu) {
        int pad = kernel / 2;
        int outSize = (SIZE + 2 * pad - kernel) / stride + 1;
        Tensor x = uniform(1, N, IN, SIZE, SIZE);
        Tensor w = uniform(2, OUT, IN, kernel, kernel);
        // Scales around 1 of both signs, so a dropped or doubled scale shows.
        Tensor scale = withScale ? uniform(3, OUT).mul(1.5f) : null;
        Tensor shift = withShift ? uniform(4, OUT) : null;
        Tensor residual = withResidual ? uniform(5, N, OUT, outSize, outSize) : null;
        float[] expected = composed(x, w, scale, shift, residual, relu, stride, stride, pad, pad, 1, 1, 1).toArray();
        Tensor fused;
        try (GradMode.Scope s = GradMode.noGrad()) {
            fused = Functional.conv2dFused(x, w, scale, shift, residual, relu, stride, pad);
        }
        assertThat(fused.shape()).containsExactly(N, OUT, outSize, outSize);
        assertThat(relativeError(expected, fused.toArray())).isLessThanOrEqualTo(1e-5);
        if (relu) {
            for (float v : fused.toArray()) {
                assertThat(v).as("relu output").isGreaterThanOrEqualTo(0f);
            }
        }
        // With grad mode on but nothing requiring a gradient it runs too, and records nothing.
        Tensor again = Functional.conv2dFused(x, w, scale, shift, residual, relu, stride, pad);
        assertThat(again.toArray()).containsExactly(fused.toArray());
        assertThat(again.requiresGrad()).isFalse();
    }

    /** Grouped, dilated, asymmetric stride and padding, and depthwise (whose epilogue is a separate pass). */
    @Test
    void fusedEqualsTheSeparateOpsForEveryConvSetting() {
        Tensor x = uniform(6, N, 6, 11, 10);
        int[][] settings = { // kernel, sh, sw, ph, pw, dh, dw, groups, outChannels
                {3, 1, 2, 2, 1, 2, 1, 2, 4},
                {3, 2, 1, 1, 1, 1, 1, 6, 6},
                {5, 1, 1, 2, 2, 1, 1, 6, 6},
        };
        for (int[] c : settings) {
            int k = c[0], outC = c[8], groups = c[7];
            Tensor w = uniform(7, outC, 6 / groups, k, k);
            Tensor scale = uniform(8, outC);
            Tensor shift = uniform(9, outC);
            int outH = (11 + 2 * c[3] - c[5] * (k - 1) - 1) / c[1] + 1;
            int outW = (10 + 2 * c[4] - c[6] * (k - 1) - 1) / c[2] + 1;
            Tensor residual = uniform(10, N, outC, outH, outW);
            float[] expected = composed(x, w, scale, shift, residual, true, c[1], c[2], c[3], c[4], c[5], c[6], groups).toArray();
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor fused = Functional.conv2dFused(x, w, scale, shift, residual, true, c[1], c[2], c[3], c[4], c[5], c[6], groups);
                assertThat(relativeError(expected, fused.toArray())).as(Arrays.toString(c)).isLessThanOrEqualTo(1e-5);
            }
        }
    }

    /**
     * Two convolutions in a row: bit for bit two {@link Functional#conv2dFused} calls, for a pair
     * that runs through the padded buffer (stride 1, "same") and for ones that fall back (stride 2,
     * a 1x1 second conv), and within 1e-5 of the separate ops.
     */
    @Test
    void aPairIsTwoFusedConvolutions() {
        Tensor x = uniform(20, N, IN, SIZE, SIZE);
        int[][] convs = { // conv1 {stride, padding, dilation, groups}, conv2 {...}, kernel of conv2
                {1, 1, 1, 1, 1, 1, 1, 1, 3},
                {2, 1, 1, 1, 1, 1, 1, 1, 3},
                {1, 1, 1, 1, 1, 0, 1, 1, 1},
                {1, 2, 2, 1, 1, 2, 2, 1, 3},
        };
        for (int[] c : convs) {
            int[] conv1 = Arrays.copyOfRange(c, 0, 4);
            int[] conv2 = Arrays.copyOfRange(c, 4, 8);
            Tensor w1 = uniform(21, OUT, IN, 3, 3);
            Tensor w2 = uniform(22, OUT + 2, OUT, c[8], c[8]);
            Tensor scale1 = uniform(23, OUT).mul(1.5f);
            Tensor shift1 = uniform(24, OUT);
            Tensor scale2 = uniform(25, OUT + 2).mul(1.5f);
            Tensor shift2 = uniform(26, OUT + 2);
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor h = Functional.conv2dFused(x, w1, scale1, shift1, null, true, c[0], c[0], c[1], c[1], c[2], c[2], c[3]);
                Tensor expected = Functional.conv2dFused(h, w2, scale2, shift2, null, false, c[4], c[4], c[5], c[5], c[6], c[6], c[7]);
                Tensor residual = uniform(27, expected.shape());
                Tensor withResidual = Functional.conv2dFused(h, w2, scale2, shift2, residual, true, c[4], c[4], c[5], c[5], c[6], c[6], c[7]);
                Tensor pair = Functional.conv2dPairFused(x, w1, scale1, shift1, true, conv1, w2, scale2, shift2, null, false, conv2);
                Tensor pairRes = Functional.conv2dPairFused(x, w1, scale1, shift1, true, conv1, w2, scale2, shift2, residual, true, conv2);
                assertThat(pair.shape()).as(Arrays.toString(c)).containsExactly(expected.shape());
                assertThat(pair.toArray()).as(Arrays.toString(c)).containsExactly(expected.toArray());
                assertThat(pairRes.toArray()).as(Arrays.toString(c)).containsExactly(withResidual.toArray());
                Tensor hComposed = composed(x, w1, scale1, shift1, null, true, c[0], c[0], c[1], c[1], c[2], c[2], c[3]);
                float[] composed = composed(hComposed, w2, scale2, shift2, residual, true, c[4], c[4], c[5], c[5], c[6], c[6], c[7]).toArray();
                assertThat(relativeError(composed, pairRes.toArray())).as(Arrays.toString(c)).isLessThanOrEqualTo(1e-5);
            }
        }
    }

    @Test
    void aPairCountsBothConvolutionsAndNamesBadArguments() {
        Tensor x = uniform(30, N, IN, SIZE, SIZE);
        Tensor w1 = uniform(31, OUT, IN, 3, 3);
        Tensor w2 = uniform(32, OUT, OUT, 3, 3);
        int[] same = {1, 1, 1, 1};
        try (GradMode.Scope s = GradMode.noGrad()) {
            long two = FlopCounter.countMacs(() -> Functional.conv2dFused(Functional.conv2dFused(x, w1, null, null, null, true, 1, 1),
                    w2, null, null, null, true, 1, 1));
            long pair = FlopCounter.countMacs(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, w2, null, null, null, true, same));
            assertThat(pair).isEqualTo(two).isEqualTo((long) N * OUT * SIZE * SIZE * (IN + OUT) * 9);
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, uniform(33, OUT, OUT + 1, 3, 3),
                    null, null, null, true, same))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("w2 must read the first convolution's 7 output channels").hasMessageContaining("got [7, 8, 3, 3]");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, w2, Tensor.ones(OUT + 1),
                    null, null, true, same))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale2 must be [7]");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, Tensor.ones(2), true, same, w2, null,
                    null, null, true, same))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shift1 must be [7]");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, w2, null, null,
                    Tensor.zeros(N, OUT, 5, 5), true, same))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("residual must have the output's shape [2, 7, 9, 9], got [2, 7, 5, 5]");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, w2, null, null, null, true,
                    new int[] {0, 1, 1, 1}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("conv2dPairFused: conv2 {stride, padding, dilation, groups} = [0, 1, 1, 1]")
                    .hasMessageContaining("stride");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, new int[] {1, -1, 1, 1}, w2, null, null,
                    null, true, same))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("conv2dPairFused: conv1 {stride, padding, dilation, groups} = [1, -1, 1, 1]");
            assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, new int[] {1, 1}, w2, null, null, null, true, same))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conv1 must be {stride, padding, dilation, groups}, got [1, 1]");
        }
        Tensor grad = w2.detach().requiresGrad(true);
        assertThatThrownBy(() -> Functional.conv2dPairFused(x, w1, null, null, true, same, grad, null, null, null, true, same))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("w2 [7, 7, 3, 3] requires a gradient");
    }

    @Test
    void countsTheMacsOfTheConv() {
        Tensor x = uniform(11, N, IN, SIZE, SIZE);
        Tensor w = uniform(12, OUT, IN, 3, 3);
        try (GradMode.Scope s = GradMode.noGrad()) {
            long plain = FlopCounter.countMacs(() -> Functional.conv2d(x, w, null, 1, 1));
            long fused = FlopCounter.countMacs(() -> Functional.conv2dFused(x, w, null, null, null, true, 1, 1));
            assertThat(fused).isEqualTo(plain).isEqualTo((long) N * OUT * SIZE * SIZE * IN * 9);
        }
    }

    @Test
    void refusesToRunWhereAGradientWouldBeRecorded() {
        Tensor x = uniform(13, N, IN, SIZE, SIZE);
        Tensor w = uniform(14, OUT, IN, 3, 3).requiresGrad(true);
        assertThatThrownBy(() -> Functional.conv2dFused(x, w, null, null, null, true, 1, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inference-only").hasMessageContaining("weight [7, 5, 3, 3] requires a gradient");
        Tensor shift = uniform(15, OUT).requiresGrad(true);
        assertThatThrownBy(() -> Functional.conv2dFused(x, w.detach(), null, shift, null, true, 1, 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shift [7]");
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertThat(Functional.conv2dFused(x, w, null, shift, null, true, 1, 1).shape()).containsExactly(N, OUT, SIZE, SIZE);
        }
    }

    @Test
    void wrongShapesAreNamed() {
        Tensor x = uniform(16, N, IN, SIZE, SIZE);
        Tensor w = uniform(17, OUT, IN, 3, 3);
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertThatThrownBy(() -> Functional.conv2dFused(x, w, null, null, Tensor.zeros(N, OUT, 5, 5), false, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("residual must have the output's shape [2, 7, 9, 9], got [2, 7, 5, 5]");
            assertThatThrownBy(() -> Functional.conv2dFused(x, w, null, null, Tensor.zeros(N, OUT, 9, 9), false, 2, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("residual must have the output's shape [2, 7, 5, 5], got [2, 7, 9, 9]");
            assertThatThrownBy(() -> Functional.conv2dFused(x, w, Tensor.ones(OUT + 1), null, null, false, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scale must be [7]").hasMessageContaining("got [8]");
            assertThatThrownBy(() -> Functional.conv2dFused(x, w, null, Tensor.ones(1, OUT), null, false, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("shift must be [7]").hasMessageContaining("got [1, 7]");
            assertThatThrownBy(() -> Functional.conv2dFused(Tensor.zeros(N, IN + 1, SIZE, SIZE), w, null, null, null, false, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("conv2dFused expects 5 input channels").hasMessageContaining("[2, 6, 9, 9]");
        }
    }
}
