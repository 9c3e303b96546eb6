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
 * <p><b>How.</b> Per (n, h) the head's k is transposed into a {@code [hd, tPad]} panel (tPad = t
 * rounded up to the vector length, zero-filled) in per-thread scratch that stays in L1/L2; v is
 * read in place when hd is a whole number of vectors, else from a zero-padded {@code [t, hdPad]}
 * copy. Four query rows at a time: scores as 4 x 3- and 4 x 2-vector register tiles over the
 * panel, scaled, padded columns set to -inf, each row's max taken from the tile registers; the
 * four maxima reduced across lanes together; {@code e = exp(s − max)} with
 * {@link VecMath#expNonPositive}, a mostly-padding last vector in scalar; the four sums reduced
 * together; then {@code Σ_j e_j·v_j} as a 4 x 2-vector tile, times 1/sum, stored straight into o.
 * The four rows share every panel load. A last group of fewer than four rows repeats the last row
 * and stores only the real ones.
 *
 * <p>Every (n, h) is computed by the same code whatever the thread count, so results do not
 * depend on it. Against {@link AttentionReference} the scores, the maxima, every {@code e_j} and
 * the weighted sum of v are bit-identical (the same fma chains, the same exp); only the softmax
 * denominator {@code Σ_j e_j} is summed in another order: lane-wise over the row's vectors, then
 * as {@link VecMath#treeSum} across the lanes, then the scalar tail columns in order.
 * Needs a species of at least four lanes (128-bit SIMD and up); with fewer it runs the scalar twin.
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
        if (KernelConfig.SCALAR || L < ROWS) { // the four rows' joint reductions need a vector of at least four lanes
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
        /** Per group of four rows: maxima, 1/sums and their vectors, laid out as the offsets MAX, INV, VEC, RED say. */
        final float[] stat = new float[RED + L];

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
        float[] sc = s.sc;
        float[] stat = s.stat;
        for (int c = 0; c < hd; c++) {
            int row = c * tp;
            for (int j = 0; j < t; j++) {
                kt[row + j] = k[kb + j * ks + c];
            }
            for (int j = t; j < tp; j++) {
                kt[row + j] = 0f;
            }
        }
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
        for (int i0 = 0; i0 < t; i0 += ROWS) {
            int real = Math.min(ROWS, t - i0);
            int q0 = qb + i0 * qs;
            int q1 = qb + Math.min(i0 + 1, t - 1) * qs;
            int q2 = qb + Math.min(i0 + 2, t - 1) * qs;
            int q3 = qb + Math.min(i0 + 3, t - 1) * qs;
            scores(t, tp, hd, scale, q, q0, q1, q2, q3, kt, sc, stat);
            softmax(t, tp, sc, stat);
            weighted(t, hd, cp, sc, tp, vr, vr0, vrs, stat[INV], stat[INV + 1], stat[INV + 2], stat[INV + 3], o, ob + i0 * os, os, real, s.part);
        }
    }

    /**
     * {@code sc[r, j] = scale · q_r·k_j} for j < t, -inf for t <= j < tp, and {@code stat[MAX + r] = max_j sc[r, j]}.
     * Column tiles of three vectors, then two, then one (never a lone one-vector tile where two
     * two-vector tiles fit: its four fma chains would wait on the fma latency); the row maxima
     * come from the tiles' registers.
     */
    private static void scores(int t, int tp, int hd, float scale, float[] q, int q0, int q1, int q2, int q3, float[] kt,
                               float[] sc, float[] stat) {
        VectorMask<Float> padding = S.indexInRange(tp - L, t).not(); // lanes of the last vector at or past t
        FloatVector ninf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m0 = ninf;
        FloatVector m1 = ninf;
        FloatVector m2 = ninf;
        FloatVector m3 = ninf;
        int j = 0;
        for (; tp - j >= 3 * L && tp - j != 4 * L; j += 3 * L) {
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = FloatVector.zero(S);
            FloatVector a02 = FloatVector.zero(S);
            FloatVector a10 = FloatVector.zero(S);
            FloatVector a11 = FloatVector.zero(S);
            FloatVector a12 = FloatVector.zero(S);
            FloatVector a20 = FloatVector.zero(S);
            FloatVector a21 = FloatVector.zero(S);
            FloatVector a22 = FloatVector.zero(S);
            FloatVector a30 = FloatVector.zero(S);
            FloatVector a31 = FloatVector.zero(S);
            FloatVector a32 = FloatVector.zero(S);
            for (int c = 0, p = j; c < hd; c++, p += tp) {
                FloatVector k0 = FloatVector.fromArray(S, kt, p);
                FloatVector k1 = FloatVector.fromArray(S, kt, p + L);
                FloatVector k2 = FloatVector.fromArray(S, kt, p + 2 * L);
                FloatVector x = FloatVector.broadcast(S, q[q0 + c]);
                a00 = x.fma(k0, a00);
                a01 = x.fma(k1, a01);
                a02 = x.fma(k2, a02);
                x = FloatVector.broadcast(S, q[q1 + c]);
                a10 = x.fma(k0, a10);
                a11 = x.fma(k1, a11);
                a12 = x.fma(k2, a12);
                x = FloatVector.broadcast(S, q[q2 + c]);
                a20 = x.fma(k0, a20);
                a21 = x.fma(k1, a21);
                a22 = x.fma(k2, a22);
                x = FloatVector.broadcast(S, q[q3 + c]);
                a30 = x.fma(k0, a30);
                a31 = x.fma(k1, a31);
                a32 = x.fma(k2, a32);
            }
            a00 = a00.mul(scale);
            a01 = a01.mul(scale);
            a02 = a02.mul(scale);
            a10 = a10.mul(scale);
            a11 = a11.mul(scale);
            a12 = a12.mul(scale);
            a20 = a20.mul(scale);
            a21 = a21.mul(scale);
            a22 = a22.mul(scale);
            a30 = a30.mul(scale);
            a31 = a31.mul(scale);
            a32 = a32.mul(scale);
            if (j + 3 * L == tp) {
                a02 = a02.blend(ninf, padding);
                a12 = a12.blend(ninf, padding);
                a22 = a22.blend(ninf, padding);
                a32 = a32.blend(ninf, padding);
            }
            m0 = m0.max(a00).max(a01).max(a02);
            m1 = m1.max(a10).max(a11).max(a12);
            m2 = m2.max(a20).max(a21).max(a22);
            m3 = m3.max(a30).max(a31).max(a32);
            a00.intoArray(sc, j);
            a01.intoArray(sc, j + L);
            a02.intoArray(sc, j + 2 * L);
            a10.intoArray(sc, tp + j);
            a11.intoArray(sc, tp + j + L);
            a12.intoArray(sc, tp + j + 2 * L);
            a20.intoArray(sc, 2 * tp + j);
            a21.intoArray(sc, 2 * tp + j + L);
            a22.intoArray(sc, 2 * tp + j + 2 * L);
            a30.intoArray(sc, 3 * tp + j);
            a31.intoArray(sc, 3 * tp + j + L);
            a32.intoArray(sc, 3 * tp + j + 2 * L);
        }
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
            a00 = a00.mul(scale);
            a01 = a01.mul(scale);
            a10 = a10.mul(scale);
            a11 = a11.mul(scale);
            a20 = a20.mul(scale);
            a21 = a21.mul(scale);
            a30 = a30.mul(scale);
            a31 = a31.mul(scale);
            if (j + 2 * L == tp) {
                a01 = a01.blend(ninf, padding);
                a11 = a11.blend(ninf, padding);
                a21 = a21.blend(ninf, padding);
                a31 = a31.blend(ninf, padding);
            }
            m0 = m0.max(a00).max(a01);
            m1 = m1.max(a10).max(a11);
            m2 = m2.max(a20).max(a21);
            m3 = m3.max(a30).max(a31);
            a00.intoArray(sc, j);
            a01.intoArray(sc, j + L);
            a10.intoArray(sc, tp + j);
            a11.intoArray(sc, tp + j + L);
            a20.intoArray(sc, 2 * tp + j);
            a21.intoArray(sc, 2 * tp + j + L);
            a30.intoArray(sc, 3 * tp + j);
            a31.intoArray(sc, 3 * tp + j + L);
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
            a0 = a0.mul(scale).blend(ninf, padding);
            a1 = a1.mul(scale).blend(ninf, padding);
            a2 = a2.mul(scale).blend(ninf, padding);
            a3 = a3.mul(scale).blend(ninf, padding);
            m0 = m0.max(a0);
            m1 = m1.max(a1);
            m2 = m2.max(a2);
            m3 = m3.max(a3);
            a0.intoArray(sc, j);
            a1.intoArray(sc, tp + j);
            a2.intoArray(sc, 2 * tp + j);
            a3.intoArray(sc, 3 * tp + j);
        }
        m0.intoArray(stat, VEC);
        m1.intoArray(stat, VEC + L);
        m2.intoArray(stat, VEC + 2 * L);
        m3.intoArray(stat, VEC + 3 * L);
        maxRows(stat, MAX);
    }

    /**
     * Replaces each row {@code sc[r, 0 .. t)} by {@code e_j = exp(x_j − max_r)}, {@code max_r = stat[MAX + r]},
     * and sets {@code stat[INV + r] = 1 / Σ_j e_j}. The sum: the row's vectors added lane-wise,
     * reduced as {@link VecMath#treeSum} does, then the columns of a short last vector (at most
     * {@link #SCALAR_TAIL} real lanes) one by one: their exp is taken in scalar (bit for bit the
     * vector lanes', see VecMath) rather than on a vector that is mostly padding.
     */
    private static void softmax(int t, int tp, float[] sc, float[] stat) {
        int vecEnd = t - (tp - L) <= SCALAR_TAIL ? tp - L : tp;
        for (int r = 0; r < ROWS; r++) {
            FloatVector max = FloatVector.broadcast(S, stat[MAX + r]);
            FloatVector sum = FloatVector.zero(S);
            for (int j = r * tp, end = j + vecEnd; j < end; j += L) {
                FloatVector e = VecMath.expNonPositive(FloatVector.fromArray(S, sc, j).sub(max));
                e.intoArray(sc, j);
                sum = sum.add(e);
            }
            sum.intoArray(stat, VEC + r * L);
        }
        sumRows(stat, INV);
        for (int r = 0; r < ROWS; r++) {
            float max = stat[MAX + r];
            float sum = stat[INV + r];
            for (int j = r * tp + vecEnd, end = r * tp + t; j < end; j++) {
                float e = VecMath.expNonPositive(sc[j] - max);
                sc[j] = e;
                sum += e;
            }
            stat[INV + r] = 1f / sum;
        }
    }

    /** A last vector with at most this many real lanes (of L) has its exp taken lane by lane in scalar. */
    static final int SCALAR_TAIL = L / 4;
    /** Offsets in {@code Scratch.stat}: row maxima [4], 1/row sums [4], four row vectors [4, L], a reduced vector [L]. */
    private static final int MAX = 0;
    private static final int INV = ROWS;
    private static final int VEC = 2 * ROWS;
    private static final int RED = VEC + ROWS * L;

    /** Where {@link #maxRows} and {@link #sumRows} leave row r's result: lane {@code AT[r]}. */
    private static final int[] AT = {0, L / 2, L / 4, 3 * L / 4};
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(S, ((1L << L) - 1) & ~((1L << (L / 2)) - 1));
    private static final VectorMask<Float> ODD_QUARTERS = VectorMask.fromLong(S, quarters());
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(S, i -> i ^ (L / 2));
    private static final VectorShuffle<Float> SWAP_QUARTERS = VectorShuffle.fromOp(S, i -> i ^ (L / 4));
    private static final VectorShuffle<Float>[] SMALLER = smaller();

    private static long quarters() {
        long bits = 0;
        for (int i = 0; i < L; i++) {
            if ((i & (L / 4)) != 0) {
                bits |= 1L << i;
            }
        }
        return bits;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] smaller() {
        int steps = Math.max(0, Integer.numberOfTrailingZeros(L) - 2);
        VectorShuffle<Float>[] h = new VectorShuffle[steps];
        for (int s = 0; s < steps; s++) {
            int half = L >> (s + 3);
            h[s] = VectorShuffle.fromOp(S, i -> i ^ half);
        }
        return h;
    }

    /**
     * {@code stat[dst + r] = max} over the lanes of the vector {@code stat[VEC + r·L ..]}, for the four
     * rows at once, in {@link #sumRows}'s pairwise order (max is exact, so any order gives the same).
     * The vectors travel through {@code stat} because a vector argument or result of a call that C2
     * does not inline is boxed. Written out beside {@link #sumRows} rather than shared with it
     * through an operator argument: that version was not inlined and ran the kernel at 1029
     * against 546 us (1 head, batch 64).
     */
    private static void maxRows(float[] stat, int dst) {
        FloatVector a = FloatVector.fromArray(S, stat, VEC);
        FloatVector b = FloatVector.fromArray(S, stat, VEC + L);
        FloatVector c = FloatVector.fromArray(S, stat, VEC + 2 * L);
        FloatVector d = FloatVector.fromArray(S, stat, VEC + 3 * L);
        FloatVector ab = a.blend(b, UPPER_HALF).max(b.blend(a, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector cd = c.blend(d, UPPER_HALF).max(d.blend(c, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector x = ab.blend(cd, ODD_QUARTERS).max(cd.blend(ab, ODD_QUARTERS).rearrange(SWAP_QUARTERS));
        for (VectorShuffle<Float> h : SMALLER) {
            x = x.max(x.rearrange(h));
        }
        x.intoArray(stat, RED);
        for (int r = 0; r < ROWS; r++) {
            stat[dst + r] = stat[RED + AT[r]];
        }
    }

    /**
     * {@code stat[dst + r] = } the lane sum of the vector {@code stat[VEC + r·L ..]} for the four rows at
     * once, each bit for bit {@link VecMath#treeSum} of its vector: the same pairwise order (lane i
     * plus lane i + L/2, then on the halves), with the operands of some adds swapped, which is
     * exact. The first two steps fold a pair of rows into one vector each (row a in the lower lanes,
     * b in the upper), the later ones work on all four rows together; row r ends in lane
     * {@code AT[r]}. Needs at least four lanes.
     */
    private static void sumRows(float[] stat, int dst) {
        FloatVector a = FloatVector.fromArray(S, stat, VEC);
        FloatVector b = FloatVector.fromArray(S, stat, VEC + L);
        FloatVector c = FloatVector.fromArray(S, stat, VEC + 2 * L);
        FloatVector d = FloatVector.fromArray(S, stat, VEC + 3 * L);
        FloatVector ab = a.blend(b, UPPER_HALF).add(b.blend(a, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector cd = c.blend(d, UPPER_HALF).add(d.blend(c, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector x = ab.blend(cd, ODD_QUARTERS).add(cd.blend(ab, ODD_QUARTERS).rearrange(SWAP_QUARTERS));
        for (VectorShuffle<Float> h : SMALLER) {
            x = x.add(x.rearrange(h));
        }
        x.intoArray(stat, RED);
        for (int r = 0; r < ROWS; r++) {
            stat[dst + r] = stat[RED + AT[r]];
        }
    }

    /** {@code o[r, c] = inv_r · Σ_j sc[r, j]·v[j, c]} for the first {@code real} rows, v's row j at {@code vb + j·vs}. */
    private static void weighted(int t, int hd, int cp, float[] sc, int tp, float[] vp, int vb, int vs, float inv0, float inv1, float inv2,
                                 float inv3, float[] o, int ob, int os, int real, float[] part) {
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
            for (int j = 0, p = vb + c; j < t; j++, p += vs) {
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
            for (int j = 0, p = vb + c; j < t; j++, p += vs) {
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
