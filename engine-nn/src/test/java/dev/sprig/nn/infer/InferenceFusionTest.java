package dev.sprig.nn.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Buffer;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.prune.Fixtures;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Shrinker;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** BatchNorm folding: the folded model computes what the eval-mode model computes, without BatchNorm. */
class InferenceFusionTest {
    private static final int[] INPUT = {3, 16, 16}; // [c, h, w]

    /** A prepared eval-mode model; equal cases give bit-identical models. */
    record Case(String name, Supplier<Module> make) {
        Module model() {
            Module m = make.get();
            prepare(m);
            return m;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> resnets() {
        return Stream.of(
                new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 7)),
                new Case("ResNet-18 (small stem)", () -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL), 7)),
                new Case("ResNet-20 shrunk", InferenceFusionTest::shrunkResNet20));
    }

    /** ResNet-20 with every channel group shrunk to a random, uneven width, BatchNorm statistics and all. */
    static Module shrunkResNet20() {
        Module m = new ResNet(ResNetConfig.resnet20(3, 10), 7);
        prepare(m);
        PruningGraph g = PruningGraph.of(m, INPUT);
        Shrinker.shrink(m, g, PruningMask.random(g, 3), null);
        return m;
    }

    /**
     * Gives the BatchNorms running statistics from training-mode passes, then moves every 1-d
     * parameter (γ, β, biases) and every running mean and variance off its value at random, so that
     * a BatchNorm folded wrongly changes the output.
     */
    static void prepare(Module m) {
        m.train(true);
        try (GradMode.Scope s = GradMode.noGrad()) {
            m.forward(Tensor.randn(43, 4, INPUT[0], INPUT[1], INPUT[2]));
            m.forward(Tensor.randn(44, 4, INPUT[0], INPUT[1], INPUT[2]));
        }
        m.eval();
        Random rng = new Random(42);
        for (Parameter p : m.namedParameters().values()) {
            if (p.get().dim() == 1) {
                float[] d = p.get().storage();
                for (int i = 0; i < d.length; i++) {
                    d[i] += 0.3f * (float) rng.nextGaussian();
                }
            }
        }
        for (Map.Entry<String, Buffer> e : m.namedBuffers().entrySet()) {
            float[] d = e.getValue().get().storage();
            boolean variance = e.getKey().endsWith("running_var");
            for (int i = 0; i < d.length; i++) {
                d[i] = variance ? d[i] * (0.5f + rng.nextFloat()) : d[i] + 0.3f * (float) rng.nextGaussian();
            }
        }
    }

    static float[] eval(Module m, Tensor x) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return m.forward(x).toArray();
        }
    }


    static long count(Module m, Class<? extends Module> type) {
        return m.namedModules().values().stream().filter(type::isInstance).count();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resnets")
    void theFoldedModelComputesWhatTheEvalModelComputes(Case c) {
        Module reference = c.model();
        Module folded = c.model();
        long batchNorms = count(folded, BatchNorm2d.class);
        assertThat(batchNorms).as("BatchNorms before folding").isGreaterThan(0);
        // Every BatchNorm of a ResNet follows a conv: stem, two per block, one per shortcut.
        assertThat(InferenceFusion.convBnPairs(folded)).hasSize((int) batchNorms);

        assertThat(InferenceFusion.foldBatchNorm(folded)).isSameAs(folded);

        assertThat(count(folded, BatchNorm2d.class)).as("BatchNorms after folding").isZero();
        assertThat(folded.namedModules()).allSatisfy((path, m) -> assertThat(m.isTraining()).as(path).isFalse());
        assertThat(folded.namedModules()).allSatisfy((path, m) -> {
            if (m instanceof Conv2d conv) {
                assertThat(conv.bias()).as("bias of folded conv '%s'", path).isNotNull();
            }
        });
        for (int batch : new int[] {1, 4}) {
            Tensor x = Tensor.randn(100 + batch, batch, INPUT[0], INPUT[1], INPUT[2]);
            assertThat(Fixtures.relativeError(eval(reference, x), eval(folded, x))).as("%s at batch %d", c, batch)
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void theShrunkCaseHasUnevenWidths() {
        List<Integer> widths = new ArrayList<>();
        for (Module m : shrunkResNet20().namedModules().values()) {
            if (m instanceof Conv2d conv) {
                widths.add(conv.outChannels());
            }
        }
        assertThat(widths).as("conv widths after a random shrink").anyMatch(w -> w != 16 && w != 32 && w != 64);
    }

    @Test
    void aModelInTrainingModeIsRefusedAndLeftAlone() {
        Module m = resnets().findFirst().orElseThrow().model();
        m.train(true);
        assertThatThrownBy(() -> InferenceFusion.foldBatchNorm(m)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("training mode").hasMessageContaining("ResNet").hasMessageContaining("eval()");
        m.eval();
        m.get("layer2.1").train(true);
        assertThatThrownBy(() -> InferenceFusion.foldBatchNorm(m)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'layer2.1'").hasMessageContaining("training mode");
        assertThat(count(m, BatchNorm2d.class)).isEqualTo(21);
    }

    @Test
    void aFoldedModelIsRefusedByModelFileRatherThanSavedUnloadable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Module m = resnets().findFirst().orElseThrow().model();
        InferenceFusion.foldBatchNorm(m);
        java.nio.file.Path f = dir.resolve("folded.safetensors");
        assertThatThrownBy(() -> dev.sprig.nn.models.ModelFile.save(f, m, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("folded for inference").hasMessageContaining("bn1.running_mean");
        assertThat(f).doesNotExist();
    }

    @Test
    void foldingTwiceChangesNothing() {
        Module m = InferenceFusion.foldBatchNorm(resnets().findFirst().orElseThrow().model());
        assertNothingToFold(m, Tensor.randn(5, 2, INPUT[0], INPUT[1], INPUT[2]));
    }

    @Test
    void theVitHasNothingToFold() {
        Module vit = new ViT(new ViTConfig(3, 16, 4, 10, 48, 2, 4, 12, 96, false), 7);
        vit.eval();
        assertNothingToFold(vit, Tensor.randn(6, 2, INPUT[0], INPUT[1], INPUT[2]));
    }

    /** {@code m} has no conv-BatchNorm pair, and folding leaves its state and its outputs on {@code x} as they were. */
    private static void assertNothingToFold(Module m, Tensor x) {
        float[] before = eval(m, x);
        Map<String, Tensor> state = m.stateDict();
        assertThat(InferenceFusion.convBnPairs(m)).isEmpty();
        InferenceFusion.foldBatchNorm(m);
        assertThat(m.stateDict()).isEqualTo(state);
        assertThat(eval(m, x)).isEqualTo(before);
    }

    /**
     * Convs with and without a bias and with stride, padding, dilation and groups, in a Sequential:
     * the rebuilt conv keeps its settings, a conv with a bias keeps its identity, and a BatchNorm
     * that follows no conv stays.
     */
    @Test
    void sequentialPairsFoldWithEveryConvSetting() {
        Random rng = new Random(9);
        Conv2d withBias = new Conv2d(4, 6, 3, 1, 1, 1, 2, true, rng);
        Sequential s = new Sequential(
                new Conv2d(3, 4, 3, 2, 2, 2, 1, false, rng), new BatchNorm2d(4), new Layers.ReLU(),
                withBias, new BatchNorm2d(6), new BatchNorm2d(6));
        prepare(s);
        Tensor x = Tensor.randn(8, 3, INPUT[0], INPUT[1], INPUT[2]);
        float[] want = eval(s, x);

        assertThat(InferenceFusion.convBnPairs(s)).containsExactly(new ConvBnPairs.Pair("0", "1"), new ConvBnPairs.Pair("3", "4"));
        InferenceFusion.foldBatchNorm(s);

        assertThat(Fixtures.relativeError(want, eval(s, x))).isLessThanOrEqualTo(1e-5);
        Conv2d first = (Conv2d) s.child("0");
        assertThat(new int[] {first.inChannels(), first.outChannels(), first.kernel(), first.stride(), first.padding(),
                first.dilation(), first.groups()}).containsExactly(3, 4, 3, 2, 2, 2, 1);
        assertThat(first.bias()).isNotNull();
        assertThat(s.child("3")).isSameAs(withBias);
        assertThat(s.child("1")).isInstanceOf(Layers.Identity.class);
        assertThat(s.child("4")).isInstanceOf(Layers.Identity.class);
        assertThat(s.child("5")).as("a BatchNorm after a BatchNorm is not folded").isInstanceOf(BatchNorm2d.class);
    }

    /** A module that declares a pair whose BatchNorm is not over its conv's output. */
    static final class Mismatched extends Module implements ConvBnPairs {
        Mismatched() {
            registerModule("conv", new Conv2d(3, 4, 3, 1, 1, false, new Random(1)));
            registerModule("bn", new BatchNorm2d(5));
        }

        @Override
        public List<Pair> convBnPairs() {
            return List.of(new Pair("conv", "bn"));
        }

        @Override
        public Tensor forward(Tensor x) {
            return child("bn").forward(child("conv").forward(x));
        }
    }

    @Test
    void aWrongDeclarationIsRefused() {
        Module m = new Mismatched();
        m.eval();
        assertThatThrownBy(() -> InferenceFusion.foldBatchNorm(m)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'bn' normalises 5 channels").hasMessageContaining("'conv' has 4 output channels");
        assertThat(m.child("bn")).isInstanceOf(BatchNorm2d.class);
    }
}
