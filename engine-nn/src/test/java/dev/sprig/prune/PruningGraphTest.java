package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PruningGraphTest {

    private static List<String> ids(PruningGraph g) {
        return g.groups().stream().map(Group::id).toList();
    }

    /** "tensor#dim" of each slice, with unit size and offset when not the default. */
    private static List<String> members(Group g) {
        List<String> out = new ArrayList<>();
        for (Slice s : g.slices()) {
            out.add(s.tensor() + "#" + s.dim() + (s.unitSize() != 1 ? "/" + s.unitSize() : "") + (s.offset() != 0 ? "@" + s.offset() : ""));
        }
        return out;
    }

    private static List<String> bn(String path) {
        return List.of(path + ".running_mean#0", path + ".running_var#0", path + ".weight#0", path + ".bias#0");
    }

    @Test
    void resnet20HasOneGroupPerBlockAndOneResidualGroupPerStage() {
        PruningGraph g = PruningGraph.of(new ResNet(ResNetConfig.resnet20(3, 10), 1), 3, 16, 16);
        assertThat(ids(g)).containsExactly("conv1:in", "layer1:residual", "layer1.0.conv1:out", "layer1.1.conv1:out",
                "layer1.2.conv1:out", "layer2.0.conv1:out", "layer2:residual", "layer2.1.conv1:out", "layer2.2.conv1:out",
                "layer3.0.conv1:out", "layer3:residual", "layer3.1.conv1:out", "layer3.2.conv1:out", "fc:out");
        assertThat(g.prunable()).hasSize(12);
        assertThat(g.group("conv1:in").exclusionReason()).isEqualTo("touches the network input");
        assertThat(g.group("fc:out").exclusionReason()).isEqualTo("touches the model output");

        // A block-internal group: conv1's filters, bn1, conv2's input channels.
        Group inner = g.group("layer1.0.conv1:out");
        assertThat(inner.kind()).isEqualTo(Group.Kind.CHANNELS);
        assertThat(inner.units()).isEqualTo(16);
        List<String> expected = new ArrayList<>(List.of("layer1.0.conv1.weight#0"));
        expected.addAll(bn("layer1.0.bn1"));
        expected.add("layer1.0.conv2.weight#1");
        assertThat(members(inner)).containsExactlyElementsOf(expected);
        assertThat(inner.maskEquivalent()).isTrue();

        // A residual stage: every conv2/bn2, the 1x1 downsample conv and its BN, and every consumer.
        Group stage = g.group("layer2:residual");
        assertThat(stage.kind()).isEqualTo(Group.Kind.RESIDUAL);
        assertThat(stage.units()).isEqualTo(32);
        List<String> stageMembers = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            stageMembers.add("layer2." + b + ".conv2.weight#0");
            stageMembers.addAll(bn("layer2." + b + ".bn2"));
        }
        stageMembers.add("layer2.0.downsample.0.weight#0");
        stageMembers.addAll(bn("layer2.0.downsample.1"));
        stageMembers.addAll(List.of("layer2.1.conv1.weight#1", "layer2.2.conv1.weight#1", "layer3.0.conv1.weight#1",
                "layer3.0.downsample.0.weight#1"));
        assertThat(members(stage)).containsExactlyInAnyOrderElementsOf(stageMembers);
        // The downsample conv reads stage 1's channels.
        assertThat(members(g.group("layer1:residual"))).contains("conv1.weight#0", "layer2.0.downsample.0.weight#1",
                "layer2.0.conv1.weight#1").doesNotContain("layer2.0.downsample.0.weight#0");
        // The last stage feeds the classifier's columns.
        assertThat(members(g.group("layer3:residual"))).contains("fc.weight#1");
    }

    @Test
    void resnet18WithEitherStemPutsTheStemConvInTheFirstStage() {
        for (ResNetConfig.Stem stem : new ResNetConfig.Stem[] {ResNetConfig.Stem.IMAGENET, ResNetConfig.Stem.CIFAR}) {
            PruningGraph g = PruningGraph.of(new ResNet(ResNetConfig.resnet18(3, 10, stem), 1), 3, 32, 32);
            assertThat(ids(g)).as(stem.name()).containsExactly("conv1:in", "layer1:residual", "layer1.0.conv1:out", "layer1.1.conv1:out",
                    "layer2.0.conv1:out", "layer2:residual", "layer2.1.conv1:out", "layer3.0.conv1:out", "layer3:residual",
                    "layer3.1.conv1:out", "layer4.0.conv1:out", "layer4:residual", "layer4.1.conv1:out", "fc:out");
            Group stage1 = g.group("layer1:residual");
            assertThat(stage1.units()).isEqualTo(64);
            assertThat(members(stage1)).contains("conv1.weight#0", "bn1.weight#0", "layer1.0.conv1.weight#1", "layer1.1.conv2.weight#0",
                    "layer2.0.downsample.0.weight#1");
            assertThat(members(g.group("layer4:residual"))).contains("layer4.0.downsample.0.weight#0", "fc.weight#1");
        }
    }

    @Test
    void vitHeadsAreQkvRowsAndProjectionColumnsAndHiddenNodesAreFc1RowsAndFc2Columns() {
        ViTConfig c = ViTConfig.small(3, 16, 4, 10); // d=96, 3 heads x 32, MLP 192, q/k/v separate
        PruningGraph g = PruningGraph.of(new ViT(c, 1), 3, 16, 16);
        Group heads = g.group("blocks.3.attn:heads");
        assertThat(heads.kind()).isEqualTo(Group.Kind.HEADS);
        assertThat(heads.units()).isEqualTo(3);
        assertThat(members(heads)).containsExactly("blocks.3.attn.q.weight#0/32", "blocks.3.attn.q.bias#0/32",
                "blocks.3.attn.k.weight#0/32", "blocks.3.attn.k.bias#0/32", "blocks.3.attn.v.weight#0/32",
                "blocks.3.attn.v.bias#0/32", "blocks.3.attn.proj.weight#1/32");
        assertThat(heads.maskEquivalent()).isTrue();
        Group hidden = g.group("blocks.3.mlp.fc1:out");
        assertThat(hidden.kind()).isEqualTo(Group.Kind.HIDDEN);
        assertThat(hidden.units()).isEqualTo(192);
        assertThat(members(hidden)).containsExactly("blocks.3.mlp.fc1.weight#0", "blocks.3.mlp.fc1.bias#0", "blocks.3.mlp.fc2.weight#1");

        // The width d: every producer into the residual stream, every norm, the embeddings, every reader.
        Group width = g.group("blocks:embedding");
        assertThat(width.kind()).isEqualTo(Group.Kind.EMBEDDING);
        assertThat(width.units()).isEqualTo(96);
        assertThat(members(width)).contains("cls_token#2", "pos_embed#2", "patch_embed.weight#0", "patch_embed.bias#0",
                "blocks.0.norm1.weight#0", "blocks.0.attn.q.weight#1", "blocks.0.attn.v.weight#1", "blocks.0.attn.proj.weight#0",
                "blocks.0.attn.proj.bias#0", "blocks.5.mlp.fc2.weight#0", "blocks.5.mlp.fc1.weight#1", "norm.weight#0", "head.weight#1");
        // LayerNorm normalises over d: zeroing a channel is not the same as removing it.
        assertThat(width.maskEquivalent()).isFalse();
        assertThat(width.excluded()).isFalse();
        // The token dimension (position embedding rows) is concatenated with the class token: not prunable.
        assertThat(g.groupsOf("pos_embed")).anySatisfy(gr -> {
            assertThat(gr.excluded()).isTrue();
            assertThat(gr.exclusionReason()).contains("concatenated");
        });
        assertThat(g.prunable()).hasSize(1 + 2 * c.depth());
    }

    @Test
    void fusedQkvHeadsTakeTheSameRowsFromEachThird() {
        ViTConfig c = new ViTConfig(3, 16, 4, 10, 24, 2, 3, 8, 40, true);
        PruningGraph g = PruningGraph.of(new ViT(c, 1), 3, 16, 16);
        assertThat(members(g.group("blocks.1.attn:heads"))).containsExactly("blocks.1.attn.qkv.weight#0/8",
                "blocks.1.attn.qkv.bias#0/8", "blocks.1.attn.qkv.weight#0/8@24", "blocks.1.attn.qkv.bias#0/8@24",
                "blocks.1.attn.qkv.weight#0/8@48", "blocks.1.attn.qkv.bias#0/8@48", "blocks.1.attn.proj.weight#1/8");
        assertThat(members(g.group("blocks:embedding"))).contains("blocks.1.attn.qkv.weight#1");
    }

    @Test
    void aConvFlattenedIntoALinearCouplesEachChannelWithABlockOfHTimesWColumns() {
        Random rng = new Random(3);
        Module m = new Sequential(new Conv2d(3, 8, 3, 1, 1, true, rng), new BatchNorm2d(8), new Layers.ReLU(), new Layers.Flatten(),
                new Linear(8 * 6 * 5, 4, true, rng));
        PruningGraph g = PruningGraph.of(m, 3, 6, 5);
        assertThat(ids(g)).containsExactly("0:in", "0:out", "4:out");
        List<String> expected = new ArrayList<>(List.of("0.weight#0", "0.bias#0"));
        expected.addAll(bn("1"));
        expected.add("4.weight#1/30");
        assertThat(members(g.group("0:out"))).containsExactlyElementsOf(expected);
    }

    @Test
    void aDepthwiseConvSharesItsFiltersWithItsInputChannels() {
        Random rng = new Random(4);
        Module m = new Sequential(new Conv2d(3, 8, 3, 1, 1, false, rng), new Conv2d(8, 8, 3, 1, 1, 1, 8, true, rng),
                new Conv2d(8, 5, 1, 1, 0, false, rng));
        PruningGraph g = PruningGraph.of(m, 3, 6, 6);
        assertThat(members(g.group("0:out"))).containsExactly("0.weight#0", "1.weight#0", "1.bias#0", "2.weight#1");
    }

    /** conv -> channel shuffle by indexSelect -> conv: the tracer does not prune through an index. */
    private static final class Shuffled extends Module {
        Shuffled() {
            Random rng = new Random(5);
            registerModule("a", new Conv2d(3, 4, 3, 1, 1, false, rng));
            registerModule("b", new Conv2d(4, 6, 3, 1, 1, false, rng));
            registerModule("c", new Conv2d(6, 2, 1, 1, 0, false, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = Functional.indexSelect(child("a").forward(x), 1, new int[] {3, 1, 2, 0});
            return child("c").forward(child("b").forward(h).relu());
        }
    }

    @Test
    void channelsThroughAnOpWithoutAPruningRuleAreExcluded() {
        PruningGraph g = PruningGraph.of(new Shuffled(), 3, 5, 5);
        assertThat(g.group("a:out").excluded()).isTrue();
        assertThat(g.group("a:out").exclusionReason()).isEqualTo("not prunable: indexed");
        assertThat(g.group("b:out").excluded()).isFalse();
        assertThat(members(g.group("b:out"))).containsExactly("b.weight#0", "c.weight#1");
    }

    @Test
    void noTensorEntryIsInTwoGroupsAndEveryLayerDimensionIsInOne() {
        List<Module> models = List.of(new ResNet(ResNetConfig.resnet20(3, 10), 1),
                new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.IMAGENET), 1),
                new ViT(ViTConfig.small(3, 16, 4, 10), 1), new ViT(new ViTConfig(3, 16, 4, 10, 24, 2, 3, 8, 40, true), 1));
        for (Module m : models) {
            PruningGraph g = PruningGraph.of(m, 3, 16, 16);
            Map<String, int[]> hits = new HashMap<>();
            Map<String, Tensor> state = m.stateDict();
            for (Group gr : g.groups()) {
                for (Slice s : gr.slices()) {
                    int[] h = hits.computeIfAbsent(s.tensor() + "#" + s.dim(), k -> new int[state.get(s.tensor()).size(s.dim())]);
                    for (int i = s.offset(); i < s.offset() + gr.units() * s.unitSize(); i++) {
                        h[i]++;
                    }
                }
            }
            for (Map.Entry<String, int[]> e : hits.entrySet()) {
                for (int i = 0; i < e.getValue().length; i++) {
                    assertThat(e.getValue()[i]).as(m.getClass().getSimpleName() + " " + e.getKey() + " entry " + i).isEqualTo(1);
                }
            }
            // Every conv/linear weight's out and in dimension and every norm parameter is in some group.
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor t = e.getValue();
                int dims = t.dim() == 4 || t.dim() == 2 ? 2 : 1;
                for (int d = 0; d < dims; d++) {
                    if (t.size(d) > 1 && !e.getKey().endsWith("cls_token") && !e.getKey().endsWith("pos_embed")) {
                        assertThat(hits).as(m.getClass().getSimpleName() + " " + e.getKey() + " dim " + d).containsKey(e.getKey() + "#" + d);
                    }
                }
            }
        }
    }

    @Test
    void groupsCanBeExcludedByIdOrKindAndUnknownIdsAreNamed() {
        PruningGraph g = PruningGraph.of(new ResNet(ResNetConfig.resnet20(3, 10), 1), 3, 8, 8);
        PruningGraph noStage1 = g.excluding("layer1:residual");
        assertThat(noStage1.group("layer1:residual").exclusionReason()).isEqualTo("excluded by request");
        assertThat(noStage1.prunable()).hasSize(11);
        PruningGraph noResidual = g.excludingKinds(Group.Kind.RESIDUAL);
        assertThat(noResidual.prunable()).extracting(Group::kind).containsOnly(Group.Kind.CHANNELS).hasSize(9);
        assertThatThrownBy(() -> g.excluding("layer9:residual")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no group 'layer9:residual'").hasMessageContaining("layer2:residual");
        assertThat(g.groupsOf("layer1.0.bn1.running_var")).extracting(Group::id).containsExactly("layer1.0.conv1:out");
    }
}
