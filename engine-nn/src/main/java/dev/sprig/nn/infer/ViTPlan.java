package dev.sprig.nn.infer;

import dev.sprig.kernels.attention.Attention;
import dev.sprig.kernels.conv.Conv2d;
import dev.sprig.kernels.conv.Conv2dShape;
import dev.sprig.kernels.gemm.PackedLinear;
import dev.sprig.kernels.vec.Activations;
import dev.sprig.kernels.vec.RowKernels;
import dev.sprig.nn.LayerNorm;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ViT;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A ViT compiled for inference: what {@link ResNetPlan} is to a ResNet. Its weights are copied
 * and packed once ({@link PackedLinear}; a block's q, k and v as one {@code [3·heads·headDim, d]}
 * matrix, so the three projections are one product), and the images go through the network a chunk at a time in per-thread
 * activation buffers that are allocated once and reused: no layer allocates (and so zeroes) a new
 * tensor, copies a view to make it contiguous, or splits its work again. Per block and chunk:
 * layer norm, the q, k, v product with its bias, {@link Attention} straight off that product's
 * column blocks, then the projection, layer norm, fc1 with bias and GELU and fc2, each product
 * followed by its bias, activation and residual in one pass ({@link Activations#linearEpilogue}).
 *
 * <p>Only the class token's row is read after the last block (the final norm and the head), so
 * the last block's projection, MLP and layer norm run on that row alone; its attention still
 * reads every token's key and value.
 *
 * <p>The output is bit for bit the model's own eval-mode forward without gradients ({@code
 * model.forward} under {@link GradMode#noGrad}), for any thread count and chunk: every element
 * goes through the same operations in the same order, and every kernel here gives a row the same
 * result wherever it lies in a product ({@code ViTPlanTest}).
 *
 * <p>A plan is a snapshot: later changes to the model (training, pruning, loading) do not reach
 * it; make a new one. The model must be in eval mode. A plan may be used by several threads at
 * once (its buffers are per thread).
 *
 * <pre>{@code
 * ViTPlan plan = ViTPlan.of(vit.eval());
 * Tensor logits = plan.forward(images); // [n, classes]
 * }</pre>
 */
public final class ViTPlan {
    /**
     * Images per chunk: 520 token rows, whose buffers are about 2 MB at the dense small ViT's widths
     * and 0.5 MB at a quarter of them. At batch 64 chunks of 4, 8, 16 and 64 images ran within a few
     * per cent of each other (8 the fastest, one-thread harness).
     */
    static final int CHUNK = 8;

    private final int inChannels;
    private final int imageSize;
    /** Tokens per image: the class token and the patches. */
    private final int tokens;
    private final int patches;
    private final int d;
    private final Conv2dShape patchShape;
    private final float[] patchWeight;
    private final float[] patchBias;
    /** {@code cls + pos[0]} is computed per image, as the model does; both copied. */
    private final float[] cls;
    private final float[] pos;
    private final List<Block> blocks;
    private final Norm norm;
    private final PackedLinear head;
    private final float[] headBias;
    private final int classes;
    private final int chunk;
    private final ThreadLocal<Buffers> buffers;

    /** A layer norm's γ, β and ε. */
    private record Norm(float[] gamma, float[] beta, float eps) {}

    /**
     * A transformer block: q, k, v stacked ({@code [3·inner, d]}, bias {@code [3·inner]} or null),
     * the projection {@code [d, inner]}, fc1 {@code [hidden, d]} and fc2 {@code [d, hidden]}.
     */
    private record Block(Norm norm1, PackedLinear qkv, float[] qkvBias, int heads, int headDim, float scale, PackedLinear proj,
                         float[] projBias, Norm norm2, PackedLinear fc1, float[] fc1Bias, int hidden, PackedLinear fc2, float[] fc2Bias) {
        int inner() {
            return heads * headDim;
        }
    }

    /**
     * One thread's buffers for a chunk of images, built from sizes alone (a thread's buffers must
     * not hold the plan, whose ThreadLocal keys them; see ResNetPlan): the tokens and the next
     * tokens, the normed tokens, the tokens after attention, q|k|v, the attention's output, the MLP's hidden layer, one image's
     * patch embedding, the class rows of the last block, and the features.
     */
    private static final class Buffers {
        final float[] h;
        final float[] next;
        final float[] normed;
        final float[] mid;
        final float[] qkv;
        final float[] attn;
        final float[] hidden;
        final float[] patch;
        final float[] clsAttn;
        final float[] clsIn;
        final float[] clsMid;
        final float[] clsOut;

        Buffers(int rows, int d, int qkvWidth, int inner, int hiddenWidth, int patchFloats, int chunk) {
            h = new float[rows * d];
            next = new float[rows * d];
            normed = new float[rows * d];
            mid = new float[rows * d];
            qkv = new float[rows * qkvWidth];
            attn = new float[rows * inner];
            hidden = new float[rows * hiddenWidth];
            patch = new float[patchFloats];
            clsAttn = new float[chunk * inner];
            clsIn = new float[chunk * d];
            clsMid = new float[chunk * d];
            clsOut = new float[chunk * d];
        }
    }

    private ViTPlan(ViT model, int chunk) {
        var config = model.config();
        this.chunk = chunk;
        this.inChannels = config.inChannels();
        this.imageSize = config.imageSize();
        this.patches = config.patches();
        this.tokens = 1 + patches;
        if (!(model.child("patch_embed") instanceof dev.sprig.nn.Conv2d pe)) {
            throw new IllegalArgumentException("vit plan: patch_embed must be a Conv2d, got " + model.child("patch_embed"));
        }
        this.d = pe.outChannels();
        if (pe.groups() != 1 || pe.dilation() != 1 || pe.inChannels() != inChannels) {
            throw new IllegalArgumentException("vit plan: the patch embedding must be a plain convolution over " + inChannels
                    + " channels, got " + pe);
        }
        this.patchShape = new Conv2dShape(1, inChannels, imageSize, imageSize, d, pe.kernel(), pe.kernel(), pe.stride(), pe.stride(),
                pe.padding(), pe.padding(), 1, 1, 1);
        if (patchShape.outH() * patchShape.outW() != patches) {
            throw new IllegalArgumentException("vit plan: the patch embedding gives " + patchShape.outH() + "x" + patchShape.outW()
                    + " patches, the config " + patches);
        }
        this.patchWeight = data(pe.weight().get());
        this.patchBias = pe.bias() == null ? null : data(pe.bias().get());
        this.cls = data(model.parameter("cls_token").get());
        this.pos = data(model.parameter("pos_embed").get());
        if (cls.length != d || pos.length != tokens * d) {
            throw new IllegalArgumentException("vit plan: cls_token and pos_embed must be [1, 1, " + d + "] and [1, " + tokens + ", "
                    + d + "], got " + Shape.str(model.parameter("cls_token").get().shape()) + " and "
                    + Shape.str(model.parameter("pos_embed").get().shape()));
        }
        List<Block> bl = new ArrayList<>();
        if (!(model.child("blocks") instanceof Sequential seq)) {
            throw new IllegalArgumentException("vit plan: blocks must be a Sequential of ViT blocks, got " + model.child("blocks"));
        }
        int maxQkv = 0, maxInner = 0, maxHidden = 0;
        for (int i = 0; i < seq.size(); i++) {
            Block b = block(i, seq.child(Integer.toString(i)));
            bl.add(b);
            maxQkv = Math.max(maxQkv, 3 * b.inner());
            maxInner = Math.max(maxInner, b.inner());
            maxHidden = Math.max(maxHidden, b.hidden());
        }
        if (bl.isEmpty()) {
            throw new IllegalArgumentException("vit plan: the model has no blocks");
        }
        this.blocks = List.copyOf(bl);
        this.norm = norm("norm", model.child("norm"));
        Linear head = linear("head", model.child("head"), d);
        this.head = packed(head);
        this.headBias = bias(head);
        this.classes = head.outFeatures();
        int rows = chunk * tokens;
        int qkvWidth = maxQkv, inner = maxInner, hiddenWidth = maxHidden, dd = d;
        int patchFloats = d * patches;
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(rows, dd, qkvWidth, inner, hiddenWidth, patchFloats, chunk));
    }

    private Block block(int i, Module m) {
        String at = "blocks." + i;
        if (!(m instanceof ViT.Block)) {
            throw new IllegalArgumentException("vit plan: " + at + " must be a ViT block, got " + m);
        }
        if (!(m.child("attn") instanceof MultiHeadSelfAttention attn) || attn.dim() != d) {
            throw new IllegalArgumentException("vit plan: " + at + ".attn must be attention over " + d + " features, got " + m.child("attn"));
        }
        int heads = attn.heads(), hd = attn.headDim(), inner = heads * hd;
        float[] qkv = new float[3 * inner * d];
        float[] qkvBias;
        if (attn.isFused()) {
            Linear l = linear(at + ".attn.qkv", attn.child("qkv"), d);
            if (l.outFeatures() != 3 * inner) {
                throw new IllegalArgumentException("vit plan: " + at + ".attn.qkv must be [" + 3 * inner + ", " + d + "] (q, k and v of "
                        + heads + " heads of " + hd + "), got " + l);
            }
            System.arraycopy(elements(l.weight().get()), 0, qkv, 0, qkv.length);
            qkvBias = l.bias() == null ? null : data(l.bias().get());
        } else {
            Linear[] parts = {linear(at + ".attn.q", attn.child("q"), d), linear(at + ".attn.k", attn.child("k"), d),
                    linear(at + ".attn.v", attn.child("v"), d)};
            boolean biased = parts[0].bias() != null;
            qkvBias = biased ? new float[3 * inner] : null;
            for (int p = 0; p < 3; p++) {
                if (parts[p].outFeatures() != inner || (parts[p].bias() != null) != biased) {
                    throw new IllegalArgumentException("vit plan: " + at + ".attn's q, k and v must be alike, [" + inner + ", " + d
                            + "] with or without a bias, got " + parts[0] + ", " + parts[1] + ", " + parts[2]);
                }
                System.arraycopy(elements(parts[p].weight().get()), 0, qkv, p * inner * d, inner * d);
                if (biased) {
                    System.arraycopy(elements(parts[p].bias().get()), 0, qkvBias, p * inner, inner);
                }
            }
        }
        Linear proj = linear(at + ".attn.proj", attn.child("proj"), inner);
        if (proj.outFeatures() != d) {
            throw new IllegalArgumentException("vit plan: " + at + ".attn.proj must give " + d + " features, got " + proj);
        }
        Module mlp = m.child("mlp");
        if (!(mlp instanceof ViT.Mlp) || !(mlp.child("act") instanceof Layers.GELU)) {
            throw new IllegalArgumentException("vit plan: " + at + ".mlp must be fc1, GELU, fc2, got " + mlp);
        }
        Linear fc1 = linear(at + ".mlp.fc1", mlp.child("fc1"), d);
        Linear fc2 = linear(at + ".mlp.fc2", mlp.child("fc2"), fc1.outFeatures());
        if (fc2.outFeatures() != d) {
            throw new IllegalArgumentException("vit plan: " + at + ".mlp.fc2 must give " + d + " features, got " + fc2);
        }
        return new Block(norm(at + ".norm1", m.child("norm1")), PackedLinear.of(qkv, 0, 3 * inner, d), qkvBias, heads, hd,
                Attention.scale(hd), packed(proj), bias(proj), norm(at + ".norm2", m.child("norm2")), packed(fc1), bias(fc1),
                fc1.outFeatures(), packed(fc2), bias(fc2));
    }

    private Norm norm(String at, Module m) {
        if (!(m instanceof LayerNorm ln) || ln.size() != d) {
            throw new IllegalArgumentException("vit plan: " + at + " must be a LayerNorm over " + d + " features, got " + m);
        }
        return new Norm(data(ln.parameter("weight").get()), data(ln.parameter("bias").get()), ln.eps());
    }

    private static Linear linear(String at, Module m, int in) {
        if (!(m instanceof Linear l) || l.inFeatures() != in) {
            throw new IllegalArgumentException("vit plan: " + at + " must be a Linear over " + in + " features, got " + m);
        }
        return l;
    }

    /** l's weight packed for its products ({@link PackedLinear}). */
    private static PackedLinear packed(Linear l) {
        return PackedLinear.of(elements(l.weight().get()), 0, l.outFeatures(), l.inFeatures()); // it copies them
    }

    private static float[] bias(Linear l) {
        return l.bias() == null ? null : data(l.bias().get());
    }

    /** A copy of t's elements in row-major order. */
    private static float[] data(Tensor t) {
        return elements(t).clone();
    }

    /** t's elements in row-major order, possibly its own storage: read only, for copying from. */
    private static float[] elements(Tensor t) {
        return t.contiguous().rowMajorData();
    }

    /**
     * Compiles {@code model} for its config's input size.
     *
     * @throws IllegalArgumentException if the model is in training mode or is not built as {@link ViT} builds it
     */
    public static ViTPlan of(ViT model) {
        return of(model, CHUNK);
    }

    /** As {@link #of(ViT)}, {@code chunk} images at a time (at least 1): tests use it to vary how rows are grouped. */
    static ViTPlan of(ViT model, int chunk) {
        if (model == null) {
            throw new IllegalArgumentException("vit plan: the model must not be null");
        }
        if (model.isTraining()) {
            throw new IllegalArgumentException("vit plan: the model is in training mode; call eval() first");
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("vit plan: chunk must be >= 1, got " + chunk);
        }
        return new ViTPlan(model, chunk);
    }

    /** The input size this plan was made for: {@code {inChannels, imageSize, imageSize}}. */
    public int[] input() {
        return new int[] {inChannels, imageSize, imageSize};
    }

    /** Logits {@code [n, classes]} of images {@code x [n, inChannels, imageSize, imageSize]}. */
    public Tensor forward(Tensor x) {
        return run(x, true);
    }

    /** The class token's final features {@code [n, d]} (after the final norm), as {@link ViT#features}. */
    public Tensor features(Tensor x) {
        return run(x, false);
    }

    private Tensor run(Tensor x, boolean logits) {
        if (x == null || x.dim() != 4 || x.size(1) != inChannels || x.size(2) != imageSize || x.size(3) != imageSize) {
            throw new IllegalArgumentException("vit plan: expects input [n, " + inChannels + ", " + imageSize + ", " + imageSize
                    + "], got " + (x == null ? "null" : Shape.str(x.shape())));
        }
        int n = x.size(0);
        float[] src = x.detach().contiguous().rowMajorData();
        int width = logits ? classes : d;
        float[] out = new float[n * width];
        Plans.items((n + chunk - 1) / chunk, (c, threads) -> chunk(src, c * chunk, Math.min(chunk, n - c * chunk), logits, out, threads));
        return Tensor.fromStorage(out, n, width);
    }

    /** Images {@code first .. first + count} of x to their logits (or features) in out. */
    private void chunk(float[] x, int first, int count, boolean logits, float[] out, int threads) {
        Buffers b = buffers.get();
        int rows = count * tokens;
        embed(x, first, count, b);
        float[] h = b.h;
        float[] next = b.next;
        float[] clsOut = b.clsOut;
        for (int i = 0; i < blocks.size(); i++) {
            Block blk = blocks.get(i);
            int inner = blk.inner(), w = 3 * inner;
            layerNorm(h, rows, blk.norm1(), b.normed, 0);
            blk.qkv().apply(b.normed, 0, rows, b.qkv, 0, threads);
            if (blk.qkvBias() != null) {
                Activations.linearEpilogue(b.qkv, 0, blk.qkvBias(), false, null, 0, rows, w);
            }
            Attention.forward(count, tokens, blk.heads(), blk.headDim(), blk.scale(), b.qkv, 0, w, b.qkv, inner, w, b.qkv, 2 * inner, w,
                    b.attn, 0, inner);
            if (i < blocks.size() - 1) {
                residualMlp(blk, b.attn, h, b.mid, next, rows, b, threads);
                float[] s = h;
                h = next;
                next = s;
            } else {
                // Only the class rows go on: the final norm and the head read nothing else.
                for (int img = 0; img < count; img++) {
                    System.arraycopy(b.attn, img * tokens * inner, b.clsAttn, img * inner, inner);
                    System.arraycopy(h, img * tokens * d, b.clsIn, img * d, d);
                }
                residualMlp(blk, b.clsAttn, b.clsIn, b.clsMid, clsOut, count, b, threads);
            }
        }
        if (!logits) {
            layerNorm(clsOut, count, norm, out, first * d);
            return;
        }
        layerNorm(clsOut, count, norm, b.clsMid, 0);
        head.apply(b.clsMid, 0, count, out, first * classes, threads);
        if (headBias != null) {
            Activations.linearEpilogue(out, first * classes, headBias, false, null, 0, count, classes);
        }
    }

    /**
     * {@code mid = x + proj(attn)}, then {@code out = mid + fc2(gelu(fc1(norm2(mid))))}, over {@code rows}
     * rows: x, mid and out {@code [rows, d]}, attn {@code [rows, inner]}; the normed rows go through b.normed.
     */
    private void residualMlp(Block blk, float[] attn, float[] x, float[] mid, float[] out, int rows, Buffers b, int threads) {
        blk.proj().apply(attn, 0, rows, mid, 0, threads);
        Activations.linearEpilogue(mid, 0, blk.projBias(), false, x, 0, rows, d);
        layerNorm(mid, rows, blk.norm2(), b.normed, 0);
        blk.fc1().apply(b.normed, 0, rows, b.hidden, 0, threads);
        Activations.linearEpilogue(b.hidden, 0, blk.fc1Bias(), true, null, 0, rows, blk.hidden());
        blk.fc2().apply(b.hidden, 0, rows, out, 0, threads);
        Activations.linearEpilogue(out, 0, blk.fc2Bias(), false, mid, 0, rows, d);
    }

    /** The tokens of images {@code first .. first + count}: {@code cls + pos[0]}, then each patch's embedding {@code + pos[1 + p]}. */
    private void embed(float[] x, int first, int count, Buffers b) {
        int image = inChannels * imageSize * imageSize;
        for (int img = 0; img < count; img++) {
            Conv2d.forward(patchShape, x, (first + img) * image, patchWeight, 0, patchBias, 0, b.patch, 0); // [d, patches]
            int base = img * tokens * d;
            for (int c = 0; c < d; c++) {
                b.h[base + c] = cls[c] + pos[c];
            }
            for (int p = 0; p < patches; p++) {
                int row = base + (1 + p) * d, pr = (1 + p) * d;
                for (int c = 0; c < d; c++) {
                    b.h[row + c] = b.patch[c * patches + p] + pos[pr + c];
                }
            }
        }
    }

    private void layerNorm(float[] x, int rows, Norm nm, float[] out, int outOff) {
        RowKernels.layerNormRows(x, 0, nm.gamma(), nm.beta(), nm.eps(), out, outOff, null, null, rows, d);
    }
}
