package dev.sprig.nn.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.data.SyntheticShapes;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Sgd;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The generated dataset must not be trivially separable: a linear classifier on raw pixels, given
 * more steps than the CNN, must be clearly worse than a small CNN.
 */
class ShapesDatasetDifficultyTest {

    @Test
    void aLinearClassifierOnRawPixelsIsClearlyWorseThanASmallCnn() {
        LabeledImages train = SyntheticShapes.generate(60, 32, 1, 0);
        LabeledImages test = SyntheticShapes.generate(20, 32, 1, 1);
        Normalize norm = Normalize.fit(train, 1f / 255);
        DataLoader trainLoader = DataLoader.builder(train, 48).seed(1).normalize(norm).build();
        DataLoader testLoader = DataLoader.builder(test, 240).shuffle(false).normalize(norm).build();

        Module linear = new Sequential(new Layers.Flatten(), new Linear(3 * 32 * 32, SyntheticShapes.CLASSES, true, new Random(1)));
        long linearSteps = 600;
        Evaluation lin = new Trainer(linear, new AdamW(linear.namedParameters(), 2e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f), trainLoader,
                testLoader, new TrainConfig(linearSteps, new LrSchedule.CosineWithWarmup(2e-3f, 0f, 20), 0, 0f, 0, 0, null),
                TrainListener.NONE).run();

        Module cnn = new ResNet(ResNetConfig.cifar(8, 3, SyntheticShapes.CLASSES).withWidthMultiplier(0.5f), 1);
        long cnnSteps = 250;
        Evaluation conv = new Trainer(cnn, new Sgd(cnn.namedParameters(), 0.1f, 0.9f, 5e-4f, true), trainLoader, testLoader,
                new TrainConfig(cnnSteps, new LrSchedule.CosineWithWarmup(0.1f, 0f, 20), 0, 0f, 0, 0, null), TrainListener.NONE).run();

        double chance = 1.0 / SyntheticShapes.CLASSES;
        assertThat(conv.accuracy()).as("the CNN learns the task").isGreaterThan(0.45);
        assertThat(conv.accuracy() - lin.accuracy()).as("CNN %s vs linear %s", conv, lin).isGreaterThan(0.2);
        assertThat(lin.accuracy()).as("the linear model is not broken either").isGreaterThan(chance);
    }
}
