package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.gemm.IndirectGemm;

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
 * difference.
 *
 * <p><b>Kernels.</b> Where {@link IndirectGemm#rowsApply} holds (output rows of whole vectors or
 * half a vector, one K slice) the GEMM's tiles are whole output rows with the epilogue in their
 * store ({@link IndirectGemm#gemmRows}); otherwise the buffered implicit GEMM computes rows of the
 * source's width and {@link ConvEpilogue#rowsStrided} takes each output row through the epilogue
 * into the destination. Per output element these are the operations of {@link Conv2d#forwardFused}
 * (the same fma chain over K in (ic, i, j) order, sliced alike, then one fma, an add and a max), so
 * a plan's output is bit for bit the one of the fused convolutions it replaces. Under
 * {@link KernelConfig#SCALAR} the buffered path runs on the scalar twins.
 *
 * <p>Weights, scale and shift are copied when the convolution is made: it is a snapshot.
 * Groups other than 1 are not supported (a ResNet has none).
 */
public final class PaddedConv {
    /** Floats past a layout's last plane that the buffered GEMM may read (whole tiles past the last row). */
    public static final int SLACK = IndirectGemm.overrunColumns(1);

    private final Conv2dShape s;
    private final int srcPad;
    private final int dstPad;
    private final int[] offsets;
    private final IndirectGemm.RowsA rows;
    private final IndirectGemm.PackedA packed;
    private final float[] scale;
    private final float[] shift;
    private final boolean relu;
    /** Phase-plane rows and columns of the source (its padded rows and columns at stride 1). */
    private final int hph;
    private final int wph;

    private PaddedConv(Conv2dShape s, float[] w, float[] scale, float[] shift, boolean relu, int srcPad, int dstPad) {
        this.s = s;
        this.srcPad = srcPad;
        this.dstPad = dstPad;
        this.scale = scale;
        this.shift = shift;
        this.relu = relu;
        this.hph = ceilDiv(s.h() + 2 * srcPad, s.strideH());
        this.wph = ceilDiv(s.w() + 2 * srcPad, s.strideW());
        this.offsets = offsets();
        int k = s.patchSize();
        if (IndirectGemm.rowsApply(k, s.outH(), s.outW())) {
            this.rows = IndirectGemm.rowsA(s.outChannels(), k, w, 0, k);
            this.packed = null;
        } else {
            this.rows = null;
            this.packed = IndirectGemm.pack(s.outChannels(), k, w, 0, k);
        }
    }

    /**
     * The convolution {@code s} (its batch size is ignored) with weights {@code [outC, inC, kh, kw]}
     * at wOff, each output channel then {@code relu?(acc·scale[c] + shift[c] (+ residual))}.
     *
     * @param scale  {@code [outC]}, or null for ones
     * @param shift  {@code [outC]}, or null for zeros
     * @param srcPad the padding of the source planes, at least the convolution's own
     * @param dstPad the padding of the destination planes (the next convolution's)
     */
    public static PaddedConv of(Conv2dShape s, float[] w, int wOff, float[] scale, float[] shift, boolean relu, int srcPad,
                                int dstPad) {
        if (s == null || w == null) {
            throw new IllegalArgumentException("padded conv: the shape and the weights must not be null, got shape=" + s
                    + ", w=" + (w == null ? "null" : "[" + w.length + "]"));
        }
        if (s.groups() != 1) {
            throw new IllegalArgumentException("padded conv: groups must be 1, got " + s.groups());
        }
        if (srcPad < Math.max(s.padH(), s.padW()) || dstPad < 0) {
            throw new IllegalArgumentException("padded conv: the source must be padded at least as the convolution (padH="
                    + s.padH() + ", padW=" + s.padW() + ") and the destination by >= 0, got srcPad=" + srcPad + ", dstPad=" + dstPad);
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
        return new PaddedConv(s, ws, sc, sh, relu, srcPad, dstPad);
    }

    /** Floats of {@code c} planes of {@code h x w} padded by {@code pad}, with the {@link #SLACK}. */
    public static int paddedFloats(int c, int h, int w, int pad) {
        long n = (long) c * (h + 2 * pad) * (w + 2 * pad) + SLACK;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("padded conv: " + c + " planes of " + h + "x" + w + " padded by " + pad
                    + " do not fit in one array");
        }
        return (int) n;
    }

    /**
     * Copies {@code c} planes of {@code h x w} from x at xOff into dst (from 0) padded by {@code pad},
     * borders zeroed: the layout of a network's input for its first padded convolution.
     */
    public static void pad(float[] x, int xOff, int c, int h, int w, int pad, float[] dst) {
        if (dst.length < paddedFloats(c, h, w, pad) - SLACK || xOff < 0 || xOff + (long) c * h * w > x.length) {
            throw new IllegalArgumentException("padded conv: pad needs " + c + "x" + h + "x" + w + " floats of x from " + xOff
                    + " (x has " + x.length + ") and " + (paddedFloats(c, h, w, pad) - SLACK) + " of dst (has " + dst.length + ")");
        }
        DirectConv2d.pad(x, xOff, c, h, w, pad, pad, dst);
    }

    /** Copies the interiors of {@code c} planes of {@code h x w} padded by {@code pad} into dst at dOff, contiguous. */
    public static void unpad(float[] src, int c, int h, int w, int pad, float[] dst, int dOff) {
        int wp = w + 2 * pad;
        int plane = (h + 2 * pad) * wp;
        if (src.length < (long) c * plane || dOff < 0 || dOff + (long) c * h * w > dst.length) {
            throw new IllegalArgumentException("padded conv: unpad needs " + c + " planes of " + plane + " floats (src has "
                    + src.length + ") and " + c * h * w + " floats of dst from " + dOff + " (dst has " + dst.length + ")");
        }
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(src, ch * plane + (pad + r) * wp + pad, dst, dOff + (ch * h + r) * w, w);
            }
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

    /** Floats of the source this convolution reads: its padded planes, or their phase planes, and the slack. */
    public int sourceFloats() {
        return s.inChannels() * s.strideH() * s.strideW() * hph * wph + SLACK;
    }

    /** Floats of the destination it writes: {@link #paddedFloats} of its output. */
    public int destinationFloats() {
        return paddedFloats(s.outChannels(), s.outH(), s.outW(), dstPad);
    }

    /**
     * Splits padded planes ({@code inChannels} of {@code (h + 2 srcPad) x (w + 2 srcPad)} at off)
     * into this convolution's phase planes in {@code dst} (from 0), as its source. Two convolutions
     * of the same stride over the same padded planes share the split.
     */
    public void splitPhases(float[] padded, int off, float[] dst) {
        int hp = s.h() + 2 * srcPad, wp = s.w() + 2 * srcPad;
        if (!phased() || off < 0 || off + (long) s.inChannels() * hp * wp > padded.length || dst.length < sourceFloats() - SLACK) {
            throw new IllegalArgumentException("padded conv: splitPhases needs a strided convolution (stride " + s.strideH() + "x"
                    + s.strideW() + "), " + s.inChannels() * hp * wp + " floats of the padded planes from " + off + " (have "
                    + padded.length + ") and " + (sourceFloats() - SLACK) + " of dst (have " + dst.length + ")");
        }
        // The padded planes as an unpadded input of hp x wp: their phases are this convolution's.
        Conv2dShape planes = new Conv2dShape(1, s.inChannels(), hp, wp, s.inChannels(), 1, 1, s.strideH(), s.strideW(), 0, 0, 1, 1, 1);
        DirectConv2d.phases(planes, padded, off, s.inChannels(), dst);
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
        int wq = ow + 2 * dstPad;
        int dstPlane = (oh + 2 * dstPad) * wq;
        int lead = dstPad * wq + dstPad; // the first interior element of a plane
        if (src == null || dst == null || srcOff < 0 || srcOff + (long) sourceFloats() > src.length
                || dstOff < 0 || dstOff + (long) m * dstPlane > dst.length
                || (res != null && (resOff < 0 || resOff + (long) m * dstPlane > res.length))) {
            throw new IllegalArgumentException("padded conv: needs " + sourceFloats() + " floats of the source from " + srcOff + " (have "
                    + (src == null ? "none" : src.length) + ") and " + m * dstPlane + " of the destination from " + dstOff + " (have "
                    + (dst == null ? "none" : dst.length) + ")" + (res == null ? "" : " and of the residual from " + resOff + " (have "
                    + res.length + ")"));
        }
        if (rows != null) {
            IndirectGemm.gemmRows(rows, src, srcOff, offsets, oh, ow, wph, dst, dstOff + lead, wq, dstPlane, scale, shift, 0,
                    res, res == null ? 0 : resOff - dstOff, relu, threads);
            return;
        }
        int q = (oh - 1) * wph + ow; // flat output columns on the source's width, junk between rows included
        int ldo = IndirectGemm.overrunColumns(q);
        float[] out = Scratch.get(Scratch.OUT, IndirectGemm.overrunRows(m) * ldo);
        IndirectGemm.gemm(packed, q, src, srcOff, offsets, out, 0, ldo, true, threads);
        for (int c = 0; c < m; c++) {
            ConvEpilogue.rowsStrided(out, c * ldo, wph, scale[c], shift[c], res, resOff + c * dstPlane + lead, relu,
                    dst, dstOff + c * dstPlane + lead, wq, oh, ow);
        }
    }

    /**
     * Row (ic, i, j) of the implicit column matrix: where tap (i, j) of input channel ic starts in the
     * source's (phase) planes, the convolution's own padding standing {@code srcPad - pad} inside them.
     */
    private int[] offsets() {
        int sh = s.strideH(), sw = s.strideW();
        int phasePlane = hph * wph;
        int block = sh * sw * phasePlane;
        int taps = s.kh() * s.kw();
        int[] off = new int[s.patchSize()];
        for (int i = 0, r = 0; i < s.kh(); i++) {
            int di = i * s.dilationH() + srcPad - s.padH();
            for (int j = 0; j < s.kw(); j++) {
                int dj = j * s.dilationW() + srcPad - s.padW();
                off[r++] = ((di % sh) * sw + dj % sw) * phasePlane + (di / sh) * wph + dj / sw;
            }
        }
        for (int ic = 1, r = taps; ic < s.inChannels(); ic++) {
            for (int t = 0; t < taps; t++) {
                off[r++] = ic * block + off[t];
            }
        }
        return off;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
