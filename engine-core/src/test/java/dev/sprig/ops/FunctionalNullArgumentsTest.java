package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A null where {@link Functional} needs a tensor is an IllegalArgumentException naming the op and the argument, not an NPE. */
class FunctionalNullArgumentsTest {
    private static final Tensor X = Tensor.zeros(1, 2, 4, 4);  // [n, c, h, w]
    private static final Tensor W = Tensor.zeros(2, 2, 3, 3);  // [out, in, kh, kw]
    private static final Tensor M = Tensor.zeros(2, 3);        // [rows, features]
    private static final Tensor LW = Tensor.zeros(3, 3);       // [out, in]
    private static final Tensor Q = Tensor.zeros(1, 2, 4);     // [b, t, heads·hd]
    private static final int[] CONV = {1, 1, 1, 1};

    static Stream<Arguments> calls() {
        return Stream.of(
                call("linear", "x", () -> Functional.linear(null, LW, null)),
                call("linear", "weight", () -> Functional.linear(M, null, null)),
                call("linearFused", "x", () -> Functional.linearFused(null, LW, null, null, false)),
                call("linearFused", "weight", () -> Functional.linearFused(M, null, null, null, true)),
                call("conv2d", "x", () -> Functional.conv2d(null, W, null, 1, 1)),
                call("conv2d", "weight", () -> Functional.conv2d(X, null, null, 1, 1)),
                call("conv2dFused", "x", () -> Functional.conv2dFused(null, W, null, null, null, true, 1, 1)),
                call("conv2dFused", "weight", () -> Functional.conv2dFused(X, null, null, null, null, true, 1, 1)),
                call("conv2dPairFused", "x", () -> Functional.conv2dPairFused(null, W, null, null, true, CONV, W, null, null, null, true, CONV)),
                call("conv2dPairFused", "w1", () -> Functional.conv2dPairFused(X, null, null, null, true, CONV, W, null, null, null, true, CONV)),
                call("conv2dPairFused", "w2", () -> Functional.conv2dPairFused(X, W, null, null, true, CONV, null, null, null, null, true, CONV)),
                call("maxPool2d", "x", () -> Functional.maxPool2d(null, 2, 2, 0)),
                call("avgPool2d", "x", () -> Functional.avgPool2d(null, 2, 2, 0, true)),
                call("globalAvgPool2d", "x", () -> Functional.globalAvgPool2d(null)),
                call("softmax", "x", () -> Functional.softmax(null, 1)),
                call("logSoftmax", "x", () -> Functional.logSoftmax(null, 1)),
                call("multiHeadAttention", "q", () -> Functional.multiHeadAttention(null, Q, Q, 1)),
                call("multiHeadAttention", "k", () -> Functional.multiHeadAttention(Q, null, Q, 1)),
                call("multiHeadAttention", "v", () -> Functional.multiHeadAttention(Q, Q, null, 1)),
                call("crossEntropy", "logits", () -> Functional.crossEntropy(null, new int[] {0, 1})),
                call("crossEntropy", "labels", () -> Functional.crossEntropy(M, null)),
                call("mseLoss", "prediction", () -> Functional.mseLoss(null, M)),
                call("mseLoss", "target", () -> Functional.mseLoss(M, null)),
                call("layerNorm", "x", () -> Functional.layerNorm(null, null, null, 1e-5f)),
                call("batchNorm", "x", () -> Functional.batchNorm(null, null, null, null, null, true, 0.1f, 1e-5f)),
                call("dropout", "x", () -> Functional.dropout(null, 0.5f, true, new Random(1))),
                call("concat", "parts", () -> Functional.concat(null, 0)),
                call("concat", "parts[1]", () -> Functional.concat(Arrays.asList(M, null), 0)),
                call("indexSelect", "x", () -> Functional.indexSelect(null, 0, new int[] {0})),
                call("indexSelect", "index", () -> Functional.indexSelect(M, 0, null)));
    }

    private static Arguments call(String op, String argument, ThrowingCallable call) {
        return Arguments.of(op, argument, call);
    }

    @ParameterizedTest(name = "{0} with a null {1}")
    @MethodSource("calls")
    void aNullTensorIsAnErrorNamingTheOpAndTheArgument(String op, String argument, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(op + ": " + argument + " must not be null");
    }
}
