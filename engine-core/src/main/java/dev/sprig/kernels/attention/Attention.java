package dev.sprig.kernels.attention;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.vec.VecMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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
 * <p><b>How.</b> The vector lanes run over query rows, so every softmax reduction is lane-wise.
 * Per (n, h), in blocks of up to {@link #BLOCK} query rows (five vectors: the ViT's 65 tokens are
 * one block at 16 lanes): the block's q is transposed into a {@code [hd, bw]} panel (bw = the
 * block's rows rounded up to whole vectors, zero-filled) by L x L register transposes; the scores
 * {@code sᵀ [t, bw]} come from 4-key x 5-vector register tiles (9 loads per 20 fmas: k read in
 * place, one broadcast per key and column), scaled and stored; a pass per vector of rows takes the
 * maxima (four compare-and-blend chains), the next replaces the scores by {@code e = exp(s − max)}
 * while summing them lane-wise; and {@code o = (Σ_j e_j·v_j) / Σ_j e_j} comes from 8-row x 2-vector
 * tiles over v (read in place when hd is a whole number of vectors, else from a zero-padded
 * {@code [t, hdPad]} copy; 10 loads per 16 fmas), a last one or two rows alone. Keys are never
 * padded: only the last query vector of a block carries padding lanes, computed and thrown away
 * (at t = 65 and 16 lanes, 15 of 80).
 *
 * <p>Every (n, h) is computed by the same code whatever the thread count, so results do not
 * depend on it. Against {@link AttentionReference} every output is bit-identical (NaN where it has
 * NaN): each lane runs the reference's scalar chains for its query row in the reference's order
 * (the score fma chain over the columns, each {@code e_j} by VecMath's expNonPositive, the
 * denominator {@code Σ_j e_j} added in key order, {@code 1/sum}, the fma chain over the keys and
 * the product with {@code 1/sum}). The row maximum skips NaN scores where Java's max returns NaN;
 * see {@link #softmax} for why no output can tell.
 */
public final class Attention {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    /** Query rows per block: five vectors (the ViT's 65 tokens in one block at 16 lanes); {@code [t, BLOCK]} scores per thread. */
    private static final int BLOCK = 5 * L;
    /** Below this many multiply-adds (2·b·h·t²·hd) one call stays on the calling thread (as Sgemm). */
    static final long PARALLEL_MIN_WORK = 160L * 160 * 160;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Attention() {}

    /** The usual factor on the scores, {@code 1/√hd} rounded to a float: multi-head attention's and a compiled ViT's. */
    public static float scale(int hd) {
        return (float) (1.0 / Math.sqrt(hd));
    }

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

    /**
     * Per-thread panels: the block's q transposed {@code [hd, BLOCK]}, v {@code [t, hdPad]}, scores then
     * e {@code [t, BLOCK]}, the block's 1/sums {@code [BLOCK]}, an L x L transpose {@code [L, L]},
     * an e·v tile's results {@code [8, 2L]}.
     */
    private static final class Scratch {
        float[] qt = new float[0];
        float[] vp = new float[0];
        float[] sc = new float[0];
        final float[] stat = new float[BLOCK + 8]; // + 8: an 8-row e·v tile reads the 1/sums of its padding rows
        final float[] tr = new float[L * L];
        final float[] part = new float[16 * L];

        Scratch fit(int t, int hd) {
            int cp = pad(hd);
            if (qt.length < hd * BLOCK) {
                qt = new float[hd * BLOCK];
            }
            if (vp.length < t * cp) {
                vp = new float[t * cp];
            }
            if (sc.length < t * BLOCK + 8) { // + 8: an 8-row e·v tile may read past the last key's row
                sc = new float[t * BLOCK + 8];
            }
            return this;
        }
    }

    /** Offset in {@code Scratch.stat} of the block's 1/row sums. */
    private static final int INV = 0;

    private static int pad(int n) {
        return (n + L - 1) / L * L;
    }

    private static void head(int t, int hd, float scale, float[] q, int qb, int qs, float[] k, int kb, int ks,
                             float[] v, int vb, int vs, float[] o, int ob, int os, Scratch s) {
        int cp = pad(hd);
        // v is read in whole vectors of its rows: in place when hd fills them, else from a zero-padded copy.
        float[] vr = v;
        int vr0 = vb;
        int vrs = vs;
        if (cp != hd) {
            float[] vp = s.vp;
            for (int j = 0; j < t; j++) {
                System.arraycopy(v, vb + j * vs, vp, j * cp, hd);
                for (int c = hd; c < cp; c++) {
                    vp[j * cp + c] = 0f;
                }
            }
            vr = vp;
            vr0 = 0;
            vrs = cp;
        }
        for (int i0 = 0; i0 < t; i0 += BLOCK) {
            int rows = Math.min(BLOCK, t - i0);
            int bw = pad(rows);
            transposeQ(q, qb + i0 * qs, qs, rows, hd, s.qt, bw, s.tr);
            scores(t, hd, bw, scale, s.qt, k, kb, ks, s.sc);
            softmax(t, bw, s.sc, s.stat);
            weighted(t, hd, cp, rows, bw, s.sc, s.stat, vr, vr0, vrs, o, ob + i0 * os, os, s.part);
        }
    }

    // ---------------------------------------------------------------- q panel

    /** {@code qt[c·bw + i] = q[qb + i·qs + c]} for i < rows, c < hd; 0 for rows <= i < bw. */
    private static void transposeQ(float[] q, int qb, int qs, int rows, int hd, float[] qt, int bw, float[] tr) {
        int fullRows = rows / L * L;
        int fullCols = hd / L * L;
        for (int i = 0; i < fullRows; i += L) {
            for (int c = 0; c < fullCols; c += L) {
                transpose(q, qb + i * qs + c, qs, qt, c * bw + i, bw, tr);
            }
            for (int c = fullCols; c < hd; c++) {
                for (int r = 0; r < L; r++) {
                    qt[c * bw + i + r] = q[qb + (i + r) * qs + c];
                }
            }
        }
        if (fullRows < bw) {
            FloatVector zero = FloatVector.zero(S);
            for (int c = 0; c < hd; c++) {
                zero.intoArray(qt, c * bw + fullRows);
                for (int i = fullRows; i < rows; i++) {
                    qt[c * bw + i] = q[qb + i * qs + c];
                }
            }
        }
    }

    /** {@code SWAP_b}: lane i ↔ i ^ b; {@code HIGH_b}: the lanes with bit b set (null where b >= L). */
    private static final VectorShuffle<Float> SWAP_1 = swap(1);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorShuffle<Float> SWAP_8 = swap(8);
    private static final VectorMask<Float> HIGH_1 = high(1);
    private static final VectorMask<Float> HIGH_2 = high(2);
    private static final VectorMask<Float> HIGH_4 = high(4);
    private static final VectorMask<Float> HIGH_8 = high(8);

    private static VectorShuffle<Float> swap(int b) {
        return b < L ? VectorShuffle.fromOp(S, i -> i ^ b) : null;
    }

    private static VectorMask<Float> high(int b) {
        return b < L ? VectorMask.fromLong(S, bits(b)) : null;
    }

    private static long bits(int b) {
        long m = 0;
        for (int i = 0; i < L; i++) {
            if ((i & b) != 0) {
                m |= 1L << i;
            }
        }
        return m;
    }

    /**
     * {@code dst[d0 + c·ds + r] = src[s0 + r·ss + c]} for r, c < L: the bits of the row index swapped
     * with the same bits of the lane index, two bits per pass over the rows (through {@code tr} between
     * passes), a permute and a blend per row and bit.
     */
    private static void transpose(float[] src, int s0, int ss, float[] dst, int d0, int ds, float[] tr) {
        if (L == 16) {
            swapBits(src, s0, ss, tr, 0, L, 8, SWAP_8, HIGH_8, 4, SWAP_4, HIGH_4);
            swapBits(tr, 0, L, dst, d0, ds, 2, SWAP_2, HIGH_2, 1, SWAP_1, HIGH_1);
        } else if (L == 8) {
            swapBits(src, s0, ss, tr, 0, L, 4, SWAP_4, HIGH_4, 2, SWAP_2, HIGH_2);
            swapBits(tr, 0, L, dst, d0, ds, 1, SWAP_1, HIGH_1, 0, null, null);
        } else if (L == 4) {
            swapBits(src, s0, ss, dst, d0, ds, 2, SWAP_2, HIGH_2, 1, SWAP_1, HIGH_1);
        } else if (L == 2) {
            swapBits(src, s0, ss, dst, d0, ds, 1, SWAP_1, HIGH_1, 0, null, null);
        } else {
            for (int r = 0; r < L; r++) {
                for (int c = 0; c < L; c++) {
                    dst[d0 + c * ds + r] = src[s0 + r * ss + c];
                }
            }
        }
    }

    /**
     * One pass of {@link #transpose}: rows {@code a0 + r·as} of a to rows {@code b0 + r·bs} of b with bit b1 of the row and
     * lane indices swapped, then bit b2 (none if b2 is 0). Row r and r ^ b exchange the lanes that differ in bit b:
     * {@code x' = x.blend(y.rearrange(swap), high)}, {@code y' = x.rearrange(swap).blend(y, high)}.
     */
    private static void swapBits(float[] a, int a0, int as, float[] b, int b0, int bs,
                                 int b1, VectorShuffle<Float> swap1, VectorMask<Float> high1,
                                 int b2, VectorShuffle<Float> swap2, VectorMask<Float> high2) {
        for (int r = 0; r < L; r++) {
            if ((r & (b1 | b2)) != 0) {
                continue;
            }
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + r * as);
            FloatVector x1 = FloatVector.fromArray(S, a, a0 + (r + b1) * as);
            FloatVector y0 = x0.blend(x1.rearrange(swap1), high1);
            FloatVector y1 = x0.rearrange(swap1).blend(x1, high1);
            if (b2 == 0) {
                y0.intoArray(b, b0 + r * bs);
                y1.intoArray(b, b0 + (r + b1) * bs);
                continue;
            }
            FloatVector x2 = FloatVector.fromArray(S, a, a0 + (r + b2) * as);
            FloatVector x3 = FloatVector.fromArray(S, a, a0 + (r + b1 + b2) * as);
            FloatVector y2 = x2.blend(x3.rearrange(swap1), high1);
            FloatVector y3 = x2.rearrange(swap1).blend(x3, high1);
            y0.blend(y2.rearrange(swap2), high2).intoArray(b, b0 + r * bs);
            y0.rearrange(swap2).blend(y2, high2).intoArray(b, b0 + (r + b2) * bs);
            y1.blend(y3.rearrange(swap2), high2).intoArray(b, b0 + (r + b1) * bs);
            y1.rearrange(swap2).blend(y3, high2).intoArray(b, b0 + (r + b1 + b2) * bs);
        }
    }

    // ---------------------------------------------------------------- scores

    /**
     * {@code sc[j·bw + i] = scale · q_i·k_j} for the block's rows i < bw (padding rows have q = 0) and all
     * keys j < t. A block of five vectors runs as one column of tiles, a narrower one as tiles of two
     * vectors and one. (The tiles store their registers and nothing else: a helper taking the vectors,
     * to fold in the maxima, was not inlined and boxed them: 1235 against 437 us, 1 head, batch 64.)
     */
    private static void scores(int t, int hd, int bw, float scale, float[] qt, float[] k, int kb, int ks, float[] sc) {
        int w = bw / L;
        if (w == 5) {
            scores5(t, hd, bw, scale, qt, k, kb, ks, sc);
            return;
        }
        int i = 0;
        for (; i + 2 * L <= bw; i += 2 * L) {
            scores2(t, hd, bw, i, scale, qt, k, kb, ks, sc);
        }
        if (i < bw) {
            scores1(t, hd, bw, i, scale, qt, k, kb, ks, sc);
        }
    }

    /** {@link #scores} over all five vectors of the block: 4 keys x 5 vectors per tile (9 loads per 20 fmas), then single keys. */
    private static void scores5(int t, int hd, int bw, float scale, float[] qt, float[] k, int kb, int ks, float[] sc) {
        int j = 0;
        for (; j + 4 <= t; j += 4) {
            int k0 = kb + j * ks;
            int k1 = k0 + ks;
            int k2 = k1 + ks;
            int k3 = k2 + ks;
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = FloatVector.zero(S);
            FloatVector a02 = FloatVector.zero(S);
            FloatVector a03 = FloatVector.zero(S);
            FloatVector a04 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S);
            FloatVector a11 = FloatVector.zero(S);
            FloatVector a12 = FloatVector.zero(S);
            FloatVector a13 = FloatVector.zero(S);
            FloatVector a14 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S);
            FloatVector a21 = FloatVector.zero(S);
            FloatVector a22 = FloatVector.zero(S);
            FloatVector a23 = FloatVector.zero(S);
            FloatVector a24 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S);
            FloatVector a31 = FloatVector.zero(S);
            FloatVector a32 = FloatVector.zero(S);
            FloatVector a33 = FloatVector.zero(S);
            FloatVector a34 = FloatVector.zero(S);
            for (int c = 0, p = 0; c < hd; c++, p += bw) {
                FloatVector x0 = FloatVector.fromArray(S, qt, p);
                FloatVector x1 = FloatVector.fromArray(S, qt, p + L);
                FloatVector x2 = FloatVector.fromArray(S, qt, p + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, qt, p + 3 * L);
                FloatVector x4 = FloatVector.fromArray(S, qt, p + 4 * L);
                FloatVector y = FloatVector.broadcast(S, k[k0 + c]);
                a00 = x0.fma(y, a00);
                a01 = x1.fma(y, a01);
                a02 = x2.fma(y, a02);
                a03 = x3.fma(y, a03);
                a04 = x4.fma(y, a04);
                y = FloatVector.broadcast(S, k[k1 + c]);
                a10 = x0.fma(y, a10);
                a11 = x1.fma(y, a11);
                a12 = x2.fma(y, a12);
                a13 = x3.fma(y, a13);
                a14 = x4.fma(y, a14);
                y = FloatVector.broadcast(S, k[k2 + c]);
                a20 = x0.fma(y, a20);
                a21 = x1.fma(y, a21);
                a22 = x2.fma(y, a22);
                a23 = x3.fma(y, a23);
                a24 = x4.fma(y, a24);
                y = FloatVector.broadcast(S, k[k3 + c]);
                a30 = x0.fma(y, a30);
                a31 = x1.fma(y, a31);
                a32 = x2.fma(y, a32);
                a33 = x3.fma(y, a33);
                a34 = x4.fma(y, a34);
            }
            int p = j * bw;
            a00.mul(scale).intoArray(sc, p);
            a01.mul(scale).intoArray(sc, p + L);
            a02.mul(scale).intoArray(sc, p + 2 * L);
            a03.mul(scale).intoArray(sc, p + 3 * L);
            a04.mul(scale).intoArray(sc, p + 4 * L);
            a10.mul(scale).intoArray(sc, p + bw);
            a11.mul(scale).intoArray(sc, p + bw + L);
            a12.mul(scale).intoArray(sc, p + bw + 2 * L);
            a13.mul(scale).intoArray(sc, p + bw + 3 * L);
            a14.mul(scale).intoArray(sc, p + bw + 4 * L);
            a20.mul(scale).intoArray(sc, p + 2 * bw);
            a21.mul(scale).intoArray(sc, p + 2 * bw + L);
            a22.mul(scale).intoArray(sc, p + 2 * bw + 2 * L);
            a23.mul(scale).intoArray(sc, p + 2 * bw + 3 * L);
            a24.mul(scale).intoArray(sc, p + 2 * bw + 4 * L);
            a30.mul(scale).intoArray(sc, p + 3 * bw);
            a31.mul(scale).intoArray(sc, p + 3 * bw + L);
            a32.mul(scale).intoArray(sc, p + 3 * bw + 2 * L);
            a33.mul(scale).intoArray(sc, p + 3 * bw + 3 * L);
            a34.mul(scale).intoArray(sc, p + 3 * bw + 4 * L);
        }
        for (; j < t; j++) {
            int k0 = kb + j * ks;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            FloatVector a4 = FloatVector.zero(S);
            for (int c = 0, p = 0; c < hd; c++, p += bw) {
                FloatVector y = FloatVector.broadcast(S, k[k0 + c]);
                a0 = FloatVector.fromArray(S, qt, p).fma(y, a0);
                a1 = FloatVector.fromArray(S, qt, p + L).fma(y, a1);
                a2 = FloatVector.fromArray(S, qt, p + 2 * L).fma(y, a2);
                a3 = FloatVector.fromArray(S, qt, p + 3 * L).fma(y, a3);
                a4 = FloatVector.fromArray(S, qt, p + 4 * L).fma(y, a4);
            }
            int p = j * bw;
            a0.mul(scale).intoArray(sc, p);
            a1.mul(scale).intoArray(sc, p + L);
            a2.mul(scale).intoArray(sc, p + 2 * L);
            a3.mul(scale).intoArray(sc, p + 3 * L);
            a4.mul(scale).intoArray(sc, p + 4 * L);
        }
    }

    /** {@link #scores} over the block's vectors i/L and i/L + 1: 4 keys x 2 vectors per tile, then single keys. */
    private static void scores2(int t, int hd, int bw, int i, float scale, float[] qt, float[] k, int kb, int ks, float[] sc) {
        int j = 0;
        for (; j + 4 <= t; j += 4) {
            int k0 = kb + j * ks;
            int k1 = k0 + ks;
            int k2 = k1 + ks;
            int k3 = k2 + ks;
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S);
            FloatVector a11 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S);
            FloatVector a21 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S);
            FloatVector a31 = FloatVector.zero(S);
            for (int c = 0, p = i; c < hd; c++, p += bw) {
                FloatVector x0 = FloatVector.fromArray(S, qt, p);
                FloatVector x1 = FloatVector.fromArray(S, qt, p + L);
                FloatVector y = FloatVector.broadcast(S, k[k0 + c]);
                a00 = x0.fma(y, a00);
                a01 = x1.fma(y, a01);
                y = FloatVector.broadcast(S, k[k1 + c]);
                a10 = x0.fma(y, a10);
                a11 = x1.fma(y, a11);
                y = FloatVector.broadcast(S, k[k2 + c]);
                a20 = x0.fma(y, a20);
                a21 = x1.fma(y, a21);
                y = FloatVector.broadcast(S, k[k3 + c]);
                a30 = x0.fma(y, a30);
                a31 = x1.fma(y, a31);
            }
            int p = j * bw + i;
            a00.mul(scale).intoArray(sc, p);
            a01.mul(scale).intoArray(sc, p + L);
            a10.mul(scale).intoArray(sc, p + bw);
            a11.mul(scale).intoArray(sc, p + bw + L);
            a20.mul(scale).intoArray(sc, p + 2 * bw);
            a21.mul(scale).intoArray(sc, p + 2 * bw + L);
            a30.mul(scale).intoArray(sc, p + 3 * bw);
            a31.mul(scale).intoArray(sc, p + 3 * bw + L);
        }
        for (; j < t; j++) {
            int k0 = kb + j * ks;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            for (int c = 0, p = i; c < hd; c++, p += bw) {
                FloatVector y = FloatVector.broadcast(S, k[k0 + c]);
                a0 = FloatVector.fromArray(S, qt, p).fma(y, a0);
                a1 = FloatVector.fromArray(S, qt, p + L).fma(y, a1);
            }
            int p = j * bw + i;
            a0.mul(scale).intoArray(sc, p);
            a1.mul(scale).intoArray(sc, p + L);
        }
    }

    /** {@link #scores} over the block's vector i/L: 4 keys per tile, then single keys. */
    private static void scores1(int t, int hd, int bw, int i, float scale, float[] qt, float[] k, int kb, int ks, float[] sc) {
        int j = 0;
        for (; j + 4 <= t; j += 4) {
            int k0 = kb + j * ks;
            int k1 = k0 + ks;
            int k2 = k1 + ks;
            int k3 = k2 + ks;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int c = 0, p = i; c < hd; c++, p += bw) {
                FloatVector x = FloatVector.fromArray(S, qt, p);
                a0 = x.fma(FloatVector.broadcast(S, k[k0 + c]), a0);
                a1 = x.fma(FloatVector.broadcast(S, k[k1 + c]), a1);
                a2 = x.fma(FloatVector.broadcast(S, k[k2 + c]), a2);
                a3 = x.fma(FloatVector.broadcast(S, k[k3 + c]), a3);
            }
            int p = j * bw + i;
            a0.mul(scale).intoArray(sc, p);
            a1.mul(scale).intoArray(sc, p + bw);
            a2.mul(scale).intoArray(sc, p + 2 * bw);
            a3.mul(scale).intoArray(sc, p + 3 * bw);
        }
        for (; j < t; j++) {
            int k0 = kb + j * ks;
            FloatVector a = FloatVector.zero(S);
            for (int c = 0, p = i; c < hd; c++, p += bw) {
                a = FloatVector.fromArray(S, qt, p).fma(FloatVector.broadcast(S, k[k0 + c]), a);
            }
            a.mul(scale).intoArray(sc, j * bw + i);
        }
    }

    // ---------------------------------------------------------------- softmax

    /**
     * Replaces each score {@code sc[j·bw + i]} by {@code e = exp(s − max_j s)} and sets {@code stat[INV + i] = 1 / Σ_j e},
     * one vector of rows at a time: a pass for the maxima, then one for e and the sum, lane-wise in key
     * order as the scalar twin sums. The maxima by compare and blend, not Java's max (five AVX-512
     * instructions against two): they differ only where a row has a NaN score, which this max skips,
     * and in the sign of a zero maximum. Neither reaches the output: a NaN score makes its e, the sum
     * and so the whole output row NaN either way, and {@code s − (±0)} differs at most in the sign of
     * a zero, whose e is 1 either way.
     */
    private static void softmax(int t, int bw, float[] sc, float[] stat) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < bw; i += L) {
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector m1 = m0;
            FloatVector m2 = m0;
            FloatVector m3 = m0;
            int j = 0;
            for (int p = i; j + 4 <= t; j += 4, p += 4 * bw) { // four chains: one compare and blend after another is latency-bound
                FloatVector x0 = FloatVector.fromArray(S, sc, p);
                FloatVector x1 = FloatVector.fromArray(S, sc, p + bw);
                FloatVector x2 = FloatVector.fromArray(S, sc, p + 2 * bw);
                FloatVector x3 = FloatVector.fromArray(S, sc, p + 3 * bw);
                m0 = m0.blend(x0, x0.compare(VectorOperators.GT, m0));
                m1 = m1.blend(x1, x1.compare(VectorOperators.GT, m1));
                m2 = m2.blend(x2, x2.compare(VectorOperators.GT, m2));
                m3 = m3.blend(x3, x3.compare(VectorOperators.GT, m3));
            }
            for (int p = i + j * bw; j < t; j++, p += bw) {
                FloatVector x = FloatVector.fromArray(S, sc, p);
                m0 = m0.blend(x, x.compare(VectorOperators.GT, m0));
            }
            m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
            m2 = m2.blend(m3, m3.compare(VectorOperators.GT, m2));
            FloatVector max = m0.blend(m2, m2.compare(VectorOperators.GT, m0));
            FloatVector sum = FloatVector.zero(S);
            for (int p = i, end = i + t * bw; p < end; p += bw) {
                FloatVector e = VecMath.expNonPositiveUnclamped(FloatVector.fromArray(S, sc, p).sub(max));
                e.intoArray(sc, p);
                sum = sum.add(e);
            }
            one.div(sum).intoArray(stat, INV + i);
        }
    }

    // ---------------------------------------------------------------- e·v

    /**
     * {@code o[i, c] = stat[INV + i] · Σ_j sc[j·bw + i]·v[j, c]} for the block's {@code rows} rows, v's row j at
     * {@code vb + j·vs}: tiles of eight rows (the last may have padding rows, computed and not stored), a
     * last one or two rows on their own.
     */
    private static void weighted(int t, int hd, int cp, int rows, int bw, float[] sc, float[] stat, float[] v, int vb, int vs,
                                 float[] o, int ob, int os, float[] part) {
        int i = 0;
        for (; rows - i > 2; i += 8) {
            weighted8(t, hd, cp, i, Math.min(8, rows - i), bw, sc, stat, v, vb, vs, o, ob + i * os, os, part);
        }
        for (; i < rows; i++) {
            weighted1(t, hd, cp, i, bw, sc, stat[INV + i], v, vb, vs, o, ob + i * os, part);
        }
    }

    /**
     * Rows i .. i+8 of {@link #weighted}, their e at {@code sc[j·bw + i + r]}, the first {@code real} stored. Rows
     * past the block's end read padding lanes or, at 4 lanes, the next key's first ones: finite or not, never stored.
     */
    private static void weighted8(int t, int hd, int cp, int i, int real, int bw, float[] sc, float[] stat, float[] v, int vb, int vs,
                                  float[] o, int ob, int os, float[] part) {
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
            FloatVector a40 = FloatVector.zero(S);
            FloatVector a41 = FloatVector.zero(S);
            FloatVector a50 = FloatVector.zero(S);
            FloatVector a51 = FloatVector.zero(S);
            FloatVector a60 = FloatVector.zero(S);
            FloatVector a61 = FloatVector.zero(S);
            FloatVector a70 = FloatVector.zero(S);
            FloatVector a71 = FloatVector.zero(S);
            for (int j = 0, p = vb + c, e = i; j < t; j++, p += vs, e += bw) {
                FloatVector v0 = FloatVector.fromArray(S, v, p);
                FloatVector v1 = FloatVector.fromArray(S, v, p + L);
                FloatVector x = FloatVector.broadcast(S, sc[e]);
                a00 = x.fma(v0, a00);
                a01 = x.fma(v1, a01);
                x = FloatVector.broadcast(S, sc[e + 1]);
                a10 = x.fma(v0, a10);
                a11 = x.fma(v1, a11);
                x = FloatVector.broadcast(S, sc[e + 2]);
                a20 = x.fma(v0, a20);
                a21 = x.fma(v1, a21);
                x = FloatVector.broadcast(S, sc[e + 3]);
                a30 = x.fma(v0, a30);
                a31 = x.fma(v1, a31);
                x = FloatVector.broadcast(S, sc[e + 4]);
                a40 = x.fma(v0, a40);
                a41 = x.fma(v1, a41);
                x = FloatVector.broadcast(S, sc[e + 5]);
                a50 = x.fma(v0, a50);
                a51 = x.fma(v1, a51);
                x = FloatVector.broadcast(S, sc[e + 6]);
                a60 = x.fma(v0, a60);
                a61 = x.fma(v1, a61);
                x = FloatVector.broadcast(S, sc[e + 7]);
                a70 = x.fma(v0, a70);
                a71 = x.fma(v1, a71);
            }
            int n = INV + i;
            a00.mul(stat[n]).intoArray(part, 0);
            a01.mul(stat[n]).intoArray(part, L);
            a10.mul(stat[n + 1]).intoArray(part, 2 * L);
            a11.mul(stat[n + 1]).intoArray(part, 3 * L);
            a20.mul(stat[n + 2]).intoArray(part, 4 * L);
            a21.mul(stat[n + 2]).intoArray(part, 5 * L);
            a30.mul(stat[n + 3]).intoArray(part, 6 * L);
            a31.mul(stat[n + 3]).intoArray(part, 7 * L);
            a40.mul(stat[n + 4]).intoArray(part, 8 * L);
            a41.mul(stat[n + 4]).intoArray(part, 9 * L);
            a50.mul(stat[n + 5]).intoArray(part, 10 * L);
            a51.mul(stat[n + 5]).intoArray(part, 11 * L);
            a60.mul(stat[n + 6]).intoArray(part, 12 * L);
            a61.mul(stat[n + 6]).intoArray(part, 13 * L);
            a70.mul(stat[n + 7]).intoArray(part, 14 * L);
            a71.mul(stat[n + 7]).intoArray(part, 15 * L);
            emit(part, 2, real, o, ob, os, c, hd);
        }
        if (c < cp) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            FloatVector a4 = FloatVector.zero(S);
            FloatVector a5 = FloatVector.zero(S);
            FloatVector a6 = FloatVector.zero(S);
            FloatVector a7 = FloatVector.zero(S);
            for (int j = 0, p = vb + c, e = i; j < t; j++, p += vs, e += bw) {
                FloatVector v0 = FloatVector.fromArray(S, v, p);
                a0 = FloatVector.broadcast(S, sc[e]).fma(v0, a0);
                a1 = FloatVector.broadcast(S, sc[e + 1]).fma(v0, a1);
                a2 = FloatVector.broadcast(S, sc[e + 2]).fma(v0, a2);
                a3 = FloatVector.broadcast(S, sc[e + 3]).fma(v0, a3);
                a4 = FloatVector.broadcast(S, sc[e + 4]).fma(v0, a4);
                a5 = FloatVector.broadcast(S, sc[e + 5]).fma(v0, a5);
                a6 = FloatVector.broadcast(S, sc[e + 6]).fma(v0, a6);
                a7 = FloatVector.broadcast(S, sc[e + 7]).fma(v0, a7);
            }
            int n = INV + i;
            a0.mul(stat[n]).intoArray(part, 0);
            a1.mul(stat[n + 1]).intoArray(part, L);
            a2.mul(stat[n + 2]).intoArray(part, 2 * L);
            a3.mul(stat[n + 3]).intoArray(part, 3 * L);
            a4.mul(stat[n + 4]).intoArray(part, 4 * L);
            a5.mul(stat[n + 5]).intoArray(part, 5 * L);
            a6.mul(stat[n + 6]).intoArray(part, 6 * L);
            a7.mul(stat[n + 7]).intoArray(part, 7 * L);
            emit(part, 1, real, o, ob, os, c, hd);
        }
    }

    /** Row i of {@link #weighted} alone, two vectors of columns at a time. */
    private static void weighted1(int t, int hd, int cp, int i, int bw, float[] sc, float inv, float[] v, int vb, int vs,
                                  float[] o, int ob, float[] part) {
        int c = 0;
        for (; c + 2 * L <= cp; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            for (int j = 0, p = vb + c, e = i; j < t; j++, p += vs, e += bw) {
                FloatVector x = FloatVector.broadcast(S, sc[e]);
                a0 = x.fma(FloatVector.fromArray(S, v, p), a0);
                a1 = x.fma(FloatVector.fromArray(S, v, p + L), a1);
            }
            a0.mul(inv).intoArray(part, 0);
            a1.mul(inv).intoArray(part, L);
            emit(part, 2, 1, o, ob, 0, c, hd);
        }
        if (c < cp) {
            FloatVector a = FloatVector.zero(S);
            for (int j = 0, p = vb + c, e = i; j < t; j++, p += vs, e += bw) {
                a = FloatVector.broadcast(S, sc[e]).fma(FloatVector.fromArray(S, v, p), a);
            }
            a.mul(inv).intoArray(part, 0);
            emit(part, 1, 1, o, ob, 0, c, hd);
        }
    }

    /**
     * Copies {@code rows} rows of {@code vectors} vectors each from {@code part} to o's rows {@code ob + r·os}, columns
     * {@code c ..}, only those below hd: the tiles leave their results in {@code part} rather than pass vectors to a
     * helper (a call C2 does not inline boxes them), and a partial last vector needs no masked store (C2 sometimes
     * compiles those boxed, see MicroKernel.edge).
     */
    private static void emit(float[] part, int vectors, int rows, float[] o, int ob, int os, int c, int hd) {
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < vectors; x++) {
                int from = (r * vectors + x) * L;
                int to = ob + r * os + c + x * L;
                if (c + (x + 1) * L <= hd) {
                    FloatVector.fromArray(S, part, from).intoArray(o, to);
                } else if (c + x * L < hd) {
                    System.arraycopy(part, from, o, to, hd - c - x * L);
                }
            }
        }
    }
}
