package dev.sprig.ops;

import static dev.sprig.ops.GradChecks.assertGradients;
import static dev.sprig.ops.GradChecks.param;
import static dev.sprig.ops.GradChecks.positive;

import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Finite-difference checks of the neural-network ops in {@link Functional}. */
class NnOpsGradTest {

    @Test
    void linear() {
        assertGradients(in -> Functional.linear(in.get(0), in.get(1), in.get(2)), param(1, 5, 4), param(2, 3, 4), param(3, 3));
        assertGradients(in -> Functional.linear(in.get(0), in.get(1), null), param(4, 2, 3, 4), param(5, 6, 4));
    }

    @ParameterizedTest(name = "softmax dim {0}")
    @ValueSource(ints = {0, 1, -1})
    void softmaxAndLogSoftmax(int dim) {
        assertGradients(in -> Functional.softmax(in.get(0), dim), param(6, 3, 4, 5));
        assertGradients(in -> Functional.logSoftmax(in.get(0), dim), param(7, 3, 4, 5));
    }

    @ParameterizedTest(name = "label smoothing {0}")
    @ValueSource(floats = {0f, 0.1f})
    void crossEntropy(float smoothing) {
        int[] labels = {0, 3, 1, 3, 2};
        assertGradients(in -> Functional.crossEntropy(in.get(0), labels, smoothing), param(8, 5, 4));
    }

    @Test
    void mse() {
        assertGradients(in -> Functional.mseLoss(in.get(0), in.get(1)), param(9, 3, 4), param(10, 3, 4));
    }

    /** The composed path, taken whenever a gradient is recorded; q, k, v as column slices of one qkv tensor too. */
    @Test
    void multiHeadAttention() {
        assertGradients(in -> Functional.multiHeadAttention(in.get(0), in.get(1), in.get(2), 2), param(31, 2, 3, 4), param(32, 2, 3, 4),
                param(33, 2, 3, 4));
        assertGradients(in -> {
            Tensor qkv = in.get(0);
            return Functional.multiHeadAttention(qkv.narrow(2, 0, 3), qkv.narrow(2, 3, 3), qkv.narrow(2, 6, 3), 1);
        }, param(34, 1, 4, 9));
    }

    @Test
    void layerNorm() {
        assertGradients(in -> Functional.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5f), param(11, 3, 2, 6), param(12, 6), param(13, 6));
        assertGradients(in -> Functional.layerNorm(in.get(0), null, null, 1e-5f), param(14, 4, 5));
    }

    @ParameterizedTest(name = "training {0}")
    @ValueSource(booleans = {true, false})
    void batchNorm(boolean training) {
        Tensor rm = Tensor.randn(15, 3).mul(0.1f);
        Tensor rv = Tensor.uniform(new Random(16), 0.5f, 1.5f, 3);
        // Running stats are reset per call so that every evaluation sees the same state.
        assertGradients(in -> Functional.batchNorm(in.get(0), rm.detach().mul(1f), rv.detach().mul(1f), in.get(1), in.get(2),
                training, 0.1f, 1e-5f), param(17, 4, 3, 2, 3), positive(18, 3), param(19, 3));
        assertGradients(in -> Functional.batchNorm(in.get(0), null, null, in.get(1), in.get(2), true, 0.1f, 1e-5f),
                param(20, 6, 3), positive(21, 3), param(22, 3));
    }

    @Test
    void concat() {
        assertGradients(in -> Functional.concat(List.of(in.get(0), in.get(1)), 1).exp(), param(23, 2, 3, 2), param(24, 2, 1, 2));
        assertGradients(in -> Functional.concat(List.of(in.get(0), in.get(1), in.get(0)), 0), param(25, 2, 3), param(26, 1, 3));
    }

    @Test
    void indexSelectWithRepeats() {
        assertGradients(in -> Functional.indexSelect(in.get(0), 1, new int[] {2, 0, 2}).exp(), param(27, 2, 3, 2));
        assertGradients(in -> Functional.indexSelect(in.get(0), 0, new int[] {1}), param(28, 3, 4));
    }

    @Test
    void dropoutWithFixedSeed() {
        assertGradients(in -> Functional.dropout(in.get(0), 0.3f, true, new Random(5)), param(29, 4, 5));
    }
}
