package dev.sprig.onnx;

import static dev.sprig.onnx.Emitter.join;
import static dev.sprig.onnx.GraphBuilder.i;
import static dev.sprig.onnx.GraphBuilder.ints;

import dev.sprig.nn.Linear;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.models.ViT;
import dev.sprig.onnx.Emitter.Val;
import dev.sprig.tensor.Tensor;
import java.util.List;

/**
 * The Vision Transformer's pieces as ONNX: patch embedding and tokens, pre-norm blocks, and
 * multi-head self-attention with the heads and widths its weights have. Batch and token counts
 * stay symbolic where they can (Reshape's 0 copies a dimension), so the batch is dynamic.
 */
final class TransformerEmitter {
    private final Emitter e;
    private final GraphBuilder g;

    TransformerEmitter(Emitter e) {
        this.e = e;
        this.g = e.g;
    }

    /**
     * As {@link ViT#features} then the head: patches {@code [n, d, gh, gw] -> [n, P, d]}, the class
     * token (expanded to the batch) in front, plus the position embedding, the blocks, the final
     * norm, the class token's features {@code [n, d]}, the head.
     */
    Val vit(ViT v, String path, Val x) {
        Tensor cls = v.parameter("cls_token").get(); // [1, 1, d]
        Tensor pos = v.parameter("pos_embed").get(); // [1, 1 + P, d]
        Val patches = e.child(v, "patch_embed", path, x);                                            // [n, d, gh, gw]
        String flat = g.node("Reshape", join(path, "patches"), List.of(patches.name(), g.int64s(join(path, "patches_shape"), 0, 0, -1)));
        String tokens = g.node("Transpose", join(path, "tokens"), List.of(flat), ints("perm", 0, 2, 1)); // [n, P, d]
        // The class token broadcast to [n, 1, d]: Expand by [n, 1, 1] with n read from the input's shape.
        String batch = g.node("Shape", join(path, "batch"), List.of(x.name()), i("start", 0), i("end", 1)); // [1]: n
        String expandShape = g.node("Concat", join(path, "cls_shape"), List.of(batch, g.int64s(join(path, "ones"), 1, 1)), i("axis", 0));
        String clsTokens = g.node("Expand", join(path, "cls"), List.of(g.weight(join(path, "cls_token"), cls), expandShape));
        String seq = g.node("Concat", join(path, "concat"), List.of(clsTokens, tokens), i("axis", 1)); // [n, 1 + P, d]
        Val h = e.binary("Add", join(path, "pos"), new Val(seq, 3), g.weight(join(path, "pos_embed"), pos), 3);
        h = e.child(v, "blocks", path, h);
        h = e.child(v, "norm", path, h);
        String first = g.node("Gather", join(path, "cls_features"), List.of(h.name(), g.int64Scalar(join(path, "index0"), 0)),
                i("axis", 1));                                                                         // [n, d]
        return e.child(v, "head", path, new Val(first, 2));
    }

    /** {@code h = x + attn(norm1(x)); h + mlp(norm2(h))}, as {@code ViT.Block.forward}. */
    Val block(ViT.Block b, String path, Val x) {
        Val a = e.child(b, "attn", path, e.child(b, "norm1", path, x));
        Val h = e.binary("Add", join(path, "add1"), x, a.name(), x.rank());
        Val m = e.child(b, "mlp", path, e.child(b, "norm2", path, h));
        return e.binary("Add", join(path, "add2"), h, m.name(), x.rank());
    }

    /**
     * Per head {@code softmax(q·kᵀ / √headDim) · v} over {@code [b, t, d]}, heads concatenated and
     * projected. A fused qkv weight {@code [3·heads·headDim, d]} is cut into its q, k, v row blocks
     * (the same products as one GEMM and a split).
     */
    Val attention(MultiHeadSelfAttention a, String path, Val x) {
        int heads = a.heads();
        int hd = a.headDim();
        int inner = heads * hd;
        Tensor[] w = new Tensor[3]; // q, k, v: [inner, d] each
        Tensor[] b = new Tensor[3]; // [inner] each, or null
        String[] names = {"q", "k", "v"};
        if (a.isFused()) {
            Linear qkv = (Linear) a.child("qkv");
            for (int j = 0; j < 3; j++) {
                w[j] = qkv.weight().get().narrow(0, j * inner, inner);
                b[j] = qkv.bias() == null ? null : qkv.bias().get().narrow(0, j * inner, inner);
            }
        } else {
            for (int j = 0; j < 3; j++) {
                Linear l = (Linear) a.child(names[j]);
                w[j] = l.weight().get();
                b[j] = l.bias() == null ? null : l.bias().get();
            }
        }
        String headShape = g.int64s(join(path, "head_shape"), 0, 0, heads, hd);
        String[] split = new String[3];
        for (int j = 0; j < 3; j++) {
            String prefix = a.isFused() ? join(path, "qkv." + names[j]) : join(path, names[j]);
            Val y = e.linear(w[j], b[j], prefix, x);                                                    // [b, t, inner]
            String r = g.node("Reshape", join(prefix, "heads"), List.of(y.name(), headShape));          // [b, t, h, hd]
            // q, v to [b, h, t, hd]; k straight to kᵀ [b, h, hd, t].
            long[] perm = j == 1 ? new long[] {0, 2, 3, 1} : new long[] {0, 2, 1, 3};
            split[j] = g.node("Transpose", join(prefix, "perm"), List.of(r), ints("perm", perm));
        }
        String scores = g.node("MatMul", join(path, "scores"), List.of(split[0], split[1]));          // [b, h, t, t]
        float scale = (float) (1.0 / Math.sqrt(hd)); // as MultiHeadSelfAttention.forward computes it
        String scaled = g.node("Mul", join(path, "scale"), List.of(scores, g.scalar(join(path, "scale_value"), scale)));
        String attn = g.node("Softmax", join(path, "softmax"), List.of(scaled), i("axis", -1));
        String o = g.node("MatMul", join(path, "context"), List.of(attn, split[2]));                  // [b, h, t, hd]
        String ot = g.node("Transpose", join(path, "context_perm"), List.of(o), ints("perm", 0, 2, 1, 3)); // [b, t, h, hd]
        String merged = g.node("Reshape", join(path, "merge"), List.of(ot, g.int64s(join(path, "merge_shape"), 0, 0, inner)));
        return e.child(a, "proj", path, new Val(merged, 3));
    }
}
