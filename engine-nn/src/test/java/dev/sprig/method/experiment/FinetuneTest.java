package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class FinetuneTest {

    private static List<CurvePoint> curve(List<Integer> budgets) {
        return curve(budgets, null);
    }

    /** A fixed tiny fine-tuning; {@code schedule} null: the overload without one. */
    private static List<CurvePoint> curve(List<Integer> budgets, String schedule) {
        int n = 24;
        float[] images = Tensor.rand(1, n, 1, 8, 8).mul(255f).rowMajorData();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        LabeledImages data = new LabeledImages(images, labels, 1, 8, 8, 3);
        Normalize norm = new Normalize(1f / 255, new float[] {0.5f}, new float[] {0.25f});
        DataLoader train = DataLoader.builder(data, 8).seed(3).normalize(norm).build();
        DataLoader test = DataLoader.builder(data, 24).shuffle(false).normalize(norm).build();
        ResNet net = new ResNet(ResNetConfig.cifar(8, 1, 3).withWidthMultiplier(0.25f), 2);
        return schedule == null ? Finetune.curve(net, train, test, budgets, 0.05, Finetune.StepHook.NONE, i -> { })
                : Finetune.curve(net, train, test, budgets, 0.05, schedule, Finetune.StepHook.NONE, i -> { });
    }

    @Test
    void theCurveUpToABudgetDoesNotDependOnLaterBudgetPoints() {
        // The warmup once depended on the last budget (total / 10): a run to 4 had none, a run to 50 warmed up over 5.
        List<CurvePoint> shortRun = curve(List.of(0, 4));
        List<CurvePoint> longRun = curve(List.of(0, 4, 50));
        assertThat(longRun).hasSize(3);
        assertThat(longRun.subList(0, 2)).containsExactlyElementsOf(shortRun);
        assertThat(shortRun.get(1).loss()).isNotEqualTo(shortRun.get(0).loss());
    }

    @Test
    void theConstantScheduleIsTheWarmupThenTheRateAsBeforeTheSettingExisted() {
        double lr = 0.05;
        assertThat(Finetune.WARMUP).isEqualTo(10);
        for (int step = 0; step < 40; step++) {
            // the rate Finetune.curve set before there was a schedule, to the float it hands to SGD
            float before = (float) (step < 10 ? lr * (step + 1) / 11 : lr);
            assertThat((float) Finetune.learningRate("constant", step, lr, 25)).as("step " + step).isEqualTo(before);
            // the last budget does not matter
            assertThat(Finetune.learningRate("constant", step, lr, 3)).isEqualTo(Finetune.learningRate("constant", step, lr, 1000));
        }
    }

    @Test
    void theCosineScheduleWarmsUpAlikeThenDecaysToZeroAtTheLastBudget() {
        double lr = 0.05;
        int last = 110; // 100 iterations of decay after the 10 of warmup
        assertThat(Finetune.learningRate("cosine", 0, lr, last)).isCloseTo(lr / 11, within(1e-15));
        assertThat(Finetune.learningRate("cosine", 9, lr, last)).isCloseTo(lr * 10 / 11, within(1e-15)); // the warmup's last step
        for (int step = 0; step < Finetune.WARMUP; step++) {
            assertThat(Finetune.learningRate("cosine", step, lr, last)).isEqualTo(Finetune.learningRate("constant", step, lr, last));
        }
        assertThat(Finetune.learningRate("cosine", 10, lr, last)).isEqualTo(lr);                           // the peak, after the warmup
        assertThat(Finetune.learningRate("cosine", 35, lr, last)).isCloseTo(lr * (1 + Math.sqrt(0.5)) / 2, within(1e-12));
        assertThat(Finetune.learningRate("cosine", 60, lr, last)).isCloseTo(lr / 2, within(1e-12));         // halfway
        // the last iteration (step 109): one hundredth of the half-period from the end, not yet 0
        double lastStep = Finetune.learningRate("cosine", 109, lr, last);
        assertThat(lastStep).isCloseTo(lr * (1 - Math.cos(Math.PI / 100)) / 2, within(1e-15)).isPositive().isLessThan(lr * 1e-3);
        assertThat(Finetune.learningRate("cosine", 110, lr, last)).isZero();
        assertThat(Finetune.learningRate("cosine", 500, lr, last)).isZero();
        for (int step = 10; step < last; step++) {
            assertThat(Finetune.learningRate("cosine", step + 1, lr, last)).as("step " + step)
                    .isLessThan(Finetune.learningRate("cosine", step, lr, last));
        }
        // a last budget inside the warmup: the warmup as ever, nothing after it
        assertThat(Finetune.learningRate("cosine", 3, lr, 5)).isEqualTo(Finetune.learningRate("constant", 3, lr, 5));
        assertThat(Finetune.learningRate("cosine", 10, lr, 5)).isZero();
    }

    @Test
    void anUnknownScheduleOrANegativeStepIsRefused() {
        assertThatThrownBy(() -> Finetune.learningRate("linear", 0, 0.1, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'linear'").hasMessageContaining("[constant, cosine]");
        assertThatThrownBy(() -> Finetune.learningRate("cosine", -1, 0.1, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step -1").hasMessageContaining(">= 0");
        assertThatThrownBy(() -> curve(List.of(0, 4), "step")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'step'");
    }

    @Test
    void aCosineRunIsTheConstantRunUntilItsRateFirstFallsBelowTheConstantOne() {
        // Steps 0..10 have the same rates (the warmup, then the peak at step 10), step 11 on a lower one under cosine.
        List<CurvePoint> constant = curve(List.of(0, 11, 30), "constant");
        List<CurvePoint> cosine = curve(List.of(0, 11, 30), "cosine");
        assertThat(curve(List.of(0, 11, 30))).containsExactlyElementsOf(constant);
        assertThat(cosine.subList(0, 2)).containsExactlyElementsOf(constant.subList(0, 2));
        assertThat(cosine.get(2).iterations()).isEqualTo(30);
        assertThat(cosine.get(2).loss()).isNotEqualTo(constant.get(2).loss());
    }
}
