package dev.sprig.ops;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.attention.Attention;
import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention over {@code [b, t, heads·hd]} inputs. Without gradients
 * to record it runs the fused {@link Attention} kernel, reading q, k and v in place (they may be
 * column slices of one qkv tensor); with them, the composed differentiable ops.
 */
final class AttentionOp {
    private AttentionOp() {}

    static Tensor forward(Tensor q, Tensor k, Tensor v, int heads) {
        if (q.dim() != 3) {
            throw new IllegalArgumentException("multiHeadAttention expects q [b, t, heads·headDim], got " + Shape.str(q.shape()));
        }
        if (!java.util.Arrays.equals(q.shape(), k.shape()) || !java.util.Arrays.equals(q.shape(), v.shape())) {
            throw new IllegalArgumentException("multiHeadAttention expects q, k and v of one shape, got " + Shape.str(q.shape()) + ", "
                    + Shape.str(k.shape()) + " and " + Shape.str(v.shape()));
        }
        int b = q.size(0);
        int t = q.size(1);
        int width = q.size(2);
        if (heads < 1 || width % heads != 0 || t < 1) {
            throw new IllegalArgumentException("multiHeadAttention: heads=" + heads + " must be >= 1 and divide the last dimension "
                    + width + ", with at least one token, got q " + Shape.str(q.shape()));
        }
        int hd = width / heads;
        float scale = Attention.scale(hd);
        if (Autograd.wouldRecord(q, k, v) || !KernelConfig.INFER_FUSE) {
            return composed(q, k, v, b, t, heads, hd, scale);
        }
        FlopCounter.add(2L * b * heads * t * t * hd);
        Rows rq = Rows.of(q);
        Rows rk = Rows.of(k);
        Rows rv = Rows.of(v);
        float[] o = new float[b * t * width];
        Attention.forward(b, t, heads, hd, scale, rq.data, rq.offset, rq.stride, rk.data, rk.offset, rk.stride,
                rv.data, rv.offset, rv.stride, o, 0, width);
        return Tensor.fromStorage(o, b, t, width);
    }

    /** Per head {@code softmax(q·kᵀ·scale)·v} from reshape, permute, matmul and softmax (differentiable). */
    private static Tensor composed(Tensor q, Tensor k, Tensor v, int b, int t, int heads, int hd, float scale) {
        Tensor qh = q.reshape(b, t, heads, hd).permute(0, 2, 1, 3);
        Tensor kh = k.reshape(b, t, heads, hd).permute(0, 2, 1, 3);
        Tensor vh = v.reshape(b, t, heads, hd).permute(0, 2, 1, 3);
        Tensor attn = Functional.softmax(qh.matmul(kh.transpose(-1, -2)).mul(scale), -1); // [b, h, t, t]
        return attn.matmul(vh).permute(0, 2, 1, 3).reshape(b, t, heads * hd);
    }

    /** A {@code [b, t, w]} tensor as token rows {@code (data, offset, stride)}; copied if its rows are not evenly strided. */
    private record Rows(float[] data, int offset, int stride) {
        static Rows of(Tensor x) {
            int[] s = x.strides();
            int t = x.size(1);
            int w = x.size(2);
            int b = x.size(0);
            int stride = t > 1 ? s[1] : b > 1 ? s[0] : w;
            boolean even = s[2] == 1 && stride >= w && (b == 1 || t == 1 || s[0] == t * s[1]);
            if (!even) {
                Tensor c = x.contiguous();
                return new Rows(c.storage(), c.offset(), w);
            }
            return new Rows(x.storage(), x.offset(), stride);
        }
    }
}
