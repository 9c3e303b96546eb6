package dev.sprig.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.io.SafeTensors;
import dev.sprig.nn.LayerNorm;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    private static float[] out(Module m, Tensor x) {
        m.eval();
        return m.forward(x).rowMajorData();
    }

    /** Gives the BatchNorms non-trivial running statistics, so that a lost buffer would show. */
    private static void warmBatchNorm(Module m, Tensor x) {
        m.train(true);
        m.forward(x);
        m.eval();
    }

    @Test
    void resnetSavedAndLoadedFromTheFileAloneGivesIdenticalOutputs() throws IOException {
        ResNet net = new ResNet(ResNetConfig.cifar(20, 3, 7).withWidthMultiplier(0.5f), 11);
        Tensor x = Tensor.randn(3, 2, 3, 16, 16);
        warmBatchNorm(net, Tensor.randn(4, 8, 3, 16, 16));
        Path f = dir.resolve("resnet.safetensors");
        ModelFile.save(f, net, Map.of("dataset", "unit-test"));
        ModelFile.Loaded l = ModelFile.load(f);
        assertThat(l.model()).isInstanceOf(ResNet.class);
        assertThat(((ResNet) l.model()).config()).isEqualTo(net.config());
        assertThat(l.metadata()).containsExactlyEntriesOf(Map.of("dataset", "unit-test"));
        assertThat(l.model().isTraining()).isFalse();
        assertThat(out(l.model(), x)).containsExactly(out(net, x));
    }

    @Test
    void vitSavedAndLoadedGivesIdenticalOutputs() throws IOException {
        for (boolean fused : new boolean[] {false, true}) {
            ViT vit = new ViT(new ViTConfig(3, 16, 4, 5, 24, 2, 3, 8, 40, fused), 5);
            Tensor x = Tensor.randn(6, 2, 3, 16, 16);
            Path f = dir.resolve("vit" + fused + ".safetensors");
            ModelFile.save(f, vit, Map.of());
            ViT back = (ViT) ModelFile.load(f).model();
            assertThat(back.config()).isEqualTo(vit.config());
            assertThat(out(back, x)).containsExactly(out(vit, x));
        }
    }

    /** Keeps rows {@code keep} of dim {@code d} of a tensor. */
    private static Tensor keep(Tensor t, int d, int... keep) {
        return dev.sprig.ops.Functional.indexSelect(t.detach(), d, keep);
    }

    @Test
    void resnetWithUnevenWidthsLoadsFromTheFileAlone() throws IOException {
        ResNet net = new ResNet(ResNetConfig.cifar(20, 1, 4), 3);
        warmBatchNorm(net, Tensor.randn(9, 4, 1, 12, 12));
        // Shrink block layer1.1's inner width from 16 to 5 channels: conv1's filters, bn1, conv2's inputs.
        int[] kept = {0, 3, 4, 9, 15};
        Conv2d c1 = (Conv2d) net.get("layer1.1.conv1");
        BatchNorm2d bn = (BatchNorm2d) net.get("layer1.1.bn1");
        Conv2d c2 = (Conv2d) net.get("layer1.1.conv2");
        c1.weight().set(keep(c1.weight().get(), 0, kept));
        bn.weight().set(keep(bn.weight().get(), 0, kept));
        bn.bias().set(keep(bn.bias().get(), 0, kept));
        bn.runningMean().set(keep(bn.runningMean().get(), 0, kept));
        bn.runningVar().set(keep(bn.runningVar().get(), 0, kept));
        c2.weight().set(keep(c2.weight().get(), 1, kept));
        Tensor x = Tensor.randn(2, 3, 1, 12, 12);
        float[] expected = out(net, x);
        Path f = dir.resolve("uneven.safetensors");
        ModelFile.save(f, net, Map.of());
        Module back = ModelFile.load(f).model();
        assertThat(((Conv2d) back.get("layer1.1.conv1")).outChannels()).isEqualTo(5);
        assertThat(((Conv2d) back.get("layer1.1.conv2")).inChannels()).isEqualTo(5);
        assertThat(out(back, x)).containsExactly(expected);
        assertThat(back.parameterCount()).isEqualTo(net.parameterCount());
    }

    @Test
    void vitWithAHeadAndHiddenNodesRemovedLoadsFromTheFileAlone() throws IOException {
        ViT vit = new ViT(new ViTConfig(1, 8, 4, 3, 12, 2, 3, 4, 16, false), 8);
        MultiHeadSelfAttention attn = (MultiHeadSelfAttention) vit.get("blocks.1.attn");
        int[] rows = {0, 1, 2, 3, 8, 9, 10, 11}; // heads 0 and 2 of 3, headDim 4
        for (String p : new String[] {"q", "k", "v"}) {
            Linear l = (Linear) attn.child(p);
            l.weight().set(keep(l.weight().get(), 0, rows));
            l.bias().set(keep(l.bias().get(), 0, rows));
        }
        Linear proj = (Linear) attn.child("proj");
        proj.weight().set(keep(proj.weight().get(), 1, rows));
        Linear fc1 = (Linear) vit.get("blocks.0.mlp.fc1");
        Linear fc2 = (Linear) vit.get("blocks.0.mlp.fc2");
        int[] hidden = {1, 2, 5, 7, 11, 13, 14};
        fc1.weight().set(keep(fc1.weight().get(), 0, hidden));
        fc1.bias().set(keep(fc1.bias().get(), 0, hidden));
        fc2.weight().set(keep(fc2.weight().get(), 1, hidden));
        assertThat(attn.heads()).isEqualTo(2);
        Tensor x = Tensor.randn(4, 2, 1, 8, 8);
        float[] expected = out(vit, x);
        Path f = dir.resolve("vit-uneven.safetensors");
        ModelFile.save(f, vit, Map.of());
        ViT back = (ViT) ModelFile.load(f).model();
        assertThat(((MultiHeadSelfAttention) back.get("blocks.1.attn")).heads()).isEqualTo(2);
        assertThat(((MultiHeadSelfAttention) back.get("blocks.0.attn")).heads()).isEqualTo(3);
        assertThat(((ViT.Mlp) back.get("blocks.0.mlp")).hidden()).isEqualTo(7);
        assertThat(out(back, x)).containsExactly(expected);
    }

    @Test
    void vitWithItsEmbeddingWidthReducedRuns() throws IOException {
        // The embedding width d is one coupled group across the whole ViT: shrink every tensor that carries it.
        ViT vit = new ViT(new ViTConfig(1, 8, 4, 3, 12, 1, 2, 4, 16, true), 4);
        int[] kept = {0, 2, 3, 5, 6, 7, 8, 11};
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : vit.stateDict().entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            if (k.startsWith("patch_embed.") || k.endsWith("fc2.weight") || k.endsWith("fc2.bias") || k.endsWith("proj.weight")
                    || k.endsWith("proj.bias") || k.contains("norm")) {
                t = keep(t, 0, kept);
            } else if (k.equals("cls_token") || k.equals("pos_embed")) {
                t = keep(t, 2, kept);
            } else if (k.endsWith("qkv.weight") || k.endsWith("fc1.weight") || k.equals("head.weight")) {
                t = keep(t, 1, kept);
            }
            state.put(k, t);
        }
        vit.adoptStateDict(state);
        Path f = dir.resolve("vit-d8.safetensors");
        ModelFile.save(f, vit, Map.of());
        ViT back = (ViT) ModelFile.load(f).model();
        assertThat(((LayerNorm) back.get("norm")).size()).isEqualTo(8);
        Tensor x = Tensor.randn(1, 3, 1, 8, 8);
        assertThat(out(back, x)).containsExactly(out(vit, x));
        assertThat(back.forward(x).shape()).containsExactly(3, 3);
    }

    @Test
    void badFilesAndBadModelsAreClearErrors() throws IOException {
        ResNet net = new ResNet(ResNetConfig.cifar(8, 1, 2), 1);
        assertThatThrownBy(() -> ModelFile.save(dir.resolve("x"), net, Map.of("sprig.format", "mine")))
                .hasMessageContaining("'sprig.format' is reserved");
        assertThatThrownBy(() -> ModelFile.save(dir.resolve("x"), new Linear(2, 2, true, new java.util.Random(0)), Map.of()))
                .hasMessageContaining("ResNet or a ViT").hasMessageContaining("Linear");

        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.write(plain, net.stateDict(), Map.of("format", "sprig-checkpoint-1"));
        assertThatThrownBy(() -> ModelFile.load(plain)).isInstanceOf(IOException.class)
                .hasMessageContaining("plain.safetensors").hasMessageContaining("not a Sprig model file");

        Path unknown = dir.resolve("unknown.safetensors");
        SafeTensors.write(unknown, net.stateDict(), Map.of("sprig.format", ModelFile.FORMAT, "sprig.architecture", "mlp",
                "sprig.config", "{}"));
        assertThatThrownBy(() -> ModelFile.load(unknown)).hasMessageContaining("unknown architecture 'mlp'");

        Path badCfg = dir.resolve("badcfg.safetensors");
        Map<String, Object> cfg = ModelFile.toMap(net.config());
        cfg.put("widths", java.util.List.of(16L, "wide", 64L));
        SafeTensors.write(badCfg, net.stateDict(), Map.of("sprig.format", ModelFile.FORMAT, "sprig.architecture", "resnet",
                "sprig.config", dev.sprig.nn.io.Json.write(cfg)));
        assertThatThrownBy(() -> ModelFile.load(badCfg)).hasMessageContaining("'widths' must be an array of integers");

        Path missing = dir.resolve("missing.safetensors");
        Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
        state.remove("fc.bias");
        state.put("fc.weight", Tensor.zeros(2, 64, 1));
        SafeTensors.write(missing, state, Map.of("sprig.format", ModelFile.FORMAT, "sprig.architecture", "resnet",
                "sprig.config", dev.sprig.nn.io.Json.write(ModelFile.toMap(net.config()))));
        assertThatThrownBy(() -> ModelFile.load(missing)).hasMessageContaining("missing [fc.bias]")
                .hasMessageContaining("fc.weight: expected rank 2");
    }

    @Test
    void macsMatchTheLayerFormula() {
        // ResNet-20 on 3x32x32, counted by hand: k·k·inC·outC·outH·outW for every conv, in·out for fc.
        long conv1 = 9L * 3 * 16 * 32 * 32;
        long stage1 = 6 * (9L * 16 * 16 * 32 * 32);
        long stage2 = 9L * 16 * 32 * 16 * 16 + 5 * (9L * 32 * 32 * 16 * 16) + 16L * 32 * 16 * 16;
        long stage3 = 9L * 32 * 64 * 8 * 8 + 5 * (9L * 64 * 64 * 8 * 8) + 32L * 64 * 8 * 8;
        long fc = 64L * 10;
        ModelStats s = ModelStats.of(new ResNet(ResNetConfig.resnet20(3, 10), 0), 3, 32, 32);
        assertThat(s.macs()).isEqualTo(conv1 + stage1 + stage2 + stage3 + fc);
        assertThat(s.macs()).isBetween(40_000_000L, 42_000_000L); // the published ~41M
        assertThat(s.flops()).isEqualTo(2 * s.macs());

        // ViT: patch conv, then per block q,k,v (3·t·d·inner), scores and mix (2·h·t·t·hd), proj, MLP; head on the class token.
        ViTConfig c = new ViTConfig(1, 28, 7, 10, 96, 6, 3, 32, 192, false);
        int t = 1 + c.patches();
        int inner = c.heads() * c.headDim();
        long patch = (long) c.patches() * c.dim() * 49;
        long block = 3L * t * c.dim() * inner + 2L * c.heads() * t * t * c.headDim() + (long) t * inner * c.dim()
                + 2L * t * c.dim() * c.mlpHidden();
        ViT vit = new ViT(c, 0);
        assertThat(ModelStats.of(vit, 1, 28, 28).macs()).isEqualTo(patch + c.depth() * block + (long) c.dim() * c.classes());
        assertThat(vit.isTraining()).as("mode restored").isTrue();
        assertThatThrownBy(() -> ModelStats.of(vit, 1, 0, 28)).hasMessageContaining("[1, 0, 28]");
    }
}
