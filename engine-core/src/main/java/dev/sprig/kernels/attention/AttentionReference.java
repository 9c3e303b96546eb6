package dev.sprig.kernels.attention;

import dev.sprig.kernels.vec.VecMath;

/**
 * The scalar twin of {@link Attention}: for each batch item, head and query row, the scores
 * {@code s_j = (Σ_c q_c·k_jc)·scale}, {@code e_j = exp(s_j − max s)} (by
 * {@link VecMath#expNonPositive}, which is 0 where e^x is below 2^-126), and the output
 * {@code o_c = (Σ_j e_j·v_jc) / Σ_j e_j}, accumulated with {@code Math.fma} in the same order as
 * the vector kernel's lanes; only the sum of the {@code e_j} is added in a different order there.
 */
public final class AttentionReference {
    private AttentionReference() {}

    /** Same contract as {@link Attention#forward}. */
    public static void forward(int batch, int t, int heads, int hd, float scale,
                               float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
                               float[] v, int vOff, int vStride, float[] o, int oOff, int oStride) {
        AttentionArgs.check(batch, t, heads, hd, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, o, oOff, oStride);
        float[] e = new float[t];
        for (int n = 0; n < batch; n++) {
            for (int h = 0; h < heads; h++) {
                int qb = qOff + n * t * qStride + h * hd;
                int kb = kOff + n * t * kStride + h * hd;
                int vb = vOff + n * t * vStride + h * hd;
                int ob = oOff + n * t * oStride + h * hd;
                for (int i = 0; i < t; i++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        float acc = 0f;
                        for (int c = 0; c < hd; c++) {
                            acc = Math.fma(q[qb + i * qStride + c], k[kb + j * kStride + c], acc);
                        }
                        e[j] = acc * scale;
                        max = Math.max(max, e[j]);
                    }
                    float sum = 0f;
                    for (int j = 0; j < t; j++) {
                        e[j] = VecMath.expNonPositive(e[j] - max);
                        sum += e[j];
                    }
                    float inv = 1f / sum;
                    for (int c = 0; c < hd; c++) {
                        float acc = 0f;
                        for (int j = 0; j < t; j++) {
                            acc = Math.fma(e[j], v[vb + j * vStride + c], acc);
                        }
                        o[ob + i * oStride + c] = acc * inv;
                    }
                }
            }
        }
    }
}
