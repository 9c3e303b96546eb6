package dev.sprig.kernels.attention;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.vec.VecMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head scaled dot-product attention for inference, fused: for every batch item {@code n}
 * and head {@code h}, {@code o = softmax(q·kᵀ·scale)·v} over that head's {@code headDim} columns,
 * without materialising the per-head copies, the {@code [b, h, t, t]} score tensor or the
 * permuted output that the composed ops need.
 *
 * <p><b>Layout.</b> q, k, v and o are row-major {@code [batch·t, *]} with one row per token and
 * head {@code h} in columns {@code h·hd .. (h+1)·hd} of the row; each has its own offset and row
 * stride, so q, k and v can be the three thirds of one fused qkv projection (stride
 * {@code 3·heads·hd}) and o is the {@code [b, t, heads·hd]} input of the output projection.
 *
 * <p><b>How.</b> Per (n, h) the head's k is transposed into a {@code [hd, tPad]} panel and its v
 * copied into {@code [t, hdPad]} rows (tPad, hdPad rounded up to the vector length, zero-filled),
 * both in per-thread scratch that stays in L1/L2. Four query rows at a time: scores as a
 * 4 x 2-vector register tile over the panel, scaled, padded columns set to -inf; each row's max,
 * exp and sum; then {@code Σ_j e_j·v_j} as a 4 x 2-vector tile, times 1/sum, stored straight into o.
 * The four rows share every panel load. A last group of fewer than four rows repeats the last row
 * and stores only the real ones.
 *
 * <p>Every (n, h) is computed by the same code whatever the thread count, so results do not
 * depend on it. Against {@link AttentionReference} the scores and the weighted sum of v are
 * bit-identical (the same fma chains); the softmax denominator is summed in another order.
 */
public final class Attention {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    private static final int ROWS = 4;
    /** Below this many multiply-adds (2·b·h·t²·hd) one call stays on the calling thread (as Sgemm). */
    static final long PARALLEL_MIN_WORK = 160L * 160 * 160;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Attention() {}

    /**
     * {@code o[n, i, h·hd + c] = Σ_j softmax_j(scale · q[n, i, h·hd + :]·k[n, j, h·hd + :]) · v[n, j, h·hd + c]}.
     *
     * @param batch   batch items
     * @param t       tokens per item (queries and keys alike)
     * @param heads   heads
     * @param hd      columns per head
     * @param scale   the factor on the scores, usually {@code 1/√hd}
     * @param q       token row {@code r = n·t + i} at {@code qOff + r·qStride}; likewise k, v and o
     * @throws IllegalArgumentException on non-positive sizes, a stride below {@code heads·hd}, arrays
     *                                  too short for their rows, or an o that shares an array with q, k or v
     */
    public static void forward(int batch, int t, int heads, int hd, float scale,
                               float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
                               float[] v, int vOff, int vStride, float[] o, int oOff, int oStride) {
        if (KernelConfig.SCALAR) {
            AttentionReference.forward(batch, t, heads, hd, scale, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, o, oOff, oStride);
            return;
        }
        AttentionArgs.check(batch, t, heads, hd, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, o, oOff, oStride);
        long macs = 2L * batch * heads * t * t * hd;
        int threads = macs < PARALLEL_MIN_WORK ? 1 : Parallel.threads();
        Parallel.forRange(batch * heads, threads, (w0, w1) -> {
            Scratch s = SCRATCH.get().fit(t, hd);
            for (int w = w0; w < w1; w++) {
                int n = w / heads;
                int col = (w % heads) * hd;
                head(t, hd, scale, q, qOff + n * t * qStride + col, qStride, k, kOff + n * t * kStride + col, kStride,
                        v, vOff + n * t * vStride + col, vStride, o, oOff + n * t * oStride + col, oStride, s);
            }
        });
    }

