package dev.sprig.nn.models;

import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Init;
import dev.sprig.nn.LayerNorm;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.infer.FusedInference;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * Vision Transformer, named as timm: {@code patch_embed, cls_token, pos_embed, blocks.i.{norm1, attn,
 * norm2, mlp.{fc1, act, fc2}}, norm, head}. Linear weights and embeddings are truncated-normal
 * (std 0.02) with zero biases, as timm.
 */
public final class ViT extends Module implements FeatureExtractor {
    private final ViTConfig config;
    private final Parameter clsToken; // [1, 1, d]
    private final Parameter posEmbed; // [1, 1 + patches, d]

    public ViT(ViTConfig config, long seed) {
        this.config = config;
        Random rng = new Random(seed);
        int d = config.dim();
        registerModule("patch_embed", new Conv2d(config.inChannels(), d, config.patchSize(), config.patchSize(), 0, true, rng));
        clsToken = registerParameter("cls_token", Init.truncatedNormal(rng, 0.02f, 1, 1, d));
        posEmbed = registerParameter("pos_embed", Init.truncatedNormal(rng, 0.02f, 1, 1 + config.patches(), d));
        Sequential blocks = new Sequential();
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(new Block(config, rng));
        }
        registerModule("blocks", blocks);
        registerModule("norm", new LayerNorm(d, 1e-6f));
        registerModule("head", new Linear(d, config.classes(), true, rng));
        for (Module m : namedModules().values()) {
            if (m instanceof Linear l) {
                l.weight().set(Init.truncatedNormal(rng, 0.02f, l.outFeatures(), l.inFeatures()));
                if (l.bias() != null) {
                    l.bias().set(Tensor.zeros(l.outFeatures()));
                }
            }
        }
    }

    public ViTConfig config() {
        return config;
    }

    /** A pre-norm transformer block: {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))}. */
    public static final class Block extends Module {
        Block(ViTConfig c, Random rng) {
            registerModule("norm1", new LayerNorm(c.dim(), 1e-6f));
            registerModule("attn", new MultiHeadSelfAttention(c.dim(), c.heads(), c.headDim(), c.fusedQkv(), true, rng));
            registerModule("norm2", new LayerNorm(c.dim(), 1e-6f));
            registerModule("mlp", new Mlp(c.dim(), c.mlpHidden(), rng));
        }

        /**
         * In eval mode without gradients ({@link FusedInference#applies}) the residual adds happen in the
         * epilogues of the attention's projection and of fc2, and the bias and GELU of fc1 in one
         * pass ({@link Functional#linearFused}): the same numbers, bit for bit, with three fewer
         * passes and allocations per block.
         */
        @Override
        public Tensor forward(Tensor x) {
            if (FusedInference.applies(this) && child("attn") instanceof MultiHeadSelfAttention attn && child("mlp") instanceof Mlp mlp) {
                Tensor h = attn.forward(child("norm1").forward(x), x);
                return mlp.forward(child("norm2").forward(h), h);
            }
            Tensor h = x.add(child("attn").forward(child("norm1").forward(x)));
            return h.add(child("mlp").forward(child("norm2").forward(h)));
        }
    }

    /** {@code fc2(gelu(fc1(x)))}: hidden node i is row i of fc1 and column i of fc2. */
    public static final class Mlp extends Module {
        Mlp(int d, int hidden, Random rng) {
            registerModule("fc1", new Linear(d, hidden, true, rng));
            registerModule("act", new Layers.GELU());
            registerModule("fc2", new Linear(hidden, d, true, rng));
        }

        public int hidden() {
            return ((Linear) child("fc1")).outFeatures();
        }

        @Override
        public Tensor forward(Tensor x) {
            return child("fc2").forward(child("act").forward(child("fc1").forward(x)));
        }

        /**
         * {@code residual + forward(x)}; without gradients to record (eval mode,
         * {@link FusedInference#applies}) fc1's bias and GELU are one pass over its product and fc2's
         * bias and the residual another ({@link Functional#linearFused}), bit for bit the same.
         */
        public Tensor forward(Tensor x, Tensor residual) {
            if (!java.util.Arrays.equals(residual.shape(), x.shape())) {
                throw new IllegalArgumentException("mlp: the residual must have the output's shape " + Shape.str(x.shape())
                        + ", got " + Shape.str(residual.shape()));
            }
            if (FusedInference.applies(this) && child("act") instanceof Layers.GELU) {
                Linear fc1 = (Linear) child("fc1");
                Linear fc2 = (Linear) child("fc2");
                Tensor hidden = Functional.linearFused(x, fc1.weight().get(), bias(fc1), null, true);
                return Functional.linearFused(hidden, fc2.weight().get(), bias(fc2), residual, false);
            }
            return residual.add(forward(x));
        }

        private static Tensor bias(Linear l) {
            return l.bias() == null ? null : l.bias().get();
        }
    }

    /** The class token's final features {@code [n, d]} (after the final norm). */
    public Tensor features(Tensor x) {
        if (x.dim() != 4 || x.size(1) != config.inChannels() || x.size(2) != config.imageSize() || x.size(3) != config.imageSize()) {
            throw new IllegalArgumentException("ViT expects input [n, " + config.inChannels() + ", " + config.imageSize() + ", "
                    + config.imageSize() + "], got " + Shape.str(x.shape()));
        }
        int n = x.size(0);
        int d = clsToken.get().size(2); // the current width, which pruning may have reduced below config.dim()
        Tensor patches = child("patch_embed").forward(x).flatten(2, 3).transpose(1, 2); // [n, patches, d]
        Tensor cls = clsToken.get().expand(n, 1, d);
        Tensor h = Functional.concat(List.of(cls, patches), 1).add(posEmbed.get());    // [n, 1 + patches, d]
        h = child("blocks").forward(h);
        h = child("norm").forward(h);
        return h.narrow(1, 0, 1).squeeze(1);                                           // [n, d]
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("head").forward(features(x));
    }
}
