package dev.sprig.nn;

import dev.sprig.nn.infer.FusedInference;
import dev.sprig.ops.Functional;
import dev.sprig.prune.Group;
import dev.sprig.prune.PrunableBlock;
import dev.sprig.prune.Slice;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Multi-head self-attention over {@code [b, t, d]}: per head, {@code softmax(q·kᵀ/√headDim)·v}, the
 * heads concatenated and projected back to {@code d}.
 *
 * <p>Heads are a real dimension of the weights: q, k and v are {@code [heads·headDim, d]} with head
 * {@code i} in rows {@code i·headDim .. (i+1)·headDim}, and the projection is
 * {@code [d, heads·headDim]} with head {@code i} in the same columns. Removing a head removes those
 * rows and columns; {@link #heads()} follows the weights' shapes, {@code headDim} stays.
 * With {@code fusedQkv} one {@code [3·heads·headDim, d]} linear holds q, k, v stacked (as timm).
 * Pruning sees this structure through {@link #pruningSpec()}.
 */
public final class MultiHeadSelfAttention extends Module implements PrunableBlock {
    private final int headDim;
    private final boolean fused;

    public MultiHeadSelfAttention(int d, int heads, int headDim, boolean fusedQkv, boolean bias, Random rng) {
        if (d < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention needs d, heads, headDim >= 1, got d=" + d + ", heads=" + heads + ", headDim=" + headDim);
        }
        this.headDim = headDim;
        this.fused = fusedQkv;
        int inner = heads * headDim;
        if (fusedQkv) {
            registerModule("qkv", new Linear(d, 3 * inner, bias, rng));
        } else {
            registerModule("q", new Linear(d, inner, bias, rng));
            registerModule("k", new Linear(d, inner, bias, rng));
            registerModule("v", new Linear(d, inner, bias, rng));
        }
        registerModule("proj", new Linear(inner, d, true, rng));
    }

    public int headDim() {
        return headDim;
    }

    public boolean isFused() {
        return fused;
    }

    /** The current number of heads, from the weights' shapes. */
    public int heads() {
        int rows = fused ? ((Linear) child("qkv")).outFeatures() / 3 : ((Linear) child("q")).outFeatures();
        return rows / headDim;
    }

    public int dim() {
        return ((Linear) child("proj")).outFeatures();
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("proj").forward(attend(x));
    }

    /**
     * {@code residual + forward(x)}; without gradients to record (eval mode, {@link FusedInference#applies})
     * the residual add and the projection's bias are done in one pass over the projection's
     * output ({@link Functional#linearFused}), bit for bit the same.
     */
    public Tensor forward(Tensor x, Tensor residual) {
        if (!java.util.Arrays.equals(residual.shape(), x.shape())) {
            throw new IllegalArgumentException("attention: the residual must have the output's shape " + Shape.str(x.shape())
                    + ", got " + Shape.str(residual.shape()));
        }
        Tensor o = attend(x);
        Linear proj = (Linear) child("proj");
        if (FusedInference.applies(this)) {
            return Functional.linearFused(o, proj.weight().get(), proj.bias() == null ? null : proj.bias().get(), residual, false);
        }
        return residual.add(proj.forward(o));
    }

    /** The heads' outputs side by side, {@code [b, t, h·hd]}: the projection's input. */
    private Tensor attend(Tensor x) {
        if (x.dim() != 3 || x.size(2) != dim()) {
            throw new IllegalArgumentException("attention expects input [b, t, " + dim() + "], got " + Shape.str(x.shape()));
        }
        int h = heads();
        Tensor q;
        Tensor k;
        Tensor v;
        if (fused) {
            // [b, t, 3·h·hd]: q, k, v are its three column blocks
            Tensor qkv = child("qkv").forward(x);
            int inner = h * headDim;
            q = qkv.narrow(2, 0, inner);
            k = qkv.narrow(2, inner, inner);
            v = qkv.narrow(2, 2 * inner, inner);
        } else {
            q = child("q").forward(x);
            k = child("k").forward(x);
            v = child("v").forward(x);
        }
        return Functional.multiHeadAttention(q, k, v, h);
    }

    /**
     * For pruning: the input width d is the columns of q, k, v (or qkv), the output width the rows of
     * proj and its bias; the {@code heads} group's unit i is rows {@code i·headDim ..} of q, k and v
     * (in each third of a fused qkv) with their biases, and the same columns of proj. The attention
     * products scale with the heads.
     */
    @Override
    public PrunableBlock.Spec pruningSpec() {
        int inner = heads() * headDim;
        List<Slice> input = new ArrayList<>();
        List<Slice> heads = new ArrayList<>();
        for (String name : fused ? List.of("qkv") : List.of("q", "k", "v")) {
            input.add(new Slice(name + ".weight", 1, 1, 0, Slice.Role.WEIGHT_IN));
            boolean bias = ((Linear) child(name)).bias() != null;
            for (int part = 0; part < (fused ? 3 : 1); part++) {
                heads.add(new Slice(name + ".weight", 0, headDim, part * inner, Slice.Role.WEIGHT_OUT));
                if (bias) {
                    heads.add(new Slice(name + ".bias", 0, headDim, part * inner, Slice.Role.BIAS));
                }
            }
        }
        heads.add(new Slice("proj.weight", 1, headDim, 0, Slice.Role.WEIGHT_IN));
        List<Slice> output = List.of(new Slice("proj.weight", 0, 1, 0, Slice.Role.WEIGHT_OUT),
                new Slice("proj.bias", 0, 1, 0, Slice.Role.BIAS));
        return new PrunableBlock.Spec(input, output, List.of(new PrunableBlock.InnerGroup("heads", Group.Kind.HEADS, heads(), heads, true)));
    }

    @Override
    protected String describe() {
        return "MultiHeadSelfAttention(d=" + dim() + ", heads=" + heads() + ", headDim=" + headDim + (fused ? ", fused qkv" : "") + ")";
    }
}
