package dev.sprig.nn.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.sprig.kernels.Parallel;
import dev.sprig.nn.LayerNorm;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.prune.FineTuner;
import dev.sprig.prune.Importance;
import dev.sprig.prune.OneShotPruner;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Selection;
import dev.sprig.prune.Shrinker;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import dev.sprig.nn.MultiHeadSelfAttention;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A compiled ViT ({@link ViTPlan}) gives bit for bit the model's own eval-mode forward without
 * gradients: dense, shrunk to random widths (a different number of heads and MLP nodes per block)
 * and to a quarter and a half of every width, with q, k and v apart or fused, with and without
 * biases, heads of 32 and of 12, at batch 1, 5 and 13,
 * in chunks of 1, 3 and 8 images, on one thread and two. Biases, layer norms and the embeddings
 * are randomised first, so that no term of the forward is a zero or a one.
 */
class ViTPlanTest {
    private static final ViTConfig SMALL = ViTConfig.small(3, 32, 4, 10);
    /** Fused q, k, v; 4 heads of 12 (not a whole vector: attention pads v), 3 blocks. */
    private static final ViTConfig FUSED = new ViTConfig(3, 16, 4, 7, 48, 3, 4, 12, 80, true);

    record Case(String name, ViTConfig config, String shrink) {
        ViT model() {
            ViT m = new ViT(config, 21);
            int[] input = {config.inChannels(), config.imageSize(), config.imageSize()};
            if (shrink.equals("random")) {
                PruningGraph g = PruningGraph.of(m, input);
                Shrinker.shrink(m, g, PruningMask.random(g, 7), null);
                Set<Integer> heads = new HashSet<>();
                for (int i = 0; i < config.depth(); i++) {
                    heads.add(((MultiHeadSelfAttention) m.get("blocks." + i + ".attn")).heads());
                }
                assertThat(heads).as("the random widths give the blocks different numbers of heads").hasSizeGreaterThan(1);
            } else if (shrink.equals("no biases")) {
                // Block 1's attention without q, k, v biases, a head without a bias.
                MultiHeadSelfAttention a = (MultiHeadSelfAttention) m.get("blocks.1.attn");
                m.replace("blocks.1.attn", new MultiHeadSelfAttention(a.dim(), a.heads(), a.headDim(), a.isFused(), false, new Random(3)));
                m.replace("head", new Linear(config.dim(), config.classes(), false, new Random(4)));
            } else if (!shrink.equals("dense")) {
                double keep = shrink.equals("quarter") ? 0.25 : 0.5;
                PruningGraph g = PruningGraph.of(m, input);
                new OneShotPruner(Importance.l1(), Selection.uniform(Selection.keepRatio(keep)).roundTo(1), FineTuner.NONE)
                        .prune(m, g, null);
            }
            randomise(m, 5);
            m.eval();
            return m;
        }

        @Override
        public String toString() {
            return name + ", " + shrink;
        }
    }

