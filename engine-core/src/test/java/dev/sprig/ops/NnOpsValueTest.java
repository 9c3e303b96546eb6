package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Forward values and error messages of the NN ops, against hand computation. */
class NnOpsValueTest {

    @Test
    void batchNormTrainingUpdatesRunningStatsAsPyTorch() {
        // Channel 0 holds 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 holds 10 x4.
        Tensor x = Tensor.of(new float[] {1, 2, 10, 10, 3, 4, 10, 10}, 2, 2, 2);
        Tensor rm = Tensor.zeros(2);
        Tensor rv = Tensor.ones(2);
        Tensor y = Functional.batchNorm(x, rm, rv, null, null, true, 0.1f, 1e-5f);
        assertThat(rm.toArray()).containsExactly(new float[] {0.25f, 1.0f}, within(1e-6f));
        assertThat(rv.toArray()).containsExactly(new float[] {0.9f + 0.1f * 5f / 3f, 0.9f}, within(1e-6f));
        float s = (float) (1 / Math.sqrt(1.25 + 1e-5));
        assertThat(y.get(0, 0, 0)).isCloseTo(-1.5f * s, within(1e-5f));
        assertThat(y.get(1, 0, 1)).isCloseTo(1.5f * s, within(1e-5f));
        assertThat(y.get(0, 1, 0)).isCloseTo(0f, within(1e-5f));
    }

    @Test
    void batchNormEvalUsesRunningStats() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2);
        Tensor y = Functional.batchNorm(x, Tensor.vector(1, 2), Tensor.vector(4, 1), Tensor.vector(2, 1), Tensor.vector(0, 5),
                false, 0.1f, 0f + 1e-12f);
        assertThat(y.toArray()).containsExactly(new float[] {0, 1, 6, 7}, within(1e-5f));
        assertThatThrownBy(() -> Functional.batchNorm(x, null, null, null, null, false, 0.1f, 1e-5f))
                .hasMessageContaining("running statistics");
        assertThatThrownBy(() -> Functional.batchNorm(x, Tensor.zeros(3), null, null, null, true, 0.1f, 1e-5f))
                .hasMessageContaining("runningMean must be [2]").hasMessageContaining("[3]");
        assertThatThrownBy(() -> Functional.batchNorm(Tensor.zeros(1, 2), null, null, null, null, true, 0.1f, 1e-5f))
                .hasMessageContaining("more than 1 value per channel");
    }

    @Test
    void layerNormNormalisesEachRow() {
        Tensor y = Functional.layerNorm(Tensor.randn(1, 4, 37).mul(3f).add(2f), null, null, 1e-5f);
        for (int r = 0; r < 4; r++) {
            Tensor row = y.narrow(0, r, 1);
            assertThat(row.mean().item()).isCloseTo(0f, within(1e-5f));
            assertThat(row.mul(row).mean().item()).isCloseTo(1f, within(1e-3f));
        }
    }

    @Test
    void crossEntropyValue() {
        Tensor logits = Tensor.of(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
        double lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double expected = ((lse0 - 3) + Math.log(3)) / 2;
        assertThat((double) Functional.crossEntropy(logits, new int[] {2, 1}).item()).isCloseTo(expected, within(1e-6));
        // smoothing eps: loss = (1-eps)·nll + eps·mean_c(−log p_c)
        double eps = 0.2;
        double smooth0 = (1 - eps) * (lse0 - 3) + eps * ((lse0 - 1) + (lse0 - 2) + (lse0 - 3)) / 3;
        double smooth1 = Math.log(3);
        assertThat((double) Functional.crossEntropy(logits, new int[] {2, 1}, 0.2f).item())
                .isCloseTo((smooth0 + smooth1) / 2, within(1e-6));
        assertThatThrownBy(() -> Functional.crossEntropy(logits, new int[] {2, 3}))
                .hasMessageContaining("label 3 at index 1").hasMessageContaining("3 classes");
        assertThatThrownBy(() -> Functional.crossEntropy(logits, new int[] {2}))
                .hasMessageContaining("1 labels for a batch of 2");
        assertThatThrownBy(() -> Functional.crossEntropy(logits, new int[] {0, 0}, 1.5f)).hasMessageContaining("1.5");
    }

    @Test
    void softmaxRowsSumToOneAndSurviveLargeLogits() {
        Tensor p = Functional.softmax(Tensor.of(new float[] {1000, 1001, 1002, -5, 0, 5}, 2, 3), 1);
        assertThat(p.sum(1, false).toArray()).containsExactly(new float[] {1, 1}, within(1e-6f));
        assertThat(p.toArray()).doesNotContain(Float.NaN);
        assertThat(Functional.logSoftmax(Tensor.vector(0, 0), 0).toArray()).containsExactly(new float[] {(float) -Math.log(2), (float) -Math.log(2)}, within(1e-6f));
    }

    @Test
    void dropoutIsSeededAndScales() {
        Tensor x = Tensor.ones(10_000);
        Tensor a = Functional.dropout(x, 0.3f, true, new Random(7));
        Tensor b = Functional.dropout(x, 0.3f, true, new Random(7));
        assertThat(a.toArray()).containsExactly(b.toArray());
        float[] v = a.toArray();
        int zeros = 0;
        for (float f : v) {
            if (f == 0f) {
                zeros++;
            } else {
                assertThat(f).isCloseTo(1f / 0.7f, within(1e-6f));
            }
        }
        assertThat(zeros / 10_000.0).isCloseTo(0.3, within(0.02));
        assertThat(Functional.dropout(x, 0.3f, false, new Random(7))).isSameAs(x);
        assertThatThrownBy(() -> Functional.dropout(x, 1f, true, new Random(1))).hasMessageContaining("[0, 1)").hasMessageContaining("got 1.0");
    }

    @Test
    void concatAndIndexSelectValuesAndErrors() {
        Tensor a = Tensor.arange(4).reshape(2, 2);
        Tensor b = Tensor.arange(2).reshape(2, 1).add(10f);
        assertThat(Functional.concat(List.of(a, b), 1).toArray()).containsExactly(0, 1, 10, 2, 3, 11);
        assertThatThrownBy(() -> Functional.concat(List.of(a, b), 0))
                .hasMessageContaining("part 1 has shape [2, 1]").hasMessageContaining("[2, 2]");
        Tensor w = Tensor.arange(12).reshape(3, 4);
        assertThat(Functional.indexSelect(w, 1, new int[] {3, 0}).toArray()).containsExactly(3, 0, 7, 4, 11, 8);
        assertThatThrownBy(() -> Functional.indexSelect(w, 0, new int[] {0, 3}))
                .hasMessageContaining("index 3 at position 1").hasMessageContaining("size 3");
    }

    @Test
    void linearShapeErrors() {
        assertThatThrownBy(() -> Functional.linear(Tensor.zeros(2, 5), Tensor.zeros(3, 4), null))
                .hasMessageContaining("[..., 4]").hasMessageContaining("[2, 5]");
        assertThatThrownBy(() -> Functional.linear(Tensor.zeros(2, 4), Tensor.zeros(3, 4), Tensor.zeros(2)))
                .hasMessageContaining("bias must be [3]");
    }
}
