package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Latency}: a positive median for a ResNet (timed through its plan) and any other module; training flags restored; bad counts rejected. */
class LatencyTest {
    @Test
    void timesAResNetAndAnyModuleAndRestoresTheirMode() {
        ResNet resnet = new ResNet(ResNetConfig.resnet20(3, 10), 1);
        resnet.train(true);
        double ms = Latency.medianMs(resnet, new int[] {3, 16, 16}, 2, 5);
        assertThat(ms).isPositive().isFinite();
        assertThat(resnet.isTraining()).isTrue();
        Sequential mlp = new Sequential(new Layers.Flatten(), new Linear(12, 4, true, new Random(2)));
        mlp.eval();
        assertThat(Latency.medianMs(mlp, new int[] {3, 2, 2}, 0, 4)).isPositive().isFinite();
        assertThat(mlp.isTraining()).isFalse();
    }

    /** The ResNet is timed through its compiled plan, not its forward: a layer the plan does not run is its error, before any timing. */
    @Test
    void aResNetGoesThroughItsPlan() {
        ResNet resnet = new ResNet(ResNetConfig.resnet20(3, 10), 1);
        resnet.replace("layer1.0.conv2", new Layers.Identity()); // the plan is compiled before any forward
        resnet.eval();
        assertThatThrownBy(() -> Latency.medianMs(resnet, new int[] {3, 16, 16}, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet plan: layer1.0.conv2 must be a Conv2d, got Identity");
    }

    @Test
    void rejectsBadCounts() {
        ResNet resnet = new ResNet(ResNetConfig.resnet20(3, 10), 1);
        assertThatThrownBy(() -> Latency.medianMs(resnet, new int[] {3, 16, 16}, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repeats >= 1").hasMessageContaining("got 0");
        assertThatThrownBy(() -> Latency.medianMs(resnet, new int[] {3, 16, 16}, -1, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmup >= 0");
    }
}
