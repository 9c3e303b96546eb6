package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;

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
        return Finetune.curve(net, train, test, budgets, 0.05, Finetune.StepHook.NONE, i -> { });
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
}
