package dev.sprig.nn.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link Plans#compile}: a plan for a ResNet at any size and a ViT at its own, its forward the model's; none for anything else. */
class PlansTest {
    private static void samePlan(Module m, int c, int size) {
        m.eval();
        UnaryOperator<Tensor> plan = Plans.compile(m, c, size, size);
        assertThat(plan).as("%s at %dx%d", m.getClass().getSimpleName(), size, size).isNotNull();
        Tensor x = Tensor.randn(3, 2, c, size, size);
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertArrayEquals(m.forward(x).toArray(), plan.apply(x).toArray());
        }
    }

    @Test
    void compilesResNetsAndViTsAtTheirSize() {
        samePlan(new ResNet(ResNetConfig.resnet20(3, 10), 1), 3, 32);
        samePlan(new ResNet(ResNetConfig.resnet20(3, 10), 1), 3, 24);
        ViT vit = new ViT(ViTConfig.small(3, 16, 4, 5), 2);
        samePlan(vit, 3, 16);
        assertThat(Plans.compile(vit, 3, 32, 32)).as("a ViT at another image size").isNull();
        assertThat(Plans.compile(vit, 1, 16, 16)).as("a ViT with other channels").isNull();
        assertThat(Plans.compile(new Linear(4, 2, true, new Random(1)).eval(), 1, 2, 2)).as("a Linear").isNull();
    }
}
