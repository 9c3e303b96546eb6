package dev.sprig.ops;

import static dev.sprig.ops.GradChecks.assertGradients;
import static dev.sprig.ops.GradChecks.distinct;
import static dev.sprig.ops.GradChecks.param;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Finite-difference checks of conv2d and pooling over strides, padding, dilation and groups. */
class ConvOpsGradTest {

    /** n, inC, h, w, outC, k, stride, pad, dilation, groups, bias. */
    static Stream<Arguments> convCases() {
        return Stream.of(
                Arguments.of(2, 3, 5, 5, 4, 3, 1, 1, 1, 1, true),
                Arguments.of(1, 2, 6, 5, 3, 3, 2, 1, 1, 1, false),
                Arguments.of(2, 2, 7, 7, 2, 3, 1, 2, 2, 1, true),
                Arguments.of(1, 4, 5, 5, 6, 3, 1, 1, 1, 2, true),
                Arguments.of(2, 3, 5, 6, 3, 3, 1, 1, 1, 3, false),   // depthwise
                Arguments.of(1, 3, 4, 4, 5, 1, 1, 0, 1, 1, true),    // pointwise
                Arguments.of(1, 2, 6, 6, 2, 5, 3, 2, 1, 1, true),
                Arguments.of(1, 1, 3, 3, 2, 3, 1, 0, 1, 1, true));   // 1x1 output
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{3} -> {4} k{5} s{6} p{7} d{8} g{9} bias {10}")
    @MethodSource("convCases")
    void conv2d(int n, int inC, int h, int w, int outC, int k, int stride, int pad, int dil, int groups, boolean bias) {
        Tensor x = param(1, n, inC, h, w);
        Tensor wt = param(2, outC, inC / groups, k, k);
        if (bias) {
            assertGradients(in -> Functional.conv2d(in.get(0), in.get(1), in.get(2), stride, stride, pad, pad, dil, dil, groups),
                    x, wt, param(3, outC));
        } else {
            assertGradients(in -> Functional.conv2d(in.get(0), in.get(1), null, stride, stride, pad, pad, dil, dil, groups), x, wt);
        }
    }

    @Test
    void conv2dAsymmetricSettings() {
        Tensor x = param(4, 1, 2, 6, 7);
        Tensor wt = param(5, 3, 2, 1, 3);
        assertGradients(in -> Functional.conv2d(in.get(0), in.get(1), null, 2, 1, 0, 1, 1, 2, 1), x, wt);
    }

    @Test
    void conv2dMatchesHandComputedValue() {
        // 1x1x3x3 input 0..8, a 2x2 kernel of ones, no padding: each output is a 2x2 window sum.
        Tensor x = Tensor.arange(9).reshape(1, 1, 3, 3);
        Tensor w = Tensor.ones(1, 1, 2, 2);
        Tensor y = Functional.conv2d(x, w, Tensor.vector(1f), 1, 0);
        assertThat(y.shape()).containsExactly(1, 1, 2, 2);
        assertThat(y.toArray()).containsExactly(0 + 1 + 3 + 4 + 1, 1 + 2 + 4 + 5 + 1, 3 + 4 + 6 + 7 + 1, 4 + 5 + 7 + 8 + 1);
    }

    @Test
    void conv2dShapeErrorsNameTheShapes() {
        Tensor w = Tensor.zeros(16, 3, 3, 3);
        assertThatThrownBy(() -> Functional.conv2d(Tensor.zeros(8, 1, 28, 28), w, null, 1, 1))
                .hasMessageContaining("expects 3 input channels").hasMessageContaining("got 1")
                .hasMessageContaining("[8, 1, 28, 28]").hasMessageContaining("[16, 3, 3, 3]");
        assertThatThrownBy(() -> Functional.conv2d(Tensor.zeros(3, 28, 28), w, null, 1, 1))
                .hasMessageContaining("[n, c, h, w]").hasMessageContaining("[3, 28, 28]");
        assertThatThrownBy(() -> Functional.conv2d(Tensor.zeros(1, 3, 2, 2), w, null, 1, 0))
                .hasMessageContaining("bigger than the padded input");
        assertThatThrownBy(() -> Functional.conv2d(Tensor.zeros(1, 3, 5, 5), w, Tensor.zeros(4), 1, 1))
                .hasMessageContaining("bias must be [16]").hasMessageContaining("[4]");
    }

    @Test
    void pooling() {
        assertGradients(in -> Functional.maxPool2d(in.get(0), 2, 2, 0), distinct(6, 2, 3, 4, 6));
        assertGradients(in -> Functional.maxPool2d(in.get(0), 3, 2, 1), distinct(7, 1, 2, 5, 5));
        assertGradients(in -> Functional.avgPool2d(in.get(0), 2, 2, 0, true), param(8, 2, 2, 4, 4));
        assertGradients(in -> Functional.avgPool2d(in.get(0), 3, 2, 1, true), param(9, 1, 2, 5, 5));
        assertGradients(in -> Functional.avgPool2d(in.get(0), 3, 2, 1, false), param(10, 1, 2, 5, 5));
        assertGradients(in -> Functional.avgPool2d(in.get(0), 2, 3, 1, 2, 0, 1, true), param(11, 1, 2, 5, 6));
        assertGradients(in -> Functional.globalAvgPool2d(in.get(0)), param(12, 2, 3, 3, 4));
    }

    @Test
    void poolingValues() {
        Tensor x = Tensor.arange(16).reshape(1, 1, 4, 4);
        assertThat(Functional.maxPool2d(x, 2, 2, 0).toArray()).containsExactly(5, 7, 13, 15);
        assertThat(Functional.avgPool2d(x, 2, 2, 0, true).toArray()).containsExactly(2.5f, 4.5f, 10.5f, 12.5f);
        assertThat(Functional.globalAvgPool2d(x).toArray()).containsExactly(7.5f);
        assertThatThrownBy(() -> Functional.maxPool2d(Tensor.zeros(4, 4), 2, 2, 0)).hasMessageContaining("[4, 4]");
    }

    @Test
    void smallConvNetEndToEnd() {
        // conv -> bn -> relu -> maxpool -> conv -> gap -> linear -> cross-entropy: every op composed.
        Tensor x = param(13, 2, 2, 6, 6);
        int[] labels = {1, 0};
        assertGradients(in -> {
            Tensor h = Functional.conv2d(in.get(0), in.get(1), null, 1, 1);
            h = Functional.batchNorm(h, null, null, in.get(2), null, true, 0.1f, 1e-5f).tanh();
            h = Functional.avgPool2d(h, 2, 2, 0, true);
            h = Functional.conv2d(h, in.get(3), null, 1, 1).gelu();
            h = Functional.globalAvgPool2d(h);
            return Functional.crossEntropy(Functional.linear(h, in.get(4), null), labels);
        }, x, param(14, 3, 2, 3, 3), GradChecks.positive(15, 3), param(16, 4, 3, 3, 3), param(17, 2, 4));
    }
}