    /** Per-thread panels: k transposed {@code [hd, tPad]}, v {@code [t, hdPad]}, scores {@code [4, tPad]}. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vp = new float[0];
        float[] sc = new float[0];
        final float[] part = new float[L];

        Scratch fit(int t, int hd) {
            int tp = pad(t);
            int cp = pad(hd);
            if (kt.length < hd * tp) {
                kt = new float[hd * tp];
            }
            if (vp.length < t * cp) {
                vp = new float[t * cp];
            }
            if (sc.length < ROWS * tp) {
                sc = new float[ROWS * tp];
            }
            return this;
        }
    }

    private static int pad(int n) {
        return (n + L - 1) / L * L;
    }

    private static void head(int t, int hd, float scale, float[] q, int qb, int qs, float[] k, int kb, int ks,
                             float[] v, int vb, int vs, float[] o, int ob, int os, Scratch s) {
        int tp = pad(t);
        int cp = pad(hd);
        float[] kt = s.kt;
        float[] vp = s.vp;
        float[] sc = s.sc;
        for (int c = 0; c < hd; c++) {
            int row = c * tp;
            for (int j = 0; j < t; j++) {
                kt[row + j] = k[kb + j * ks + c];
            }
            for (int j = t; j < tp; j++) {
                kt[row + j] = 0f;
            }
        }
        for (int j = 0; j < t; j++) {
            System.arraycopy(v, vb + j * vs, vp, j * cp, hd);
            for (int c = hd; c < cp; c++) {
                vp[j * cp + c] = 0f;
            }
        }
        for (int i0 = 0; i0 < t; i0 += ROWS) {
            int real = Math.min(ROWS, t - i0);
            int q0 = qb + i0 * qs;
            int q1 = qb + Math.min(i0 + 1, t - 1) * qs;
            int q2 = qb + Math.min(i0 + 2, t - 1) * qs;
            int q3 = qb + Math.min(i0 + 3, t - 1) * qs;
            scores(t, tp, hd, scale, q, q0, q1, q2, q3, kt, sc);
            float inv0 = softmaxRow(sc, 0, tp);
            float inv1 = softmaxRow(sc, tp, tp);
            float inv2 = softmaxRow(sc, 2 * tp, tp);
            float inv3 = softmaxRow(sc, 3 * tp, tp);
            weighted(t, hd, cp, sc, tp, vp, inv0, inv1, inv2, inv3, o, ob + i0 * os, os, real, s.part);
        }
    }

    /** {@code sc[r, j] = scale · q_r·k_j} for j < t, -inf for t <= j < tp. */
    private static void scores(int t, int tp, int hd, float scale, float[] q, int q0, int q1, int q2, int q3, float[] kt, float[] sc) {
        int j = 0;
        for (; j + 2 * L <= tp; j += 2 * L) {
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S);
            FloatVector a11 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S);
            FloatVector a21 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S);
            FloatVector a31 = FloatVector.zero(S);
            for (int c = 0, p = j; c < hd; c++, p += tp) {
                FloatVector k0 = FloatVector.fromArray(S, kt, p);
                FloatVector k1 = FloatVector.fromArray(S, kt, p + L);
                FloatVector x = FloatVector.broadcast(S, q[q0 + c]);
                a00 = x.fma(k0, a00);
                a01 = x.fma(k1, a01);
                x = FloatVector.broadcast(S, q[q1 + c]);
                a10 = x.fma(k0, a10);
                a11 = x.fma(k1, a11);
                x = FloatVector.broadcast(S, q[q2 + c]);
                a20 = x.fma(k0, a20);
                a21 = x.fma(k1, a21);
                x = FloatVector.broadcast(S, q[q3 + c]);
                a30 = x.fma(k0, a30);
                a31 = x.fma(k1, a31);
            }
            a00.mul(scale).intoArray(sc, j);
            a01.mul(scale).intoArray(sc, j + L);
            a10.mul(scale).intoArray(sc, tp + j);
            a11.mul(scale).intoArray(sc, tp + j + L);
            a20.mul(scale).intoArray(sc, 2 * tp + j);
            a21.mul(scale).intoArray(sc, 2 * tp + j + L);
            a30.mul(scale).intoArray(sc, 3 * tp + j);
            a31.mul(scale).intoArray(sc, 3 * tp + j + L);
        }
        if (j < tp) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int c = 0, p = j; c < hd; c++, p += tp) {
                FloatVector k0 = FloatVector.fromArray(S, kt, p);
                a0 = FloatVector.broadcast(S, q[q0 + c]).fma(k0, a0);
                a1 = FloatVector.broadcast(S, q[q1 + c]).fma(k0, a1);
                a2 = FloatVector.broadcast(S, q[q2 + c]).fma(k0, a2);
                a3 = FloatVector.broadcast(S, q[q3 + c]).fma(k0, a3);
            }
            a0.mul(scale).intoArray(sc, j);
            a1.mul(scale).intoArray(sc, tp + j);
            a2.mul(scale).intoArray(sc, 2 * tp + j);
            a3.mul(scale).intoArray(sc, 3 * tp + j);
        }
        for (int r = 0; r < ROWS; r++) {
            for (int jj = t; jj < tp; jj++) {
                sc[r * tp + jj] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Replaces row {@code sc[off .. off+tp)} by {@code exp(x − max)}; returns {@code 1 / Σ}. */
    private static float softmaxRow(float[] sc, int off, int tp) {
        FloatVector m = FloatVector.fromArray(S, sc, off);
        for (int j = L; j < tp; j += L) {
            m = m.max(FloatVector.fromArray(S, sc, off + j));
        }
        FloatVector max = FloatVector.broadcast(S, m.reduceLanes(VectorOperators.MAX));
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < tp; j += L) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, sc, off + j).sub(max));
            e.intoArray(sc, off + j);
            sum = sum.add(e);
        }
        return 1f / VecMath.treeSum(sum);
    }

    /** {@code o[r, c] = inv_r · Σ_j sc[r, j]·vp[j, c]} for the first {@code real} rows. */
    private static void weighted(int t, int hd, int cp, float[] sc, int tp, float[] vp, float inv0, float inv1, float inv2, float inv3,
                                 float[] o, int ob, int os, int real, float[] part) {
        int c = 0;
        for (; c + 2 * L <= cp; c += 2 * L) {
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S);
            FloatVector a11 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S);
            FloatVector a21 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S);
            FloatVector a31 = FloatVector.zero(S);
            for (int j = 0, p = c; j < t; j++, p += cp) {
                FloatVector v0 = FloatVector.fromArray(S, vp, p);
                FloatVector v1 = FloatVector.fromArray(S, vp, p + L);
                FloatVector e = FloatVector.broadcast(S, sc[j]);
                a00 = e.fma(v0, a00);
                a01 = e.fma(v1, a01);
                e = FloatVector.broadcast(S, sc[tp + j]);
                a10 = e.fma(v0, a10);
                a11 = e.fma(v1, a11);
                e = FloatVector.broadcast(S, sc[2 * tp + j]);
                a20 = e.fma(v0, a20);
                a21 = e.fma(v1, a21);
                e = FloatVector.broadcast(S, sc[3 * tp + j]);
                a30 = e.fma(v0, a30);
                a31 = e.fma(v1, a31);
            }
            store(a00.mul(inv0), a01.mul(inv0), o, ob, c, hd, part);
            if (real > 1) {
                store(a10.mul(inv1), a11.mul(inv1), o, ob + os, c, hd, part);
            }
            if (real > 2) {
                store(a20.mul(inv2), a21.mul(inv2), o, ob + 2 * os, c, hd, part);
            }
            if (real > 3) {
                store(a30.mul(inv3), a31.mul(inv3), o, ob + 3 * os, c, hd, part);
            }
        }
        if (c < cp) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int j = 0, p = c; j < t; j++, p += cp) {
                FloatVector v0 = FloatVector.fromArray(S, vp, p);
                a0 = FloatVector.broadcast(S, sc[j]).fma(v0, a0);
                a1 = FloatVector.broadcast(S, sc[tp + j]).fma(v0, a1);
                a2 = FloatVector.broadcast(S, sc[2 * tp + j]).fma(v0, a2);
                a3 = FloatVector.broadcast(S, sc[3 * tp + j]).fma(v0, a3);
            }
            store(a0.mul(inv0), o, ob, c, hd, part);
            if (real > 1) {
                store(a1.mul(inv1), o, ob + os, c, hd, part);
            }
            if (real > 2) {
                store(a2.mul(inv2), o, ob + 2 * os, c, hd, part);
            }
            if (real > 3) {
                store(a3.mul(inv3), o, ob + 3 * os, c, hd, part);
            }
        }
    }

    private static void store(FloatVector lo, FloatVector hi, float[] o, int row, int c, int hd, float[] part) {
        store(lo, o, row, c, hd, part);
        store(hi, o, row, c + L, hd, part);
    }

    /**
     * Columns {@code c .. c+L} of a row, only those below hd: a partial vector goes through
     * {@code part} (masked stores were avoided: C2 sometimes compiles them boxed, see MicroKernel.edge).
     */
    private static void store(FloatVector x, float[] o, int row, int c, int hd, float[] part) {
        if (c + L <= hd) {
            x.intoArray(o, row + c);
        } else if (c < hd) {
            x.intoArray(part, 0);
            System.arraycopy(part, 0, o, row + c, hd - c);
        }
    }
}
