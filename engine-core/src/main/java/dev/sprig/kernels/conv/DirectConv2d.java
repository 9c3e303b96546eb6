package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.gemm.IndirectGemm;
import dev.sprig.kernels.vec.Elementwise;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The forward of a convolution without im2col: an implicit GEMM over the zero-padded input, read
 * in place through {@link IndirectGemm}.
 *
 * <p><b>Stride 1.</b> Pad one image's group of channels into planes of {@code hp x wp}
 * ({@code hp = h + 2 padH}, {@code wp = w + 2 padW}) and flatten them. Output pixel (oh, ow) of
 * channel oc is {@code Σ_{ic,i,j} w[oc, ic, i, j] · pad[ic·hp·wp + (oh + i·dh)·wp + ow + j·dw]}:
 * at flat index {@code q = oh·wp + ow} every term reads {@code pad[offset(ic, i, j) + q]}. So the
 * column matrix of im2col is, row by row, the padded input shifted by {@code offset(ic, i, j)},
 * and {@code out[oc, q] = W_g · B} with that indirect B computes the output on the padded width
 * ({@code q < (outH-1)·wp + outW}); the {@code wp - outW} columns past each output row are junk
 * and are dropped when the rows are copied into y (with the bias added, or a {@link ConvEpilogue}
 * applied, on the way).
 *
 * <p><b>Stride s (sh x sw).</b> The padded plane is split into its {@code sh·sw} phases,
 * {@code phase(a, b)[r, c] = pad[r·sh + a, c·sw + b]}, each {@code ceil(hp/sh) x ceil(wp/sw)}.
 * Padded row {@code oh·sh + i·dh} is row {@code oh + (i·dh)/sh} of phase {@code (i·dh) % sh}, so
 * in the phase planes every kernel tap is again a fixed shift of a stride-1 walk, and the same
 * GEMM applies with {@code q = oh·wph + ow}. Stride 1 is the case of one phase.
 *
 * <p>Against im2col + GEMM this moves {@code cpg·hp·wp} floats (the padding copy; none at all for
 * stride 1 without padding, which reads x in place) instead of {@code cpg·kh·kw·outH·outW} (the
 * column matrix), at the price of {@code wph / outW} more columns in the GEMM (1.06x at 32x32,
 * 1.25x at 8x8, pad 1). The lowering is what made narrow (pruned) layers slow: its cost is per
 * input channel while the multiply-adds are per input and output channel. The padded buffers
 * carry slack past their ends so every GEMM tile is a whole one (no edge path), and the weights
 * are packed once per batch ({@link Plan}). Each output element is the same sum in the same order
 * as the im2col path (K in (ic, i, j) order, sliced as {@link dev.sprig.kernels.gemm.Sgemm} slices
 * it): the two agree bit for bit.
 *
 * <p><b>Whole output rows.</b> With an epilogue, when the output rows are whole vectors (in tiles
 * of four) and K is one slice ({@link IndirectGemm#rowsApply}), the GEMM's tiles are taken from
 * whole output rows instead ({@link IndirectGemm#gemmRows}): no junk columns are computed, and
 * each tile goes through the epilogue into y, or into the next convolution's padded planes, as it
 * leaves the registers, with no buffer and no epilogue pass. The same operations per element.
 */
final class DirectConv2d {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;

    private DirectConv2d() {}

    /**
     * Whether {@link Conv2d#forward} takes this path: not depthwise, a kernel bigger than 1x1 (a 1x1
     * layer needs no lowering at stride 1, and at stride 2 its lowering is the same strided copy
     * as the phase split).
     */
    static boolean applies(Conv2dShape s) {
        return !KernelConfig.CONV_IM2COL_ONLY && !s.isDepthwise() && s.kh() * s.kw() > 1 && buffersFit(s);
    }

    /**
     * Whether the phase planes and the padded-width output fit in Java arrays (with a stride larger
     * than the kernel the phase planes hold more than the column matrix, which the shape checks).
     */
    static boolean buffersFit(Conv2dShape s) {
        long wph = phaseW(s);
        long planes = (long) s.inPerGroup() * s.strideH() * s.strideW() * phaseH(s) * wph;
        long q = (long) (s.outH() - 1) * wph + s.outW();
        long slack = 4L * KernelConfig.FLOATS.length() + 8;
        return planes + slack <= Integer.MAX_VALUE - 16 && (long) s.outPerGroup() * (q + slack) + slack <= Integer.MAX_VALUE - 16;
    }

    /** Rows of a phase plane. */
    private static int phaseH(Conv2dShape s) {
        return (s.h() + 2 * s.padH() + s.strideH() - 1) / s.strideH();
    }

    /** Columns of a phase plane (the padded width at stride 1). */
    private static int phaseW(Conv2dShape s) {
        return (s.w() + 2 * s.padW() + s.strideW() - 1) / s.strideW();
    }

    /** Stride 1 without padding: B is the input itself. */
    private static boolean readsInput(Conv2dShape s) {
        return s.strideH() == 1 && s.strideW() == 1 && s.padH() == 0 && s.padW() == 0;
    }

    /**
     * What a batch shares: the row offsets of the implicit column matrix and, per group, either the
     * packed weights or, for the whole-output-rows path, the weights read in place.
     */
    record Plan(int[] offsets, IndirectGemm.PackedA[] weights, IndirectGemm.RowsA[] rows) {}

    /** The plan of one forward call: offsets from the shape, the weights {@code [outC, cpg*kh*kw]} at wOff packed per group. */
    static Plan plan(Conv2dShape s, float[] w, int wOff) {
        return plan(s, w, wOff, false);
    }

    /**
     * As {@link #plan(Conv2dShape, float[], int)}; for a {@code fused} convolution (one with an
     * epilogue) that takes the whole-output-rows path ({@link IndirectGemm#rowsApply}), its
     * weights are read in place ({@link IndirectGemm#rowsA}) instead of packed.
     */
    static Plan plan(Conv2dShape s, float[] w, int wOff, boolean fused) {
        int k = s.patchSize();
        int opg = s.outPerGroup();
        if (fused && opg > 0 && IndirectGemm.rowsApply(k, s.outH(), s.outW())) {
            IndirectGemm.RowsA[] rows = new IndirectGemm.RowsA[s.groups()];
            for (int g = 0; g < s.groups(); g++) {
                rows[g] = IndirectGemm.rowsA(opg, k, w, wOff + g * opg * k, k);
            }
            return new Plan(offsets(s), null, rows);
        }
        IndirectGemm.PackedA[] packed = new IndirectGemm.PackedA[s.groups()];
        for (int g = 0; g < s.groups(); g++) {
            packed[g] = IndirectGemm.pack(opg, k, w, wOff + g * opg * k, k);
        }
        return new Plan(offsets(s), packed, null);
    }

    /** Image {@code i} of the batch: every group, bias added; the GEMM on up to {@code threads} threads. */
    static void forwardImage(Conv2dShape s, Plan plan, int i, float[] x, int xOff,
                             float[] bias, int bOff, float[] y, int yOff, int threads) {
        forwardImage(s, plan, i, x, xOff, bias, bOff, null, y, yOff, threads);
    }

    /**
     * As above; when {@code epilogue} is not null (and {@code bias} null) each output row gets the
     * epilogue instead of the bias on its way from the padded-width GEMM output into y.
     */
    static void forwardImage(Conv2dShape s, Plan plan, int i, float[] x, int xOff,
                             float[] bias, int bOff, ConvEpilogue epilogue, float[] y, int yOff, int threads) {
        int cpg = s.inPerGroup(), opg = s.outPerGroup();
        int plane = s.h() * s.w();
        int wph = phaseW(s);
        int block = s.strideH() * s.strideW() * phaseH(s) * wph; // one input channel's phase planes
        int oh = s.outH(), ow = s.outW();
        int q = (oh - 1) * wph + ow; // flat output columns, junk past each row's outW included
        boolean copied = !readsInput(s);
        // Reading x in place leaves no slack to overrun into.
        int ldo = copied ? IndirectGemm.overrunColumns(q) : q;
        float[] out = Scratch.get(Scratch.OUT, IndirectGemm.overrunRows(opg) * ldo);
        float[] pad = copied ? Scratch.get(Scratch.PAD, cpg * block + ldo - q) : null;
        for (int g = 0; g < s.groups(); g++) {
            int xg = xOff + (i * s.inChannels() + g * cpg) * plane;
            float[] src = x;
            int srcOff = xg;
            if (copied) {
                if (s.strideH() == 1 && s.strideW() == 1) {
                    pad(x, xg, cpg, s.h(), s.w(), s.padH(), s.padW(), pad);
                } else {
                    phases(s, x, xg, cpg, pad);
                }
                src = pad;
                srcOff = 0;
            }
            gemmInto(s, plan, g, i, src, srcOff, copied, out, ldo, bias, bOff, epilogue, y, yOff, threads);
        }
    }

    /**
     * Group {@code g} of image {@code i} from its (padded or phase-split) input planes at
     * {@code src[srcOff]}: the implicit GEMM into {@code out} (rows {@code ldo} apart), then each
     * output channel's rows into y with the bias added or the epilogue applied.
     */
    private static void gemmInto(Conv2dShape s, Plan plan, int g, int i, float[] src, int srcOff, boolean overrun, float[] out, int ldo,
                                 float[] bias, int bOff, ConvEpilogue epilogue, float[] y, int yOff, int threads) {
        int opg = s.outPerGroup();
        int wph = phaseW(s);
        int oh = s.outH(), ow = s.outW();
        int q = (oh - 1) * wph + ow;
        if (epilogue != null && plan.rows() != null) {
            // Whole output rows: no junk columns, and the epilogue in the GEMM's store, straight into y.
            int yc = yOff + (i * s.outChannels() + g * opg) * oh * ow;
            IndirectGemm.gemmRows(plan.rows()[g], src, srcOff, plan.offsets(), oh, ow, wph, y, yc, ow, oh * ow,
                    epilogue.scales(s.outChannels()), epilogue.shifts(s.outChannels()), g * opg, epilogue.residual(),
                    epilogue.residualOff() - yOff, epilogue.relu(), threads);
            return;
        }
        IndirectGemm.gemm(plan.weights()[g], q, src, srcOff, plan.offsets(), out, 0, ldo, overrun, threads);
        for (int oc = 0; oc < opg; oc++) {
            int yc = yOff + (i * s.outChannels() + g * opg + oc) * oh * ow;
            if (epilogue != null) {
                int c = g * opg + oc;
                int rc = epilogue.residualOff() + (yc - yOff); // the residual has y's layout
                ConvEpilogue.rows(out, oc * ldo, wph, epilogue.scaleAt(c), epilogue.shiftAt(c), epilogue.residual(), rc,
                        epilogue.relu(), y, yc, oh, ow);
                continue;
            }
            float b = bias == null ? 0f : bias[bOff + g * opg + oc];
            for (int r = 0; r < oh; r++) {
                if (bias == null) {
                    copy(out, oc * ldo + r * wph, y, yc + r * ow, ow);
                } else {
                    Elementwise.addConstVector(out, oc * ldo + r * wph, b, y, yc + r * ow, ow);
                }
            }
        }
    }

    /**
     * Whether {@code s2} can read {@code s1}'s output in place as its zero-padded input
     * ({@link #forwardPairImage}): both take this path, dense (one group) and stride 1; s1 is a
     * "same" convolution (its output as large as its input), padded as s2 is; and s2's input is
     * s1's output. Then s1's padded-width output rows are s2's padded input rows, shifted.
     */
    static boolean pairs(Conv2dShape s1, Conv2dShape s2) {
        return applies(s1) && applies(s2) && s1.groups() == 1 && s2.groups() == 1
                && s1.strideH() == 1 && s1.strideW() == 1 && s2.strideH() == 1 && s2.strideW() == 1
                && s1.outH() == s1.h() && s1.outW() == s1.w() && s1.padH() == s2.padH() && s1.padW() == s2.padW()
                && !readsInput(s1) && !readsInput(s2)
                && s2.n() == s1.n() && s2.inChannels() == s1.outChannels() && s2.h() == s1.outH() && s2.w() == s1.outW();
    }

    /**
     * Image {@code i} through two convolutions that {@link #pairs}: s1's GEMM output goes through
     * {@code e1} straight into s2's zero-padded input planes ({@link ConvEpilogue#paddedVector}), which
     * s2's GEMM reads; s2's output gets {@code e2} on its way into y. s2 reads the values
     * {@link #pad} would have copied from s1's output, so y is bit for bit s1 then s2 through
     * {@link #forwardImage}, while s1's output is never written whole, zeroed or padded again.
     *
     * @param e1       s1's epilogue, without a residual
     * @param interior {@link ConvEpilogue#interior}{@code (s1.w, s1.w + 2·s1.padW)}, shared by the batch
     */
    static void forwardPairImage(Conv2dShape s1, Plan p1, ConvEpilogue e1, Conv2dShape s2, Plan p2, ConvEpilogue e2,
                                 float[] interior, int i, float[] x, int xOff, float[] y, int yOff, int threads) {
        int h = s1.h(), w = s1.w(), ph = s1.padH(), pw = s1.padW();
        int wp = w + 2 * pw;
        int plane = (h + 2 * ph) * wp;
        int c1 = s1.inChannels(), m = s1.outChannels();
        int q1 = (h - 1) * wp + w;
        int q2 = (s2.outH() - 1) * wp + s2.outW();
        int ldo1 = IndirectGemm.overrunColumns(q1);
        int ldo2 = IndirectGemm.overrunColumns(q2);
        float[] out = Scratch.get(Scratch.OUT, Math.max(IndirectGemm.overrunRows(m) * ldo1,
                IndirectGemm.overrunRows(s2.outChannels()) * ldo2));
        float[] pad = Scratch.get(Scratch.PAD, c1 * plane + ldo1 - q1);
        float[] mid = Scratch.get(Scratch.MID, m * plane + ldo2 - q2); // s2's padded input, slack for its overrun
        pad(x, xOff + i * c1 * h * w, c1, h, w, ph, pw, pad);
        if (p1.rows() != null) {
            // s1's rows through e1 straight into the planes' interiors; their borders zeroed apart.
            zeroBorders(mid, m, h, w, ph, pw);
            IndirectGemm.gemmRows(p1.rows()[0], pad, 0, p1.offsets(), h, w, wp, mid, ph * wp + pw, wp, plane,
                    e1.scales(m), e1.shifts(m), 0, null, 0, e1.relu(), threads);
        } else {
            IndirectGemm.gemm(p1.weights()[0], q1, pad, 0, p1.offsets(), out, 0, ldo1, true, threads);
            for (int c = 0; c < m; c++) {
                ConvEpilogue.paddedVector(out, c * ldo1, e1.scaleAt(c), e1.shiftAt(c), e1.relu(), interior, mid, c * plane, h, w, ph, pw);
            }
        }
        gemmInto(s2, p2, 0, i, mid, 0, true, out, ldo2, null, 0, e2, y, yOff, threads);
    }

    /** Zeroes the borders of {@code c} padded planes ({@code (h + 2ph) x (w + 2pw)} each, from 0), leaving their interiors. */
    static void zeroBorders(float[] planes, int c, int h, int w, int ph, int pw) {
        int wp = w + 2 * pw;
        int plane = (h + 2 * ph) * wp;
        for (int ch = 0; ch < c; ch++) {
            int base = ch * plane;
            // Top rows and row 0's left border; then each right border with the next row's left; then the rest.
            Arrays.fill(planes, base, base + ph * wp + pw, 0f);
            for (int r = 0; r < h - 1; r++) {
                int end = base + (ph + r) * wp + pw + w;
                Arrays.fill(planes, end, end + 2 * pw, 0f);
            }
            Arrays.fill(planes, base + (ph + h - 1) * wp + pw + w, base + plane, 0f);
        }
    }

    /** Offset of row (ic, i, j) of the implicit column matrix in the flattened phase planes. */
    static int[] offsets(Conv2dShape s) {
        return offsets(s, 0, 0, phaseH(s), phaseW(s));
    }

    /**
     * {@link #offsets(Conv2dShape)} over phase planes of {@code hph x wph}, every tap shifted by
     * (originH, originW): a source padded more than the convolution itself ({@code PaddedConv}).
     */
    static int[] offsets(Conv2dShape s, int originH, int originW, int hph, int wph) {
        int sh = s.strideH(), sw = s.strideW();
        int phasePlane = hph * wph;
        int block = sh * sw * phasePlane;
        int taps = s.kh() * s.kw();
        int[] offsets = new int[s.patchSize()];
        // Channel 0's taps; every other channel's are these plus ic·block (the divisions once per tap, not per row).
        for (int i = 0, r = 0; i < s.kh(); i++) {
            int di = i * s.dilationH() + originH;
            for (int j = 0; j < s.kw(); j++) {
                int dj = j * s.dilationW() + originW;
                int phase = (di % sh) * sw + dj % sw;
                offsets[r++] = phase * phasePlane + (di / sh) * wph + dj / sw;
            }
        }
        for (int ic = 1, r = taps; ic < s.inPerGroup(); ic++) {
            int base = ic * block;
            for (int t = 0; t < taps; t++) {
                offsets[r++] = base + offsets[t];
            }
        }
        return offsets;
    }

    /**
     * The strided case of {@link #pad}: each of the {@code c} planes at xOff, zero-padded, split
     * into its {@code sh·sw} phase planes {@code phase(a, b)[r, col] = padded[r·sh + a, col·sw + b]}
     * (zero past the padded plane), laid out channel by channel, phase by phase.
     */
    static void phases(Conv2dShape s, float[] x, int xOff, int c, float[] dst) {
        phases(s, x, xOff, c, dst, 0);
    }

    /** {@link #phases(Conv2dShape, float[], int, int, float[])} into dst from dOff. */
    static void phases(Conv2dShape s, float[] x, int xOff, int c, float[] dst, int dOff) {
        int sh = s.strideH(), sw = s.strideW();
        int h = s.h(), w = s.w(), ph = s.padH(), pw = s.padW();
        int hph = phaseH(s), wph = phaseW(s);
        int d = dOff;
        for (int ch = 0; ch < c; ch++) {
            int src = xOff + ch * h * w;
            for (int a = 0; a < sh; a++) {
                for (int b = 0; b < sw; b++) {
                    // Columns col with pw <= col·sw + b < pw + w hold input; the rest are padding.
                    int lo = Math.min(wph, Math.max(0, ceilDiv(pw - b, sw)));
                    int hi = Math.max(lo, Math.min(wph, ceilDiv(pw + w - b, sw)));
                    for (int r = 0; r < hph; r++, d += wph) {
                        int ir = r * sh + a - ph;
                        if (ir < 0 || ir >= h) {
                            Arrays.fill(dst, d, d + wph, 0f);
                            continue;
                        }
                        Arrays.fill(dst, d, d + lo, 0f);
                        int row = src + ir * w + b - pw; // input column of phase column col: col·sw + row - src
                        if (sw == 1) {
                            copy(x, row + lo, dst, d + lo, hi - lo);
                        } else {
                            int col = sw == 2 ? Vec.gatherEven(x, row, dst, d, lo, hi) : lo;
                            for (; col < hi; col++) {
                                dst[d + col] = x[row + col * sw];
                            }
                        }
                        Arrays.fill(dst, d + hi, d + wph, 0f);
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** Copies {@code c} planes of {@code h x w} from x into {@code pad} as {@code (h+2ph) x (w+2pw)} planes with zero borders. */
    static void pad(float[] x, int xOff, int c, int h, int w, int ph, int pw, float[] pad) {
        pad(x, xOff, c, h, w, ph, pw, pad, 0);
    }

    /** {@link #pad(float[], int, int, int, int, int, int, float[])} into pad from padOff. */
    static void pad(float[] x, int xOff, int c, int h, int w, int ph, int pw, float[] pad, int padOff) {
        int wp = w + 2 * pw;
        int planeP = (h + 2 * ph) * wp;
        for (int ch = 0; ch < c; ch++) {
            int base = padOff + ch * planeP;
            int src = xOff + ch * h * w;
            Arrays.fill(pad, base, base + ph * wp, 0f); // top rows
            for (int r = 0; r < h; r++) {
                int row = base + (ph + r) * wp;
                for (int j = 0; j < pw; j++) {
                    pad[row + j] = 0f;
                    pad[row + pw + w + j] = 0f;
                }
                copy(x, src + r * w, pad, row + pw, w);
            }
            Arrays.fill(pad, base + (ph + h) * wp, base + planeP, 0f); // bottom rows
        }
    }

    /** {@code dst[d + i] = src[s + i]} for {@code i < len}: whole vectors, then the tail (rows here are short). */
    private static void copy(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] = src[s + i];
        }
    }
}