    /** Every vector parameter (biases, layer norms) and the embeddings moved off their initial zeros and ones. */
    static void randomise(ViT m, long seed) {
        Random rng = new Random(seed);
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.get().dim() == 1 || e.getKey().equals("cls_token") || e.getKey().equals("pos_embed")) {
                float[] d = p.get().storage();
                for (int i = 0; i < d.length; i++) {
                    d[i] += 0.3f * (float) rng.nextGaussian();
                }
            }
        }
    }

    static Stream<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String shrink : new String[] {"dense", "random", "quarter", "half"}) {
            out.add(new Case("ViT small", SMALL, shrink));
        }
        out.add(new Case("ViT, fused qkv, 16x16", FUSED, "dense"));
        out.add(new Case("ViT, fused qkv, 16x16", FUSED, "random"));
        out.add(new Case("ViT small", SMALL, "no biases"));
        out.add(new Case("ViT, fused qkv, 16x16", FUSED, "no biases"));
        return out.stream();
    }

    private static float[] module(ViT m, Tensor x) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bitForBitTheModelsForward(Case c) {
        ViT m = c.model();
        int size = c.config().imageSize();
        int before = Parallel.threads();
        try {
            for (int chunk : new int[] {1, 3, ViTPlan.CHUNK}) {
                ViTPlan plan = ViTPlan.of(m, chunk);
                assertThat(plan.input()).containsExactly(3, size, size);
                for (int threads : new int[] {1, 2}) {
                    Parallel.setThreads(threads);
                    for (int batch : new int[] {1, 5, 13}) {
                        Tensor x = Tensor.randn(100 + batch, batch, 3, size, size);
                        float[] expected = module(m, x);
                        float[] got = plan.forward(x).toArray();
                        assertThat(got).hasSize(batch * c.config().classes());
                        assertArrayEquals(expected, got, c + ", batch " + batch + ", chunk " + chunk + ", " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void featuresAreTheClassTokensAfterTheFinalNorm() {
        ViT m = new Case("ViT small", SMALL, "random").model();
        Tensor x = Tensor.randn(5, 3, 3, 32, 32);
        float[] expected;
        try (GradMode.Scope s = GradMode.noGrad()) {
            expected = m.features(x).toArray();
        }
        Tensor f = ViTPlan.of(m).features(x);
        assertThat(f.shape()).containsExactly(3, ((LayerNorm) m.child("norm")).size());
        assertArrayEquals(expected, f.toArray());
    }

    @Test
    void isASnapshotOfTheModel() {
        ViT m = new Case("ViT small", SMALL, "dense").model();
        Tensor x = Tensor.randn(6, 2, 3, 32, 32);
        ViTPlan plan = ViTPlan.of(m);
        float[] before = module(m, x);
        for (String name : new String[] {"blocks.0.attn.k.weight", "blocks.1.norm2.bias", "head.weight", "pos_embed"}) {
            float[] w = m.namedParameters().get(name).get().storage();
            for (int i = 0; i < w.length; i++) {
                w[i] = -2f * w[i];
            }
        }
        assertThat(module(m, x)).as("the model changed").isNotEqualTo(before);
        assertArrayEquals(before, plan.forward(x).toArray(), "the plan keeps the weights it was made with");
    }

    @Test
    void rejectsWhatItCannotRun() {
        ViT m = new ViT(FUSED, 5);
        assertThatThrownBy(() -> ViTPlan.of(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training mode").hasMessageContaining("eval()");
        m.eval();
        assertThatThrownBy(() -> ViTPlan.of(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> ViTPlan.of(m, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk must be >= 1, got 0");
        ViTPlan plan = ViTPlan.of(m);
        assertThatThrownBy(() -> plan.forward(Tensor.randn(1, 1, 3, 32, 32))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[n, 3, 16, 16]").hasMessageContaining("[1, 3, 32, 32]");
        assertThatThrownBy(() -> plan.forward(Tensor.randn(1, 1, 3, 16))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1, 3, 16]");
        assertThatThrownBy(() -> plan.forward(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        m.replace("blocks.1.mlp.act", new dev.sprig.nn.Layers.Identity());
        assertThatThrownBy(() -> ViTPlan.of(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks.1.mlp must be fc1, GELU, fc2");
        ViT other = new ViT(FUSED, 6);
        other.eval();
        other.replace("head", new Linear(40, 7, true, new Random(1)));
        assertThatThrownBy(() -> ViTPlan.of(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("head must be a Linear over 48 features");
        ViT third = new ViT(FUSED, 7);
        third.eval();
        third.replace("blocks.2.attn.qkv", new Linear(48, 100, true, new Random(2)));
        assertThatThrownBy(() -> ViTPlan.of(third)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks.2.attn.qkv must be [72, 48]");
        ViT fourth = new ViT(FUSED, 8);
        fourth.eval();
        fourth.replace("patch_embed", new dev.sprig.nn.Layers.Identity());
        assertThatThrownBy(() -> ViTPlan.of(fourth)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("patch_embed must be a Conv2d");
    }
}
