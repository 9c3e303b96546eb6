package dev.sprig.nn.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.sprig.kernels.Parallel;
import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Linear;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.prune.Importance;
import dev.sprig.prune.OneShotPruner;
import dev.sprig.prune.FineTuner;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Selection;
import dev.sprig.prune.Shrinker;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A compiled ResNet ({@link ResNetPlan}) gives bit for bit the model's own eval-mode forward
 * without gradients: dense, shrunk to random uneven widths and to a quarter of every width, with
 * BatchNorms folded or not, both stems, at batch 1 and 5, on one thread and two. Its activations
 * cover every kernel path: whole output rows (32 and 16 wide at 16 lanes), rows of half a vector
 * (8 wide), the buffered GEMM (4 and 2 wide, and K above one slice), stride-2 phase splits shared
 * by the 1x1 shortcut.
 */
class ResNetPlanTest {
    record Case(String name, Supplier<ResNet> dense, int size, String shrink, boolean fold) {
        ResNet model() {
            ResNet m = dense.get();
            InferenceFusionTest.prepare(m);
            int[] input = {3, size, size};
            if (shrink.equals("random")) {
                PruningGraph g = PruningGraph.of(m, input);
                Shrinker.shrink(m, g, PruningMask.random(g, 7), null);
            } else if (shrink.equals("quarter")) {
                PruningGraph g = PruningGraph.of(m, input);
                new OneShotPruner(Importance.l1(), Selection.uniform(Selection.keepRatio(0.25)).roundTo(1), FineTuner.NONE)
                        .prune(m, g, null);
            }
            m.eval();
            if (fold) {
                InferenceFusion.foldBatchNorm(m);
            }
            return m;
        }

