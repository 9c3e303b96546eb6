package dev.sprig.nn.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.BasicBlock;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.prune.Fixtures;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Shrinker;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused inference path of the ResNets ({@link FusedConv}): in eval mode without gradients it
 * computes what the separate ops compute, dense, shrunk to uneven widths, folded or not; in
 * training or with grad mode on the models keep the separate ops.
 */
class FusedConvTest {
    private static final int[] INPUT = {3, 16, 16}; // [c, h, w]

    /** A prepared eval-mode model (see {@link InferenceFusionTest#prepare}), shrunk and folded as named. */
    record Case(String name, Supplier<Module> dense, boolean shrink, boolean fold) {
        Module model() {
            Module m = dense.get();
            InferenceFusionTest.prepare(m);
            if (shrink) {
                PruningGraph g = PruningGraph.of(m, INPUT);
                Shrinker.shrink(m, g, PruningMask.random(g, 5), null);
                m.eval();
            }
            if (fold) {
                InferenceFusion.foldBatchNorm(m);
            }
            return m;
        }

        @Override
        public String toString() {
            return name + (shrink ? " shrunk" : " dense") + (fold ? ", folded" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (boolean shrink : new boolean[] {false, true}) {
            for (boolean fold : new boolean[] {false, true}) {
                out.add(new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 11), shrink, fold));
                out.add(new Case("ResNet-18 (small stem)", () -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL), 11),
                        shrink, fold));
            }
        }
        return out.stream();
    }

    /** The eval-mode forward with grad mode on: the separate ops (and a recorded graph). */
    private static float[] unfused(Module m, Tensor x) {
        try (GradMode.Scope s = GradMode.enableGrad()) {
            return m.forward(x).toArray();
        }
    }

    /** The eval-mode forward without gradients: the fused path. */
    private static float[] fused(Module m, Tensor x) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertThat(FusedInference.applies(m)).as("the fused path applies in eval without gradients").isTrue();
            return m.forward(x).toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theFusedPathComputesWhatTheSeparateOpsCompute(Case c) {
        Module m = c.model();
        for (int batch : new int[] {1, 3}) {
            Tensor x = Tensor.randn(200 + batch, batch, INPUT[0], INPUT[1], INPUT[2]);
            float[] expected = unfused(m, x);
            float[] actual = fused(m, x);
            assertThat(Fixtures.relativeError(expected, actual)).as("%s at batch %d", c, batch).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void theShrunkCasesHaveUnevenWidths() {
        for (Case c : cases().filter(Case::shrink).toList()) {
            List<Integer> widths = new ArrayList<>();
            for (Module m : c.model().namedModules().values()) {
                if (m instanceof Conv2d conv) {
                    widths.add(conv.outChannels());
                }
            }
            assertThat(widths).as("conv widths of %s", c).anyMatch(w -> Integer.bitCount(w) != 1);
        }
    }

    /**
     * Witness that the no-grad forward really runs fused: with a biased conv before an unfolded
     * BatchNorm the fused epilogue computes {@code conv·s + (b·s + t)} where the separate ops compute
     * {@code (conv + b)·s + t}, so the two differ in the last bits (while agreeing to 1e-5).
     */
    @Test
    void theNoGradForwardIsTheFusedOne() {
        Random rng = new Random(3);
        BasicBlock block = new BasicBlock(3, 10, 2, rng);
        block.replace("conv1", new Conv2d(3, 10, 3, 2, 1, true, rng));
        block.replace("conv2", new Conv2d(10, 10, 3, 1, 1, true, rng));
        InferenceFusionTest.prepare(block);
        Tensor x = Tensor.randn(5, 2, INPUT[0], INPUT[1], INPUT[2]);
        float[] expected = unfused(block, x);
        float[] actual = fused(block, x);
        assertThat(Fixtures.relativeError(expected, actual)).isLessThanOrEqualTo(1e-5);
        assertThat(actual).as("the no-grad output is not the separate ops' bit for bit").isNotEqualTo(expected);
    }

    /**
     * A BasicBlock's two convolutions as one pair ({@link FusedConv#forwardPair}) are bit for bit
     * the two fused convolutions one after the other, at stride 1 (where the pair runs each image
     * through both) and at stride 2 (where it falls back); with grad mode on, the separate ops.
     */
    @Test
    void aPairIsTheTwoFusedConvolutions() {
        for (int stride : new int[] {1, 2}) {
            Random rng = new Random(7 + stride);
            BasicBlock block = new BasicBlock(3, 6, stride, rng); // prepare() runs it on 3-channel inputs
            InferenceFusionTest.prepare(block);
            Module conv1 = block.child("conv1"), bn1 = block.child("bn1"), conv2 = block.child("conv2"), bn2 = block.child("bn2");
            Tensor x = Tensor.randn(9, 3, 3, 16, 16);
            int out = 16 / stride;
            Tensor residual = Tensor.randn(10, 3, 6, out, out);
            try (GradMode.Scope s = GradMode.noGrad()) {
                Tensor h = FusedConv.forward(conv1, bn1, x, null, true);
                float[] expected = FusedConv.forward(conv2, bn2, h, residual, true).toArray();
                float[] pair = FusedConv.forwardPair(conv1, bn1, true, conv2, bn2, x, residual, true).toArray();
                assertThat(pair).as("stride %d", stride).containsExactly(expected);
            }
            Tensor separate = bn2.forward(conv2.forward(bn1.forward(conv1.forward(x)).relu())).add(residual).relu();
            Tensor withGrad = FusedConv.forwardPair(conv1, bn1, true, conv2, bn2, x, residual, true);
            assertThat(withGrad.toArray()).as("grad mode on, stride %d", stride).containsExactly(separate.toArray());
            assertThat(withGrad.requiresGrad()).as("a recorded graph").isTrue();
        }
    }

    /** In eval mode with grad mode on the block records its graph: gradients reach every conv (the fused op would refuse). */
    @Test
    void gradientsStillFlowInEvalModeWithGradEnabled() {
        Module m = new ResNet(ResNetConfig.resnet20(3, 10), 4);
        m.eval();
        assertThat(FusedInference.applies(m)).isFalse();
        Tensor x = Tensor.randn(6, 2, INPUT[0], INPUT[1], INPUT[2]);
        m.forward(x).sum().backward();
        for (String conv : List.of("conv1", "layer1.0.conv1", "layer2.0.conv2", "layer2.0.downsample.0", "layer3.2.conv2")) {
            Tensor grad = ((Conv2d) m.get(conv)).weight().get().grad();
            assertThat(grad).as("gradient of %s", conv).isNotNull();
            assertThat(grad.abs().sum().item()).as("|gradient| of %s", conv).isGreaterThan(0f);
        }
    }

    /** In training mode, even without gradients, BatchNorm normalises with the batch and updates its running statistics. */
    @Test
    void trainingModeKeepsTheSeparateOps() {
        Module m = new ResNet(ResNetConfig.resnet20(3, 10), 4);
        m.train(true);
        BatchNorm2d bn = (BatchNorm2d) m.get("layer2.0.bn2");
        BatchNorm2d stem = (BatchNorm2d) m.get("bn1");
        float[] before = bn.runningMean().get().toArray();
        float[] stemBefore = stem.runningMean().get().toArray();
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertThat(FusedInference.applies(m)).isFalse();
            m.forward(Tensor.randn(7, 2, INPUT[0], INPUT[1], INPUT[2]));
        }
        assertThat(bn.runningMean().get().toArray()).as("running mean of layer2.0.bn2").isNotEqualTo(before);
        assertThat(stem.runningMean().get().toArray()).as("running mean of the stem's bn1").isNotEqualTo(stemBefore);
    }

    /** A BatchNorm left in training mode inside an eval-mode block is run as BatchNorm, not folded into an epilogue. */
    @Test
    void aBatchNormInTrainingModeIsNotFused() {
        Random rng = new Random(8);
        BasicBlock block = new BasicBlock(4, 4, 1, rng);
        block.eval();
        BatchNorm2d bn1 = (BatchNorm2d) block.child("bn1");
        bn1.train(true);
        float[] before = bn1.runningMean().get().toArray();
        try (GradMode.Scope s = GradMode.noGrad()) {
            block.forward(Tensor.randn(9, 2, 4, 6, 6));
        }
        assertThat(bn1.runningMean().get().toArray()).isNotEqualTo(before);
    }

    /** Any other norm module runs after the conv as itself; the fused op refuses to run where gradients are recorded. */
    @Test
    void otherModulesRunUnfusedAndTheFusedOpNeedsNoGrad() {
        Random rng = new Random(9);
        Conv2d conv = new Conv2d(3, 5, 3, 1, 1, true, rng);
        conv.eval();
        Module norm = new Layers.ReLU();
        Tensor x = Tensor.randn(10, 2, 3, 7, 7);
        Tensor residual = Tensor.randn(11, 2, 5, 7, 7);
        try (GradMode.Scope s = GradMode.noGrad()) {
            float[] expected = conv.forward(x).relu().add(residual).toArray();
            assertThat(FusedConv.forward(conv, norm, x, residual, false).toArray()).containsExactly(expected);
            float[] identity = conv.forward(x).add(residual).relu().toArray();
            assertThat(FusedConv.forward(conv, new Layers.Identity(), x, residual, true).toArray()).containsExactly(identity);
        }
        // With grad mode on it runs the separate ops, which record the graph.
        Tensor withGrad = FusedConv.forward(conv, new Layers.Identity(), x, null, true);
        assertThat(withGrad.gradFn()).isNotNull();
        assertThat(withGrad.toArray()).containsExactly(conv.forward(x).relu().toArray());
    }

    /** A frozen conv before a trainable BatchNorm, grad mode on: the BatchNorm must still get its gradients. */
    @Test
    void withGradModeOnTheBatchNormStillGetsItsGradients() {
        Random rng = new Random(12);
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, false, rng);
        conv.weight().get().requiresGrad(false);
        BatchNorm2d bn = new BatchNorm2d(4);
        conv.eval();
        bn.eval();
        Tensor x = Tensor.randn(13, 2, 3, 5, 5);
        FusedConv.forward(conv, bn, x, null, true).sum().backward();
        assertThat(bn.weight().get().grad()).as("dL/dγ").isNotNull();
        assertThat(bn.bias().get().grad().abs().sum().item()).as("|dL/dβ|").isGreaterThan(0f);
    }
}
