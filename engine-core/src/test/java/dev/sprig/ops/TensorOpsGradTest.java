package dev.sprig.ops;

import static dev.sprig.ops.GradChecks.assertGradients;
import static dev.sprig.ops.GradChecks.awayFromZero;
import static dev.sprig.ops.GradChecks.distinct;
import static dev.sprig.ops.GradChecks.param;
import static dev.sprig.ops.GradChecks.positive;

import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Finite-difference checks of the Tensor methods: pointwise, reductions, views, matmul. */
class TensorOpsGradTest {

    static Stream<Arguments> broadcastPairs() {
        int[][][] pairs = {
                {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{1}, {2, 3}}, {{2, 3}, {}}, {{5}, {1}},
                {{2, 3, 1, 2}, {1, 1, 4, 1}},
        };
        return Stream.of(pairs).map(p -> Arguments.of(p[0], p[1]));
    }

    @ParameterizedTest(name = "add/sub/mul/div {0} x {1}")
    @MethodSource("broadcastPairs")
    void binaryOpsWithBroadcasting(int[] a, int[] b) {
        List<BinaryOperator<Tensor>> ops = List.of(Tensor::add, Tensor::sub, Tensor::mul, Tensor::div);
        for (BinaryOperator<Tensor> op : ops) {
            assertGradients(in -> op.apply(in.get(0), in.get(1)), param(1, a), positive(2, b));
        }
    }

    @Test
    void binaryOpsOnNonContiguousViews() {
        assertGradients(in -> in.get(0).transpose(0, 1).mul(in.get(1)), param(3, 4, 3), param(4, 3, 4));
        assertGradients(in -> in.get(0).mul(in.get(0)).div(in.get(1).add(3f)), param(5, 2, 3), positive(6, 2, 3));
    }

    static Stream<Arguments> unaryOps() {
        return Stream.of(
                Arguments.of("exp", (Function<Tensor, Tensor>) Tensor::exp, false),
                Arguments.of("log", (Function<Tensor, Tensor>) Tensor::log, true),
                Arguments.of("sqrt", (Function<Tensor, Tensor>) Tensor::sqrt, true),
                Arguments.of("pow2.5", (Function<Tensor, Tensor>) t -> t.pow(2.5f), true),
                Arguments.of("pow3", (Function<Tensor, Tensor>) t -> t.pow(3f), false),
                Arguments.of("abs", (Function<Tensor, Tensor>) Tensor::abs, false),
                Arguments.of("neg", (Function<Tensor, Tensor>) Tensor::neg, false),
                Arguments.of("relu", (Function<Tensor, Tensor>) Tensor::relu, false),
                Arguments.of("gelu", (Function<Tensor, Tensor>) Tensor::gelu, false),
                Arguments.of("sigmoid", (Function<Tensor, Tensor>) Tensor::sigmoid, false),
                Arguments.of("tanh", (Function<Tensor, Tensor>) Tensor::tanh, false),
                Arguments.of("scalar affine", (Function<Tensor, Tensor>) t -> t.mul(3f).add(1f).sub(2f).div(4f).rsub(1f), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryOps(String name, Function<Tensor, Tensor> op, boolean needsPositive) {
        Tensor x = needsPositive ? positive(7, 3, 5) : awayFromZero(7, 3, 5);
        assertGradients(in -> op.apply(in.get(0)), x);
        // and through a non-contiguous view
        Tensor y = needsPositive ? positive(8, 4, 3) : awayFromZero(8, 4, 3);
        assertGradients(in -> op.apply(in.get(0).t()), y);
    }

    @Test
    void reductions() {
        assertGradients(in -> in.get(0).sum(), param(9, 2, 3, 4));
        assertGradients(in -> in.get(0).sum(new int[] {0, 2}, false), param(10, 2, 3, 4));
        assertGradients(in -> in.get(0).sum(1, true), param(11, 2, 3, 4));
        assertGradients(in -> in.get(0).mean(), param(12, 2, 3, 4));
        assertGradients(in -> in.get(0).mean(new int[] {-1}, true), param(13, 2, 3, 4));
        assertGradients(in -> in.get(0).max(1, false), distinct(14, 3, 4, 2));
        assertGradients(in -> in.get(0).max(0, true), distinct(15, 3, 4));
        assertGradients(in -> in.get(0).max(), distinct(16, 3, 4));
    }

    @Test
    void views() {
        assertGradients(in -> in.get(0).permute(2, 0, 1).mul(in.get(0).permute(2, 0, 1)), param(17, 2, 3, 4));
        assertGradients(in -> in.get(0).transpose(0, 1).reshape(-1), param(18, 3, 4));
        assertGradients(in -> in.get(0).narrow(1, 1, 2).exp(), param(19, 3, 4));
        assertGradients(in -> in.get(0).slice(0, 1, 6, 2).exp(), param(20, 7, 2));
        assertGradients(in -> in.get(0).expand(3, 2, 4).mul(param(21, 3, 2, 4).detach()), param(22, 2, 1));
        assertGradients(in -> in.get(0).unsqueeze(1).squeeze(1).exp(), param(23, 3));
        assertGradients(in -> in.get(0).flatten().mul(in.get(0).flatten()), param(24, 2, 3, 2));
    }

    @Test
    void matmul() {
        assertGradients(in -> in.get(0).matmul(in.get(1)), param(25, 3, 4), param(26, 4, 5));
        assertGradients(in -> in.get(0).t().matmul(in.get(1).t()), param(27, 4, 3), param(28, 5, 4));
        assertGradients(in -> in.get(0).matmul(in.get(1)), param(29, 2, 3, 4), param(30, 4, 2));
        assertGradients(in -> in.get(0).matmul(in.get(1)), param(31, 2, 1, 3, 4), param(32, 3, 4, 2));
        assertGradients(in -> in.get(0).matmul(in.get(1)), param(33, 3, 4), param(34, 4));
        assertGradients(in -> in.get(0).matmul(in.get(1)), param(35, 4), param(36, 4, 2));
    }
}
