package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.gemm.IndirectGemm;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One inference convolution of a network whose activations stay in zero-padded planes from
 * layer to layer: it reads its input from padded planes (split into phase planes when it is
 * strided) and writes {@code relu?(conv·scale + shift + residual)} into the interiors of the next
 * layer's padded planes, leaving their borders as they are. A plan built from these
 * ({@code dev.sprig.nn.infer.ResNetPlan}) allocates its planes once, zeroed, and never pads,
 * zeroes or re-plans again: the per-call costs of {@link Conv2d#forwardFused} (a padded copy of
 * each input, a new zeroed output array, the weights' plan, the epilogue's arrays) are what a
 * pruned network's narrow layers spend most of their time on.
 *
 * <p><b>Layout.</b> {@code c} channels of an {@code h x w} activation padded by {@code p} are
 * {@code c} planes of {@code (h + 2p) x (w + 2p)}, one after another, followed by {@link #SLACK}
 * floats ({@link #paddedFloats}). A stride-s convolution reads the {@code s·s} phase planes of its
 * padded input ({@link #splitPhases}, as {@link DirectConv2d} does): each of its kernel taps is then
 * a fixed shift of a stride-1 walk. The source may be padded more than the convolution itself
 * ({@code srcPad >= s.padH(), s.padW()}): a 1x1 shortcut convolution without padding reads the
 * same padded planes (or phases) as the 3x3 convolution beside it, its taps shifted by the
 * difference. Rows and columns may be padded apart ({@link #paddedFloats(int, int, int, int, int)}):
 * rows of at most half a vector lie end to end without column padding, two to a vector, and a
 * "same" convolution at stride 1 reads them through shifted column copies that it writes after
 * the source's planes, in the source's array ({@link #sourceFloats} counts them).
 *
 * <p><b>Kernels.</b> Where {@link IndirectGemm#rowsApply} holds (output rows of whole vectors or
 * half a vector, one K slice) the GEMM's tiles are whole output rows with the epilogue in their
 * store ({@link IndirectGemm#gemmRows}); otherwise the buffered implicit GEMM computes rows of the
 * source's width and {@link ConvEpilogue#rowsStrided} takes each output row through the epilogue
 * into the destination. Per output element these are the operations of {@link Conv2d#forwardFused}
 * (the same fma chain over K in (ic, i, j) order, sliced alike, then one fma, an add and a max), so
 * a plan's output is bit for bit the one of the fused convolutions it replaces. Over several
 * images at once ({@link #run(int, float[], int, int, float[], int, int, float[], int, int, int)})
 * the buffered path is one GEMM of all of them ({@link IndirectGemm#gemmImages}). Under
 * {@link KernelConfig#SCALAR} the buffered path runs on the scalar twins.
 *
 * <p>Weights, scale and shift are copied when the convolution is made: it is a snapshot.
 * Groups other than 1 are not supported (a ResNet has none).
 */
public final class PaddedConv {
    /** Floats past a layout's last plane that the buffered GEMM may read (whole tiles past the last row). */
    public static final int SLACK = IndirectGemm.overrunColumns(1);
    /** Ints of half a float vector's bits: a vector of longs narrowed (the stride-2 phase split). */
    private static final VectorSpecies<Integer> HALF_INTS = KernelConfig.HALF_FLOATS.withLanes(int.class);

    private final Conv2dShape s;
    private final int srcPadH;
    private final int srcPadW;
    private final int dstPadH;
    private final int dstPadW;
    private final int[] offsets;
    /** The offsets with their bounds, for the whole-row product's constant-time check. */
    private final IndirectGemm.RowOffsets rowOffsets;
    private final IndirectGemm.RowsA rows;
    private final IndirectGemm.PackedA packed;
    private final float[] scale;
    private final float[] shift;
    private final boolean relu;
    /** Phase-plane rows and columns of the source (its padded rows and columns at stride 1). */
    private final int hph;
    private final int wph;
    /**
     * Column copies: the source has less horizontal padding than the convolution (its rows lie end
     * to end), so each kernel column reads its own copy of the planes, shifted and zeroed outside the
     * rows ({@link #columnCopies}); null otherwise. Entry j is kernel column j's shift.
     */
    private final int[] shifts;
    /** Per kernel column, {@code [w + L]} floats: 1 where column {@code k % w} shifted by its shift lies inside the row (copyShifted). */
    private final float[][] inside;
    /** Whether the GEMM takes the output as one flat row ({@code outH·outW} columns), its rows end to end in B and C. */
    private final boolean flat;
    /** {@link #sourceFloats}: the source planes (or phases), their column copies and the slack. */
    private final int sourceFloats;

    private PaddedConv(Conv2dShape s, float[] w, float[] scale, float[] shift, boolean relu, int srcPadH, int srcPadW, int dstPadH,
                       int dstPadW) {
        this.s = s;
        this.srcPadH = srcPadH;
        this.srcPadW = srcPadW;
        this.dstPadH = dstPadH;
        this.dstPadW = dstPadW;
        this.scale = scale;
        this.shift = shift;
        this.relu = relu;
        this.hph = ceilDiv(s.h() + 2 * srcPadH, s.strideH());
        this.wph = ceilDiv(s.w() + 2 * srcPadW, s.strideW());
        if (srcPadW < s.padW()) {
            this.shifts = new int[s.kw()];
            for (int j = 0; j < s.kw(); j++) {
                shifts[j] = j * s.dilationW() - s.padW();
            }
        } else {
            this.shifts = null;
        }
        int l = KernelConfig.FLOATS.length();
        this.inside = new float[shifts == null ? 0 : shifts.length][s.w() + l];
        for (int j = 0; j < inside.length; j++) {
            for (int k = 0; k < inside[j].length; k++) {
                int col = k % s.w() + shifts[j];
                inside[j][k] = col >= 0 && col < s.w() ? 1f : 0f;
            }
        }
        int copies = 0;
        for (int t : shifts == null ? new int[0] : shifts) {
            copies += t != 0 ? 1 : 0;
        }
        this.sourceFloats = s.inChannels() * s.strideH() * s.strideW() * hph * wph * (1 + copies) + SLACK;
        this.offsets = shifts == null ? offsets() : copyOffsets();
        this.rowOffsets = IndirectGemm.RowOffsets.of(offsets);
        int k = s.patchSize();
        // B's rows lie end to end when they are the column copies (width w) of a "same" convolution; C's when unpadded.
        this.flat = shifts != null && dstPadW == 0 && IndirectGemm.rowsApply(k, 1, s.outH() * s.outW());
        if (flat || IndirectGemm.rowsApply(k, s.outH(), s.outW())) {
            this.rows = IndirectGemm.rowsA(s.outChannels(), k, w, 0, k);
            this.packed = null;
        } else {
            this.rows = null;
            this.packed = IndirectGemm.pack(s.outChannels(), k, w, 0, k);
        }
    }

    /**
     * The convolution {@code s} (its batch size is ignored) with weights {@code [outC, inC, kh, kw]}
     * at wOff, each output channel then {@code relu?(acc·scale[c] + shift[c] (+ residual))}, from and
     * into planes padded alike on all four sides.
     *
     * @param scale  {@code [outC]}, or null for ones
     * @param shift  {@code [outC]}, or null for zeros
     * @param srcPad the padding of the source planes, at least the convolution's own
     * @param dstPad the padding of the destination planes (the next convolution's)
     */
    public static PaddedConv of(Conv2dShape s, float[] w, int wOff, float[] scale, float[] shift, boolean relu, int srcPad,
                                int dstPad) {
        return of(s, w, wOff, scale, shift, relu, srcPad, srcPad, dstPad, dstPad);
    }

    /**
     * As {@link #of(Conv2dShape, float[], int, float[], float[], boolean, int, int)} with the rows
     * and columns of source and destination padded apart. A source padded less horizontally than
     * the convolution (rows of 8 end to end, where a padded row would be 10 and two rows would not
     * fill a 16-lane vector) is read through shifted column copies: only at stride 1, from a source
     * without column padding, for output rows as wide as the input's ("same" columns) and
     * {@code padW <= w}.
     */
    public static PaddedConv of(Conv2dShape s, float[] w, int wOff, float[] scale, float[] shift, boolean relu, int srcPadH,
                                int srcPadW, int dstPadH, int dstPadW) {
        if (s == null || w == null) {
            throw new IllegalArgumentException("padded conv: the shape and the weights must not be null, got shape=" + s
                    + ", w=" + (w == null ? "null" : "[" + w.length + "]"));
        }
        if (s.groups() != 1) {
            throw new IllegalArgumentException("padded conv: groups must be 1, got " + s.groups());
        }
        if (srcPadH < s.padH() || srcPadW < 0 || dstPadH < 0 || dstPadW < 0) {
            throw new IllegalArgumentException("padded conv: the source's rows must be padded at least as the convolution's (padH="
                    + s.padH() + ") and every padding >= 0, got srcPad=" + srcPadH + "x" + srcPadW + ", dstPad=" + dstPadH + "x" + dstPadW);
        }
        if (srcPadW < s.padW() && (s.strideH() != 1 || s.strideW() != 1 || srcPadW != 0 || s.outW() != s.w() || s.padW() > s.w())) {
            throw new IllegalArgumentException("padded conv: a source padded less than the convolution (srcPadW=" + srcPadW
                    + " < padW=" + s.padW() + ") is read through column copies, which need stride 1, rows without column padding"
                    + " (srcPadW=0), output rows as wide as the input's and padW <= w, got stride " + s.strideH() + "x" + s.strideW()
                    + ", srcPadW=" + srcPadW + ", outW=" + s.outW() + ", w=" + s.w());
        }
        ConvChecks.weight("padded conv", s, "w", w, wOff);
        int c = s.outChannels();
        if ((scale != null && scale.length != c) || (shift != null && shift.length != c)) {
            throw new IllegalArgumentException("padded conv: scale and shift must have outChannels=" + c + " elements, got "
                    + (scale == null ? "none" : scale.length) + " and " + (shift == null ? "none" : shift.length));
        }
        float[] ws = new float[s.weightSize()];
        System.arraycopy(w, wOff, ws, 0, ws.length);
        float[] sc = new float[c];
        float[] sh = new float[c];
        for (int i = 0; i < c; i++) {
            sc[i] = scale == null ? 1f : scale[i];
            sh[i] = shift == null ? 0f : shift[i];
        }
        return new PaddedConv(s, ws, sc, sh, relu, srcPadH, srcPadW, dstPadH, dstPadW);
    }

    /** Floats of {@code c} planes of {@code h x w} padded by {@code pad}, with the {@link #SLACK}. */
    public static int paddedFloats(int c, int h, int w, int pad) {
        return paddedFloats(c, h, w, pad, pad);
    }

    /** Floats of {@code c} planes of {@code h x w}, rows padded by {@code padH} above and below and by {@code padW} left and right, with the {@link #SLACK}. */
    public static int paddedFloats(int c, int h, int w, int padH, int padW) {
        sizes("paddedFloats", c, h, w, padH, padW);
        long n = (long) c * (h + 2 * padH) * (w + 2 * padW) + SLACK;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("padded conv: " + c + " planes of " + h + "x" + w + " padded by " + padH + "x" + padW
                    + " do not fit in one array");
        }
        return (int) n;
    }

    /**
     * Copies {@code c} planes of {@code h x w} from x at xOff into dst (from 0) padded by {@code pad},
     * borders zeroed: the layout of a network's input for its first padded convolution.
     */
    public static void pad(float[] x, int xOff, int c, int h, int w, int pad, float[] dst) {
        pad(x, xOff, c, h, w, pad, pad, dst);
    }

    /** {@link #pad(float[], int, int, int, int, int, float[])} with rows and columns padded apart. */
    public static void pad(float[] x, int xOff, int c, int h, int w, int padH, int padW, float[] dst) {
        pad(x, xOff, c, h, w, padH, padW, dst, 0);
    }

    /** {@link #pad(float[], int, int, int, int, int, int, float[])} into dst from dOff. */
    public static void pad(float[] x, int xOff, int c, int h, int w, int padH, int padW, float[] dst, int dOff) {
        int planes = paddedFloats(c, h, w, padH, padW) - SLACK; // checks the sizes
        ConvChecks.require("padded conv: pad", "x", x, xOff, (long) c * h * w, "c*h*w");
        ConvChecks.require("padded conv: pad", "dst", dst, dOff, planes, "the padded planes");
        DirectConv2d.pad(x, xOff, c, h, w, padH, padW, dst, dOff);
    }

    /** Copies the interiors of {@code c} planes of {@code h x w} padded by {@code pad} into dst at dOff, contiguous. */
    public static void unpad(float[] src, int c, int h, int w, int pad, float[] dst, int dOff) {
        unpad(src, c, h, w, pad, pad, dst, dOff);
    }

    /** {@link #unpad(float[], int, int, int, int, float[], int)} with rows and columns padded apart. */
    public static void unpad(float[] src, int c, int h, int w, int padH, int padW, float[] dst, int dOff) {
        unpad(src, 0, c, h, w, padH, padW, dst, dOff);
    }

    /** {@link #unpad(float[], int, int, int, int, int, float[], int)} of the planes at srcOff. */
    public static void unpad(float[] src, int srcOff, int c, int h, int w, int padH, int padW, float[] dst, int dOff) {
        int planes = paddedFloats(c, h, w, padH, padW) - SLACK; // checks the sizes
        int wp = w + 2 * padW;
        int plane = (h + 2 * padH) * wp;
        ConvChecks.require("padded conv: unpad", "src", src, srcOff, planes, "the padded planes");
        ConvChecks.require("padded conv: unpad", "dst", dst, dOff, (long) c * h * w, "c*h*w");
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(src, srcOff + ch * plane + (padH + r) * wp + padW, dst, dOff + (ch * h + r) * w, w);
            }
        }
    }

    /** Planes of at least one channel and one element, paddings of none or more, or an error naming the sizes. */
    private static void sizes(String op, int c, int h, int w, int padH, int padW) {
        if (c < 1 || h < 1 || w < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padded conv: " + op + " needs c, h, w >= 1 and paddings >= 0, got c=" + c + ", h=" + h
                    + ", w=" + w + ", padH=" + padH + ", padW=" + padW);
        }
    }

    /** The convolution's shape. */
    public Conv2dShape shape() {
        return s;
    }

    /** Whether the source must be split into phase planes first ({@link #splitPhases}): a stride above 1. */
    public boolean phased() {
        return s.strideH() > 1 || s.strideW() > 1;
    }

    /**
     * Floats of the source this convolution reads: its padded planes, or their phase planes, and
     * the slack; with column copies, room for them after the planes too (the convolution writes them there).
     */
    public int sourceFloats() {
        return sourceFloats;
    }

    /** Floats of the destination it writes: {@link #paddedFloats} of its output. */
    public int destinationFloats() {
        return paddedFloats(s.outChannels(), s.outH(), s.outW(), dstPadH, dstPadW);
    }

    /**
     * Splits padded planes ({@code inChannels} of {@code (h + 2 srcPadH) x (w + 2 srcPadW)} at off)
     * into this convolution's phase planes in {@code dst} (from 0), as its source. Two convolutions
     * of the same stride over the same padded planes share the split.
     */
    public void splitPhases(float[] padded, int off, float[] dst) {
        splitPhases(padded, off, dst, 0);
    }

    /** {@link #splitPhases(float[], int, float[])} into dst from dOff. */
    public void splitPhases(float[] padded, int off, float[] dst, int dOff) {
        int hp = s.h() + 2 * srcPadH, wp = s.w() + 2 * srcPadW;
        if (!phased() || padded == null || dst == null || padded == dst || off < 0 || off + (long) s.inChannels() * hp * wp > padded.length
                || dOff < 0 || dst.length - (long) dOff < sourceFloats() - SLACK) {
            throw new IllegalArgumentException("padded conv: splitPhases needs a strided convolution (stride " + s.strideH() + "x"
                    + s.strideW() + "), two different arrays, " + s.inChannels() * hp * wp + " floats of the padded planes from " + off + " (have "
                    + (padded == null ? "none" : padded.length) + ") and " + (sourceFloats() - SLACK) + " of dst from " + dOff + " (have "
                    + (dst == null ? "none" : dst.length) + ")");
        }
        if (KernelConfig.SCALAR || s.strideH() != 2 || s.strideW() != 2 || wp % 2 != 0
                || java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            // The padded planes as an unpadded input of hp x wp: their phases are this convolution's.
            Conv2dShape planes = new Conv2dShape(1, s.inChannels(), hp, wp, s.inChannels(), 1, 1, s.strideH(), s.strideW(), 0, 0, 1, 1, 1);
            DirectConv2d.phases(planes, padded, off, s.inChannels(), dst, dOff);
            return;
        }
        splitPhases2(padded, off, s.inChannels(), hp, wp, hph, wph, dst, dOff);
    }

    /**
     * The stride-2 phase split of {@code c} planes of {@code hp x wp}, wp even: each padded row is
     * read once, its even columns going to phase row (row&1, 0) and its odd ones to (row&1, 1). A
     * vector of L floats is L/2 pairs: as longs, the low halves are the even floats and the high
     * halves the odd ones, each narrowed to a vector of half the lanes (one instruction each on
     * AVX-512) and stored whole. A row's last store may spill past it into the next rows of the same
     * phase plane, written later, but never past the plane's end: there scalars finish the row.
     * Rows past an odd height are zeros.
     */
    private static void splitPhases2(float[] src, int off, int c, int hp, int wp, int hph, int wph, float[] dst, int dOff) {
        int half = HALF_INTS.length();
        int phasePlane = hph * wph;
        for (int ch = 0; ch < c; ch++) {
            int base = off + ch * hp * wp;
            int block = dOff + ch * 4 * phasePlane;
            for (int row = 0; row < 2 * hph; row++) {
                int a = row & 1, r = row >> 1;
                int even = block + (2 * a) * phasePlane + r * wph; // phase (a, 0), row r
                int odd = even + phasePlane;                      // phase (a, 1), row r
                if (row >= hp) {
                    Arrays.fill(dst, even, even + wph, 0f);
                    Arrays.fill(dst, odd, odd + wph, 0f);
                    continue;
                }
                int from = base + row * wp;
                int o = 0;
                int spillRoom = (hph - r) * wph; // floats from this row's start to its plane's end
                for (; o < wph && o + half <= spillRoom && from + 2 * o + 2 * half <= src.length; o += half) {
                    LongVector v = FloatVector.fromArray(KernelConfig.FLOATS, src, from + 2 * o).reinterpretAsLongs();
                    ((IntVector) v.convertShape(VectorOperators.L2I, HALF_INTS, 0)).reinterpretAsFloats().intoArray(dst, even + o);
                    ((IntVector) v.lanewise(VectorOperators.LSHR, 32).convertShape(VectorOperators.L2I, HALF_INTS, 0)).reinterpretAsFloats()
                            .intoArray(dst, odd + o);
                }
                for (; o < wph; o++) {
                    dst[even + o] = src[from + 2 * o];
                    dst[odd + o] = src[from + 2 * o + 1];
                }
            }
        }
    }

    /**
     * The convolution: reads the source (padded planes, or their phases when {@link #phased}) at
     * srcOff, writes the interiors of the destination's planes at dstOff.
     *
     * @param res     a residual in the destination's layout (its interiors are read), or null
     * @param threads at most this many threads for the GEMM
     */
    public void run(float[] src, int srcOff, float[] dst, int dstOff, float[] res, int resOff, int threads) {
        int oh = s.outH(), ow = s.outW(), m = s.outChannels();
        int wq = ow + 2 * dstPadW;
        int dstPlane = (oh + 2 * dstPadH) * wq;
        int lead = dstPadH * wq + dstPadW; // the first interior element of a plane
        if (src == null || dst == null || srcOff < 0 || srcOff + (long) sourceFloats() > src.length
                || dstOff < 0 || dstOff + (long) m * dstPlane > dst.length
                || (res != null && (resOff < 0 || resOff + (long) m * dstPlane > res.length))) {
            throw new IllegalArgumentException("padded conv: needs " + sourceFloats() + " floats of the source from " + srcOff + " (have "
                    + (src == null ? "none" : src.length) + ") and " + m * dstPlane + " of the destination from " + dstOff + " (have "
                    + (dst == null ? "none" : dst.length) + ")" + (res == null ? "" : " and " + m * dstPlane + " of the residual from "
                    + resOff + " (have " + res.length + ")"));
        }
        if (src == dst) {
            throw new IllegalArgumentException("padded conv: the source and the destination must be different arrays");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("padded conv: threads must be >= 1, got " + threads);
        }
        float[] b = src;
        int bOff = srcOff;
        int bRowStride = sourceRowStride();
        if (shifts != null) {
            columnCopies(src, srcOff);
        }
        int resDelta = res == null ? 0 : resOff - dstOff;
        if (flat) {
            IndirectGemm.gemmRows(rows, b, bOff, rowOffsets, 1, oh * ow, oh * ow, dst, dstOff + lead, oh * ow, dstPlane, scale, shift, 0,
                    res, resDelta, relu, threads);
            return;
        }
        if (rows != null) {
            IndirectGemm.gemmRows(rows, b, bOff, rowOffsets, oh, ow, bRowStride, dst, dstOff + lead, wq, dstPlane, scale, shift, 0,
                    res, resDelta, relu, threads);
            return;
        }
        buffered(1, b, bOff, 0, dst, dstOff, 0, res, resOff, 0, threads);
    }

    /**
     * The buffered implicit GEMM over {@code images} images (their sources {@code bStride} apart,
     * rows {@link #sourceRowStride} apart, one image's product or {@link IndirectGemm#gemmImages}), then
     * each output row through the epilogue into the destination's interiors.
     */
    private void buffered(int images, float[] b, int bOff, int bStride, float[] dst, int dstOff, int dstStride, float[] res, int resOff,
                          int resStride, int threads) {
        int oh = s.outH(), ow = s.outW(), m = s.outChannels();
        int bRowStride = sourceRowStride();
        int wq = ow + 2 * dstPadW;
        int dstPlane = (oh + 2 * dstPadH) * wq;
        int lead = dstPadH * wq + dstPadW;
        int q = (oh - 1) * bRowStride + ow; // flat output columns per image on the source's width, junk between rows included
        int nv = IndirectGemm.imageColumns(q);
        int ldo = images == 1 ? IndirectGemm.overrunColumns(q) : IndirectGemm.imagesColumns(q, images);
        float[] out = Scratch.get(Scratch.OUT, IndirectGemm.overrunRows(m) * ldo);
        if (images == 1) {
            IndirectGemm.gemm(packed, q, b, bOff, offsets, out, 0, ldo, true, threads);
        } else {
            IndirectGemm.gemmImages(packed, q, images, b, bOff, bStride, offsets, out, 0, ldo, threads);
        }
        for (int i = 0; i < images; i++) {
            for (int c = 0; c < m; c++) {
                ConvEpilogue.rowsStrided(out, c * ldo + i * nv, bRowStride, scale[c], shift[c], res, resOff + i * resStride + c * dstPlane
                        + lead, relu, dst, dstOff + i * dstStride + c * dstPlane + lead, wq, oh, ow);
            }
        }
    }

    /**
     * Whether {@link #run(int, float[], int, int, float[], int, int, float[], int, int, int)} over
     * several images makes one GEMM of them (the buffered implicit GEMM, {@link
     * IndirectGemm#gemmImages}); otherwise it runs them one after another.
     */
    public boolean batchesImages() {
        return packed != null;
    }

    /** Floats of the weights: {@code outC·inC·kh·kw}. */
    public int weightFloats() {
        return s.weightSize();
    }

    /**
     * {@link #run(float[], int, float[], int, float[], int, int)} for {@code images} images at once:
     * image i's source at {@code srcOff + i·srcStride}, its destination (and residual) likewise.
     * Where {@link #batchesImages} holds, the images' products are one GEMM, so each block of the
     * weights is read once for all of them, and a deep layer's few output columns fill the tiles
     * across images; the results are bit for bit the images' runs one by one.
     *
     * @param srcStride at least {@link #sourceFloats}
     * @param dstStride at least the destination's planes ({@link #destinationFloats} less the slack)
     * @param resStride likewise, for the residual (ignored when res is null)
     */
    public void run(int images, float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride, float[] res,
                    int resOff, int resStride, int threads) {
        int m = s.outChannels();
        int wq = s.outW() + 2 * dstPadW;
        int dstPlane = (s.outH() + 2 * dstPadH) * wq;
        int planes = m * dstPlane;
        if (images < 1 || srcStride < sourceFloats() || dstStride < planes || (res != null && resStride < planes)) {
            throw new IllegalArgumentException("padded conv: needs images >= 1 and image strides of at least " + sourceFloats()
                    + " floats for the source and " + planes + " for the destination" + (res == null ? "" : " and the residual")
                    + ", got images=" + images + ", strides " + srcStride + " and " + dstStride + (res == null ? "" : " and " + resStride));
        }
        if (images == 1 || !batchesImages()) {
            for (int i = 0; i < images; i++) {
                run(src, srcOff + i * srcStride, dst, dstOff + i * dstStride, res, resOff + i * resStride, threads);
            }
            return;
        }
        long srcEnd = srcOff + (long) (images - 1) * srcStride + sourceFloats();
        long dstEnd = dstOff + (long) (images - 1) * dstStride + planes;
        long resEnd = res == null ? 0 : resOff + (long) (images - 1) * resStride + planes;
        if (src == null || dst == null || src == dst || threads < 1 || srcOff < 0 || srcEnd > src.length || dstOff < 0
                || dstEnd > dst.length || (res != null && (resOff < 0 || resEnd > res.length))) {
            throw new IllegalArgumentException("padded conv: " + images + " images need two different arrays, [" + srcOff + ", " + srcEnd
                    + ") of the source (have " + (src == null ? "none" : src.length) + "), [" + dstOff + ", " + dstEnd
                    + ") of the destination (have " + (dst == null ? "none" : dst.length) + ")" + (res == null ? "" : ", [" + resOff + ", "
                    + resEnd + ") of the residual (have " + res.length + ")") + " and threads >= 1, got threads=" + threads);
        }
        if (shifts != null) {
            for (int i = 0; i < images; i++) {
                columnCopies(src, srcOff + i * srcStride);
            }
        }
        buffered(images, src, srcOff, srcStride, dst, dstOff, dstStride, res, resOff, resStride, threads);
    }

    /** Floats from one row of the GEMM's B to the next: the column copies' width w, or the (phase) planes' padded width. */
    private int sourceRowStride() {
        return shifts != null ? s.w() : wph;
    }

    /**
     * Kernel column j's copy of the source planes (rows of w end to end, no column padding), for
     * each j whose shift is not 0, written after the source's planes in the source's own array (so
     * the unshifted column reads the source itself): {@code copy_j[ic, R, c] = src[ic, R, c + shift_j]}
     * where that column is inside the row ({@code 0 <= c + shift_j < w}), else 0. Whole vectors with
     * the columns outside blended to zero (no masked memory access), scalars at the ends.
     */
    private void columnCopies(float[] src, int srcOff) {
        int w = s.w();
        int n = s.inChannels() * (s.h() + 2 * srcPadH) * w; // the source's planes
        for (int j = 0, region = 1; j < shifts.length; j++) {
            if (shifts[j] != 0) {
                copyShifted(src, srcOff, src, srcOff + region * n, n, w, shifts[j], inside[j]);
                region++;
            }
        }
    }

    /**
     * {@code dst[d + p] = src[so + p + t]} where {@code 0 <= p % w + t < w}, else 0, for p < n: rows
     * of w end to end, shifted by t; {@code inside} is the column pattern of that shift.
     */
    private static void copyShifted(float[] src, int so, float[] dst, int d, int n, int w, int t, float[] inside) {
        VectorSpecies<Float> sp = KernelConfig.FLOATS;
        int l = sp.length();
        // The first row in scalars (a negative shift reads before the planes there), then whole vectors
        // that read inside the planes, then the rest in scalars.
        int p = Math.min(n, w);
        for (int q = 0; q < p; q++) {
            int col = q + t;
            dst[d + q] = col >= 0 && col < w ? src[so + q + t] : 0f;
        }
        if (!KernelConfig.SCALAR) {
            int end = Math.min(n - l, n - l - t); // the last vector start whose load and store stay in the planes
            if (l % w == 0) {
                // Every vector starts at column 0: one mask for all, and a loop of load, blend, store.
                VectorMask<Float> out = FloatVector.fromArray(sp, inside, 0).compare(VectorOperators.EQ, 0f);
                for (; p <= end; p += l) {
                    FloatVector.fromArray(sp, src, so + p + t).blend(0f, out).intoArray(dst, d + p);
                }
            } else {
                for (int col = p % w; p <= end; p += l) {
                    VectorMask<Float> out = FloatVector.fromArray(sp, inside, col).compare(VectorOperators.EQ, 0f);
                    FloatVector.fromArray(sp, src, so + p + t).blend(0f, out).intoArray(dst, d + p);
                    col += l % w;
                    col -= col >= w ? w : 0;
                }
            }
        }
        for (; p < n; p++) {
            int col = p % w + t;
            dst[d + p] = col >= 0 && col < w ? src[so + p + t] : 0f;
        }
    }

    /**
     * Row (ic, i, j) of the implicit column matrix: where tap (i, j) of input channel ic starts in the
     * source's (phase) planes, the convolution's own padding standing {@code srcPad - pad} inside them.
     */
    private int[] offsets() {
        return DirectConv2d.offsets(s, srcPadH - s.padH(), srcPadW - s.padW(), hph, wph);
    }

    /**
     * As {@link #offsets()} over the column copies: tap (i, j) of channel ic in kernel column j's copy
     * (the source itself for shift 0, else the next copy after it), rows of w.
     */
    private int[] copyOffsets() {
        int w = s.w();
        int plane = (s.h() + 2 * srcPadH) * w;
        int n = s.inChannels() * plane;
        int[] region = new int[shifts.length];
        for (int j = 0, next = 1; j < shifts.length; j++) {
            region[j] = shifts[j] == 0 ? 0 : next++;
        }
        int[] off = new int[s.patchSize()];
        for (int ic = 0, r = 0; ic < s.inChannels(); ic++) {
            for (int i = 0; i < s.kh(); i++) {
                int di = i * s.dilationH() + srcPadH - s.padH();
                for (int j = 0; j < s.kw(); j++) {
                    off[r++] = region[j] * n + ic * plane + di * w;
                }
            }
        }
        return off;
    }

    /** Copies of the source planes the column copies add after them: the kernel columns with a shift. */
    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
