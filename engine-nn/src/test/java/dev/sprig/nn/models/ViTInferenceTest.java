package dev.sprig.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The ViT's eval-mode, no-grad forward fuses bias, GELU and residual adds into its linear layers. */
class ViTInferenceTest {
    @Test
    void theFusedBlocksGiveExactlyWhatTheSeparateOpsGive() {
        for (boolean fusedQkv : new boolean[] {false, true}) {
            ViT vit = new ViT(new ViTConfig(3, 16, 4, 5, 24, 2, 3, 8, 40, fusedQkv), 3);
            Tensor x = Tensor.randn(4, 3, 3, 16, 16);
            float[] separate;
            float[] fused;
            try (GradMode.Scope s = GradMode.noGrad()) {
                vit.train(true); // ViT has no dropout or BatchNorm: train mode changes nothing but the path
                separate = vit.forward(x).toArray();
                vit.eval();
                fused = vit.forward(x).toArray();
            }
            assertThat(fused).as("fused qkv %s", fusedQkv).containsExactly(separate);
            // and both agree with the recorded (composed) forward
            float[] recorded = vit.forward(x).toArray();
            for (int i = 0; i < recorded.length; i++) {
                assertThat(fused[i]).isCloseTo(recorded[i], org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }

    @Test
    void aResidualOfTheWrongShapeIsNamed() {
        ViT vit = new ViT(new ViTConfig(3, 16, 4, 5, 24, 1, 3, 8, 40, false), 3);
        ViT.Block block = (ViT.Block) vit.child("blocks").child("0");
        Tensor x = Tensor.randn(5, 2, 17, 24);
        Tensor wrong = Tensor.randn(6, 1, 17, 24); // would broadcast in a plain add
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ((dev.sprig.nn.MultiHeadSelfAttention) block.child("attn")).forward(x, wrong))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 17, 24]").hasMessageContaining("[1, 17, 24]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((ViT.Mlp) block.child("mlp")).forward(x, wrong))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 17, 24]").hasMessageContaining("[1, 17, 24]");
    }
}