        @Override
        public String toString() {
            return name + " " + size + "x" + size + ", " + shrink + (fold ? ", folded" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String shrink : new String[] {"dense", "random", "quarter"}) {
            out.add(new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 11), 32, shrink, false));
            out.add(new Case("ResNet-18 (small stem)", () -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL), 11),
                    32, shrink, false));
        }
        out.add(new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 12), 32, "random", true));
        out.add(new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 13), 20, "random", false)); // rows of 20, 10, 5
        out.add(new Case("ResNet-18 (ImageNet stem)", () -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.IMAGENET), 11),
                64, "random", true));
        return out.stream();
    }

    private static float[] module(ResNet m, Tensor x) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bitForBitTheModelsForward(Case c) {
        ResNet m = c.model();
        ResNetPlan plan = ResNetPlan.of(m, c.size(), c.size());
        assertThat(plan.input()).containsExactly(3, c.size(), c.size());
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int batch : new int[] {1, 5}) {
                    Tensor x = Tensor.randn(100 + batch, batch, 3, c.size(), c.size());
                    float[] expected = module(m, x);
                    float[] got = plan.forward(x).toArray();
                    assertArrayEquals(expected, got, c + ", batch " + batch + ", " + threads + " threads");
                    assertThat(plan.forward(x).toArray()).as("a second call reuses the planes").containsExactly(got);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Blocks from {@code split} on run over chunks of images (by default only from a block with a
     * convolution of 256 Ki weights, ResNet-18's third stage): from the first block, from the middle
     * and from the last, in chunks of 1, 2 and 3 images, batch 5 (chunks of 3 and 2 on two threads),
     * still bit for bit the model's forward.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void chunksOfImagesAreBitForBitTheModelsForward(Case c) {
        ResNet m = c.model();
        int blocks = 0;
        for (int st = 1; st <= m.stages(); st++) {
            blocks += ((dev.sprig.nn.Sequential) m.child("layer" + st)).size();
        }
        Tensor x = Tensor.randn(200, 5, 3, c.size(), c.size());
        float[] expected = module(m, x);
        int before = Parallel.threads();
        try {
            for (int split : new int[] {0, blocks / 2, blocks - 1}) {
                for (int chunk : new int[] {1, 2, 3}) {
                    ResNetPlan plan = ResNetPlan.of(m, c.size(), c.size(), chunk, split);
                    for (int threads : new int[] {1, 2}) {
                        Parallel.setThreads(threads);
                        assertArrayEquals(expected, plan.forward(x).toArray(), c + ", from block " + split + " in chunks of " + chunk + ", "
                                + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertThatThrownBy(() -> ResNetPlan.of(m, c.size(), c.size(), 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunk=0");
    }

    /** By default only a block with a convolution of 256 Ki weights on the buffered GEMM starts the chunks. */
    @Test
    void chunksStartAtTheFirstHeavyBlock() {
        ResNet r18 = new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL), 5);
        InferenceFusionTest.prepare(r18);
        r18.eval();
        assertThat(ResNetPlan.of(r18, 32, 32).split()).as("ResNet-18: from layer3.0 (128 -> 256 channels, 295 Ki weights)")
                .isEqualTo(4);
        ResNet r20 = new ResNet(ResNetConfig.resnet20(3, 10), 5);
        InferenceFusionTest.prepare(r20);
        r20.eval();
        assertThat(ResNetPlan.of(r20, 32, 32).split()).as("ResNet-20: no chunks (36 Ki weights at most)").isEqualTo(9);
    }

    @Test
    void featuresArePooledLastActivations() {
        ResNet m = new ResNet(ResNetConfig.resnet20(3, 10), 3);
        InferenceFusionTest.prepare(m);
        Tensor x = Tensor.randn(5, 2, 3, 32, 32);
        float[] expected;
        try (GradMode.Scope s = GradMode.noGrad()) {
            expected = m.features(x).toArray();
        }
        Tensor f = ResNetPlan.of(m, 32, 32).features(x);
        assertThat(f.shape()).containsExactly(2, 64);
        assertArrayEquals(expected, f.toArray());
    }

    @Test
    void isASnapshotOfTheModel() {
        ResNet m = new ResNet(ResNetConfig.resnet20(3, 10), 4);
        InferenceFusionTest.prepare(m);
        Tensor x = Tensor.randn(6, 1, 3, 32, 32);
        ResNetPlan plan = ResNetPlan.of(m, 32, 32);
        float[] before = module(m, x);
        // The stem's weights, a block's BatchNorm statistics and the classifier's weights change in place.
        float[] w = ((Conv2d) m.child("conv1")).weight().get().storage();
        for (int i = 0; i < w.length; i++) {
            w[i] *= -2f;
        }
        float[] mean = ((BatchNorm2d) m.child("layer2").child("0").child("bn2")).runningMean().get().storage();
        for (int i = 0; i < mean.length; i++) {
            mean[i] += 1f;
        }
        float[] fc = ((Linear) m.child("fc")).weight().get().storage();
        for (int i = 0; i < fc.length; i++) {
            fc[i] = -fc[i];
        }
        assertThat(module(m, x)).as("the model changed").isNotEqualTo(before);
        assertArrayEquals(before, plan.forward(x).toArray(), "the plan keeps the weights it was made with");
    }

    @Test
    void rejectsWhatItCannotRun() {
        ResNet m = new ResNet(ResNetConfig.resnet20(3, 10), 5);
        assertThatThrownBy(() -> ResNetPlan.of(m, 32, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training mode").hasMessageContaining("eval()");
        m.eval();
        assertThatThrownBy(() -> ResNetPlan.of(null, 32, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> ResNetPlan.of(m, 0, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x32");
        ResNetPlan plan = ResNetPlan.of(m, 32, 32);
        assertThatThrownBy(() -> plan.forward(Tensor.randn(1, 1, 3, 16, 16))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[n, 3, 32, 32]").hasMessageContaining("[1, 3, 16, 16]");
        assertThatThrownBy(() -> plan.forward(Tensor.randn(1, 1, 3, 32))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1, 3, 32]");
        assertThatThrownBy(() -> plan.forward(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        ResNet replaced = new ResNet(ResNetConfig.resnet20(3, 10), 6);
        replaced.eval();
        replaced.replace("layer2.0.downsample.0", new dev.sprig.nn.Layers.Identity());
        assertThatThrownBy(() -> ResNetPlan.of(replaced, 32, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet plan: layer2.0.downsample.0 must be a Conv2d, got Identity");
    }
}
