package dev.sprig.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.Module;
import dev.sprig.tensor.GradCheck;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {

    @Test
    void resnet20ShapesNamesAndParameterCount() {
        ResNet net = new ResNet(ResNetConfig.resnet20(3, 10), 1);
        // The published ResNet-20 (option B shortcuts: 1x1 conv + BN) has about 0.27M parameters.
        assertThat(net.parameterCount()).isBetween(270_000L, 280_000L);
        assertThat(net.namedParameters()).containsKeys("conv1.weight", "layer2.0.downsample.0.weight", "layer3.2.bn2.bias", "fc.weight");
        net.eval();
        assertThat(net.forward(Tensor.randn(2, 1, 3, 32, 32)).shape()).containsExactly(1, 10);
        assertThat(net.forward(Tensor.randn(2, 4, 3, 32, 32)).shape()).containsExactly(4, 10);
        assertThatThrownBy(() -> net.forward(Tensor.zeros(1, 1, 28, 28)))
                .hasMessageContaining("[n, 3, h, w]").hasMessageContaining("[1, 1, 28, 28]");
    }

    @Test
    void resnet18WithBothStems() {
        ResNet imagenet = new ResNet(ResNetConfig.resnet18(3, 100, ResNetConfig.Stem.IMAGENET), 3);
        // torchvision's resnet18 with 100 classes: 11,227,812 parameters.
        assertThat(imagenet.parameterCount()).isEqualTo(11_227_812L);
        imagenet.eval();
        assertThat(imagenet.forward(Tensor.randn(4, 1, 3, 64, 64)).shape()).containsExactly(1, 100);
        ResNet small = new ResNet(ResNetConfig.resnet18(1, 10, ResNetConfig.Stem.SMALL).withWidthMultiplier(0.25f), 5);
        small.eval();
        assertThat(small.forward(Tensor.randn(6, 2, 1, 28, 28)).shape()).containsExactly(2, 10);
        assertThatThrownBy(() -> ResNetConfig.cifar(21, 3, 10)).hasMessageContaining("6n+2").hasMessageContaining("21");
    }

    @Test
    void vitShapesAndNames() {
        ViT vit = new ViT(ViTConfig.small(1, 28, 7, 10), 7);
        assertThat(vit.namedParameters()).containsKeys("patch_embed.weight", "cls_token", "pos_embed", "blocks.0.attn.q.weight",
                "blocks.5.mlp.fc1.weight", "norm.weight", "head.bias");
        vit.eval();
        assertThat(vit.forward(Tensor.randn(8, 3, 1, 28, 28)).shape()).containsExactly(3, 10);
        assertThatThrownBy(() -> new ViTConfig(1, 28, 5, 10, 8, 1, 1, 8, 8, false)).hasMessageContaining("patchSize=5");
    }

    private static void assertWholeModelGradients(Module model, Tensor x, int[] labels) {
        List<Tensor> inputs = new ArrayList<>(model.parameters());
        GradCheck.Result r = new GradCheck(5e-4, 3e-3, 2e-2, 11).check(
                in -> dev.sprig.ops.Functional.crossEntropy(model.forward(x), labels), inputs);
        assertThat(r.checked()).isPositive();
        assertThat(r.mismatches()).as("max abs error %s", r.maxAbsError()).isEmpty();
    }

    @Test
    void tinyResNetWholeModelGradientCheck() {
        ResNet net = new ResNet(new ResNetConfig(2, 3, new int[] {1, 1}, new int[] {3, 4}, ResNetConfig.Stem.CIFAR, 1f), 9);
        net.eval(); // eval-mode BN keeps the function of the parameters fixed across evaluations
        assertWholeModelGradients(net, Tensor.randn(10, 2, 2, 6, 6), new int[] {0, 2});
        net.train(true);
        assertWholeModelGradients(net, Tensor.randn(10, 3, 2, 6, 6), new int[] {0, 2, 1});
    }

    @Test
    void tinyViTWholeModelGradientCheck() {
        for (boolean fused : new boolean[] {false, true}) {
            ViT vit = new ViT(new ViTConfig(1, 4, 2, 3, 6, 2, 2, 3, 8, fused), 12);
            assertWholeModelGradients(vit, Tensor.randn(13, 2, 1, 4, 4), new int[] {1, 2});
        }
    }

    @Test
    void sameSeedSameModelAndOutput() {
        Tensor x = Tensor.randn(14, 2, 3, 16, 16);
        ResNet a = new ResNet(ResNetConfig.resnet20(3, 5), 15);
        ResNet b = new ResNet(ResNetConfig.resnet20(3, 5), 15);
        assertThat(a.forward(x).toArray()).containsExactly(b.forward(x).toArray());
    }
}
