package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.Module;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The invariants of shrinking, over ResNet-20, ResNet-18 and the ViT with random masks. */
class ShrinkerTest {
    @TempDir
    Path dir;

    static Stream<Fixtures.Case> cases() {
        return Stream.of(Fixtures.resnet20(), Fixtures.resnet18(), Fixtures.vit(false), Fixtures.vit(true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anAllKeepMaskChangesNothing(Fixtures.Case c) {
        Module before = c.model();
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        PruneReport r = Shrinker.shrink(m, g, PruningMask.allKeep(g), null);
        Map<String, Tensor> want = before.stateDict();
        m.stateDict().forEach((name, t) -> assertThat(t.toArray()).as(name).isEqualTo(want.get(name).toArray()));
        Tensor x = c.input(1, 2);
        assertThat(Fixtures.eval(m, x)).isEqualTo(Fixtures.eval(before, x));
        assertThat(r.after()).isEqualTo(r.before());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theShrunkModelComputesWhatTheMaskedModelComputes(Fixtures.Case c) {
        for (long seed : new long[] {1, 2}) {
            Module masked = c.model();
            Module shrunk = c.model();
            PruningGraph g = c.graph(masked);
            PruningMask mask = PruningMask.random(g, seed);
            assertThat(mask.keepRatio()).isLessThan(0.9);
            new SoftMask(masked, g, mask).apply();
            PruneReport r = Shrinker.shrink(shrunk, g, mask, null);
            Tensor x = c.input(seed + 10, 2);
            assertThat(Fixtures.relativeError(Fixtures.eval(masked, x), Fixtures.eval(shrunk, x))).as(c + " seed " + seed)
                    .isLessThanOrEqualTo(1e-5);
            // The counts match the cost model's formula and the model's own count.
            assertThat(r.after().parameters()).isEqualTo(g.cost().parameters(mask)).isEqualTo(shrunk.parameterCount())
                    .isLessThan(r.before().parameters());
            assertThat(r.after().macs()).isEqualTo(g.cost().macs(mask)).isLessThan(r.before().macs());
            assertThat(r.before().parameters()).isEqualTo(g.cost().parameters());
            assertThat(r.before().macs()).isEqualTo(g.cost().macs());
            for (Group gr : g.prunable()) {
                assertThat(r.unitsAfter(gr.id())).isEqualTo(mask.kept(gr.id()));
            }
        }
    }

    @Test
    void countsFollowTheLayerFormula() {
        Module m = Fixtures.resnet20().model();
        PruningGraph g = PruningGraph.of(m, 3, 16, 16);
        long before = m.parameterCount();
        boolean[] keep = new boolean[16];
        keep[0] = keep[3] = keep[5] = true;
        PruneReport r = Shrinker.shrink(m, g, PruningMask.of(Map.of("layer1.0.conv1:out", keep)), null);
        // 13 filters of conv1 [16, 3, 3], 13 input channels of conv2 [16, 3, 3], 13 γ and 13 β.
        assertThat(before - m.parameterCount()).isEqualTo(13L * (16 * 9 + 16 * 9 + 2));
        // conv1 and conv2 each run 13 fewer channels over the 16x16 map: 13·16·9 MACs per pixel each.
        assertThat(r.before().macs() - r.after().macs()).isEqualTo(2L * 13 * 16 * 9 * 16 * 16);
        assertThat(r.layers()).anySatisfy(l -> {
            assertThat(l.tensor()).isEqualTo("layer1.0.conv1.weight");
            assertThat(l.before()).containsExactly(16, 16, 3, 3);
            assertThat(l.after()).containsExactly(3, 16, 3, 3);
        });
        assertThat(r.table()).contains("layer1.0.conv1:out").contains("[3, 16, 3, 3]");
    }

    @Test
    void batchNormStatisticsKeepTheEntriesOfTheKeptChannels() {
        Module original = Fixtures.resnet20().model();
        Module m = Fixtures.resnet20().model();
        PruningGraph g = PruningGraph.of(m, 3, 16, 16);
        boolean[] keep = new boolean[32];
        int[] kept = {1, 4, 9, 30};
        for (int k : kept) {
            keep[k] = true;
        }
        Shrinker.shrink(m, g, PruningMask.of(Map.of("layer2:residual", keep)), null);
        Map<String, Tensor> was = original.stateDict();
        Map<String, Tensor> now = m.stateDict();
        for (String bn : List.of("layer2.0.bn2", "layer2.2.bn2", "layer2.0.downsample.1")) {
            for (String t : List.of("running_mean", "running_var", "weight", "bias")) {
                float[] w = was.get(bn + "." + t).toArray();
                assertThat(now.get(bn + "." + t).toArray()).as(bn + "." + t).containsExactly(w[1], w[4], w[9], w[30]);
            }
        }
        assertThat(now.get("layer2.0.downsample.0.weight").shape()).containsExactly(4, 16, 1, 1);
        assertThat(now.get("layer3.0.conv1.weight").shape()).containsExactly(64, 4, 3, 3);
        assertThat(now.get("layer3.0.conv1.weight").toArray())
                .isEqualTo(Functional.indexSelect(was.get("layer3.0.conv1.weight"), 1, kept).toArray());
    }

    @Test
    void fusedQkvLosesTheSameHeadFromEachThird() {
        Module m = Fixtures.vit(true).model(); // 4 heads of 12, d = 48
        Map<String, Tensor> was = m.stateDict();
        PruningGraph g = PruningGraph.of(m, 3, 16, 16);
        Shrinker.shrink(m, g, PruningMask.of(Map.of("blocks.0.attn:heads", new boolean[] {true, false, true, true})), null);
        int[] rows = new int[3 * 3 * 12];
        int k = 0;
        for (int third = 0; third < 3; third++) {
            for (int head : new int[] {0, 2, 3}) {
                for (int i = 0; i < 12; i++) {
                    rows[k++] = third * 48 + head * 12 + i;
                }
            }
        }
        Tensor qkv = m.stateDict().get("blocks.0.attn.qkv.weight");
        assertThat(qkv.shape()).containsExactly(108, 48);
        assertThat(qkv.toArray()).isEqualTo(Functional.indexSelect(was.get("blocks.0.attn.qkv.weight"), 0, rows).toArray());
        assertThat(m.stateDict().get("blocks.0.attn.qkv.bias").toArray())
                .isEqualTo(Functional.indexSelect(was.get("blocks.0.attn.qkv.bias"), 0, rows).toArray());
        int[] cols = java.util.Arrays.copyOf(rows, 36);
        assertThat(m.stateDict().get("blocks.0.attn.proj.weight").toArray())
                .isEqualTo(Functional.indexSelect(was.get("blocks.0.attn.proj.weight"), 1, cols).toArray());
        assertThat(((MultiHeadSelfAttention) m.get("blocks.0.attn")).heads()).isEqualTo(3);
        assertThat(((MultiHeadSelfAttention) m.get("blocks.1.attn")).heads()).isEqualTo(4);
    }

    @Test
    void aStaleGraphABadMaskAndAnEmptyLayerAreRefused() {
        Module m = Fixtures.resnet20().model();
        PruningGraph g = PruningGraph.of(m, 3, 16, 16);
        boolean[] half = new boolean[16];
        java.util.Arrays.fill(half, 0, 8, true);
        PruningMask mask = PruningMask.of(Map.of("layer1.0.conv1:out", half));
        Shrinker.shrink(m, g, mask, null);
        // Shrinking again with the graph of the unshrunk model would cut the layer twice.
        assertThatThrownBy(() -> Shrinker.shrink(m, g, mask, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer1.0.conv1.weight is [8, 16, 3, 3] but was [16, 16, 3, 3]").hasMessageContaining("retrace");
        PruningGraph again = g.retrace(m);
        assertThat(again.group("layer1.0.conv1:out").units()).isEqualTo(8);
        assertThatThrownBy(() -> Shrinker.shrink(m, again, mask, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 16 units, the graph's group has 8");
        assertThatThrownBy(() -> PruningMask.of(Map.of("layer1.1.conv1:out", new boolean[16])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keeps 0 of 16 units");
        boolean[] classes = new boolean[10];
        classes[0] = true;
        assertThatThrownBy(() -> Shrinker.shrink(m, again, PruningMask.of(Map.of("fc:out", classes)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("excluded (touches the model output)");
        assertThatThrownBy(() -> Shrinker.shrink(m, again, PruningMask.of(Map.of("layer7:residual", half)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'layer7:residual' is not a group");
    }

    @Test
    void gradientsShrinkWithTheirParameters() {
        Module m = Fixtures.resnet20().model();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        m.train(true);
        Functional.crossEntropy(m.forward(Fixtures.resnet20().input(5, 4)), new int[] {1, 2, 3, 4}).backward();
        m.namedParameters().forEach((n, p) -> grads.put(n, p.get().grad()));
        PruningGraph g = PruningGraph.of(m, 3, 16, 16);
        PruningMask mask = PruningMask.random(g, 3);
        Shrinker.shrink(m, g, mask, null);
        int[] kept = mask.keptIndices("layer2:residual");
        assertThat(m.namedParameters().get("layer2.1.bn2.weight").get().grad().toArray())
                .isEqualTo(Functional.indexSelect(grads.get("layer2.1.bn2.weight"), 0, kept).toArray());
        m.namedParameters().forEach((n, p) -> assertThat(p.get().grad().shape()).as(n).containsExactly(p.shape()));
    }

    @Test
    void shrunkModelsSaveAndLoadFromTheFileAlone() throws IOException {
        List<Fixtures.Case> cases = List.of(Fixtures.resnet20(), Fixtures.vit(true));
        for (Fixtures.Case c : cases) {
            Module m = c.model();
            PruningGraph g = PruningGraph.of(m, c.input()); // the ViT's embedding width shrinks too
            PruningMask mask = PruningMask.random(g, 11);
            PruneReport r = Shrinker.shrink(m, g, mask, null);
            assertThat(r.after().parameters()).isEqualTo(g.cost().parameters(mask));
            assertThat(r.after().macs()).isEqualTo(g.cost().macs(mask));
            Path f = dir.resolve(c.name().replace(' ', '_') + ".safetensors");
            ModelFile.save(f, m, Map.of());
            Module back = ModelFile.load(f).model();
            Tensor x = c.input(12, 2);
            assertThat(Fixtures.eval(back, x)).as(c.name()).isEqualTo(Fixtures.eval(m, x));
            assertThat(back.parameterCount()).isEqualTo(m.parameterCount());
            if (back instanceof ViT) {
                assertThat(back.stateDict().get("cls_token").size(2)).isEqualTo(m.stateDict().get("cls_token").size(2)).isLessThan(48);
            }
        }
    }

    @Test
    void aShrunkModelFineTunes() {
        Fixtures.Case c = Fixtures.resnet20();
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        Shrinker.shrink(m, g, PruningMask.random(g, 4), null);
        Sgd opt = new Sgd(m.namedParameters(), 0.05f, 0.9f, 0f, false);
        Tensor x = c.input(6, 8);
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
        m.train(true);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 8; step++) {
            m.zeroGrad();
            Tensor loss = Functional.crossEntropy(m.forward(x), labels);
            last = loss.item();
            first = step == 0 ? last : first;
            loss.backward();
            opt.step();
        }
        assertThat(last).isLessThan(0.8 * first);
    }
}
