package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * What an inference convolution ({@link Conv2d#forwardFused}) does to each output element as it
 * writes it, so that BatchNorm, a residual add and ReLU cost no pass of their own:
 * <pre>
 *   y[n, c, oh, ow] = relu( conv[n, c, oh, ow] · scale[c] + shift[c] + residual[n, c, oh, ow] )
 * </pre>
 * Each part is optional: a null {@code scale} is 1, a null {@code shift} is 0 (put a conv bias
 * here, or a BatchNorm's eval shift {@code β − mean·scale} composed with it), a null
 * {@code residual} is 0 and {@code relu = false} is the identity. The affine is one fused
 * multiply-add, then the residual is added, then ReLU, so with scale 1 and no residual the result
 * is exactly {@code conv + shift}, what {@link Conv2d#forward} computes with that shift as bias
 * (bit for bit on the non-depthwise fast paths; the depthwise kernel and the scalar reference start
 * their sums at the bias instead).
 *
 * <p>{@link #apply} is the per-span kernel ({@link #rows} the per-channel block the conv paths
 * call); {@link #applyVector} and {@link #applyScalar} are its twins and agree bit for bit (one
 * fma, one add and one max per element, all exactly rounded).
 *
 * @param scale       {@code [outChannels]} from offset 0, or null for 1
 * @param shift       {@code [outChannels]} from offset 0, or null for 0
 * @param residual    {@code [n, outChannels, outH, outW]}, the output's shape, at {@code residualOff};
 *                    or null. Must not be the output array (the im2col path writes y before it reads
 *                    the residual).
 * @param residualOff where the residual's data starts
 * @param relu        whether ReLU is applied last
 */
public record ConvEpilogue(float[] scale, float[] shift, float[] residual, int residualOff, boolean relu) {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    /** Vectors of half the lanes ({@link #rowsStrided}'s rows of 8 at 16 lanes). */
    private static final VectorSpecies<Float> HALF = KernelConfig.HALF_FLOATS;

    /** {@code y = relu?(conv·scale + shift)}, no residual. */
    public static ConvEpilogue affine(float[] scale, float[] shift, boolean relu) {
        return new ConvEpilogue(scale, shift, null, 0, relu);
    }

    /** Scale of output channel {@code c} (1 without a scale). */
    float scaleAt(int c) {
        return scale == null ? 1f : scale[c];
    }

    /** Shift of output channel {@code c} (0 without a shift). */
    float shiftAt(int c) {
        return shift == null ? 0f : shift[c];
    }

    /**
     * This epilogue with a scale and a shift array even where they were null (ones and zeros for
     * {@code channels} output channels): the same results, and the whole-row kernels, which read
     * the arrays, find them without allocating them per image. Conv2d fills once per call.
     */
    ConvEpilogue filled(int channels) {
        return scale != null && shift != null ? this : new ConvEpilogue(scales(channels), shifts(channels), residual, residualOff, relu);
    }

    /** The scales of {@code channels} output channels: {@code scale}, or new ones without one. */
    float[] scales(int channels) {
        if (scale != null) {
            return scale;
        }
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        return ones;
    }

    /** The shifts of {@code channels} output channels: {@code shift}, or new zeros without one. */
    float[] shifts(int channels) {
        return shift != null ? shift : new float[channels];
    }

    /** Throws unless the arrays fit shape {@code s} and an output {@code y}. */
    void check(String op, Conv2dShape s, float[] y) {
        if (scale != null) {
            ConvChecks.require(op, "scale", scale, 0, s.outChannels(), "outChannels");
        }
        if (shift != null) {
            ConvChecks.require(op, "shift", shift, 0, s.outChannels(), "outChannels");
        }
        if (residual != null) {
            ConvChecks.output(op, s, "residual", residual, residualOff);
            if (residual == y) {
                throw new IllegalArgumentException(op + ": the residual must not be the output array (y is written"
                        + " before the residual is read)");
            }
        }
    }

    /**
     * Applies the epilogue in place to every output plane of {@code y [n, outChannels, outH, outW]}
     * at yOff: the separate pass of the kernels that do not write through the epilogue (depthwise,
     * planes split over the threads; and the scalar reference, on the calling thread).
     */
    void applyPlanes(Conv2dShape s, float[] y, int yOff, boolean scalar) {
        int planes = s.n() * s.outChannels();
        if (scalar) {
            applyPlanes(s, y, yOff, 0, planes, true);
        } else {
            Parallel.forRange(planes, (from, to) -> applyPlanes(s, y, yOff, from, to, false));
        }
    }

    private void applyPlanes(Conv2dShape s, float[] y, int yOff, int from, int to, boolean scalar) {
        int p = s.outH() * s.outW();
        for (int q = from; q < to; q++) {
            int c = q % s.outChannels();
            int at = yOff + q * p;
            int r = residualOff + q * p;
            if (scalar) {
                rowsScalar(y, at, p, scaleAt(c), shiftAt(c), residual, r, relu, y, at, 1, p);
            } else {
                rowsVector(y, at, p, scaleAt(c), shiftAt(c), residual, r, relu, y, at, 1, p);
            }
        }
    }

    /**
     * The epilogue of one output channel's {@code rows x cols} block, the form the conv paths call:
     * row r of the accumulator starts at {@code accOff + r·accStride} (the direct path's rows are
     * on the padded width), rows of y and of the residual are contiguous ({@code cols} apart).
     * Unchecked: callers have checked the whole arrays ({@link #check}). Takes the scalar twin under
     * {@link KernelConfig#SCALAR}.
     */
    static void rows(float[] acc, int accOff, int accStride, float scale, float shift, float[] res, int resOff, boolean relu,
                     float[] y, int yOff, int rows, int cols) {
        if (KernelConfig.SCALAR) {
            rowsScalar(acc, accOff, accStride, scale, shift, res, resOff, relu, y, yOff, rows, cols);
        } else {
            rowsVector(acc, accOff, accStride, scale, shift, res, resOff, relu, y, yOff, rows, cols);
        }
    }

    /**
     * {@code y[yOff + i] = relu?(fma(acc[accOff + i], scale, shift) + res[resOff + i])} for
     * {@code i < n}, one output channel's span; {@code res} null adds nothing. {@code y} may alias
     * {@code acc} exactly. Takes {@link #applyScalar} under {@link KernelConfig#SCALAR}.
     */
    public static void apply(float[] acc, int accOff, float scale, float shift, float[] res, int resOff, boolean relu,
                             float[] y, int yOff, int n) {
        if (KernelConfig.SCALAR) {
            applyScalar(acc, accOff, scale, shift, res, resOff, relu, y, yOff, n);
        } else {
            applyVector(acc, accOff, scale, shift, res, resOff, relu, y, yOff, n);
        }
    }

    /** Vector path of {@link #apply}. */
    public static void applyVector(float[] acc, int accOff, float scale, float shift, float[] res, int resOff, boolean relu,
                                   float[] y, int yOff, int n) {
        checkSpan(acc, accOff, res, resOff, y, yOff, n);
        rowsVector(acc, accOff, n, scale, shift, res, resOff, relu, y, yOff, 1, n);
    }

    /** Scalar twin of {@link #apply}. */
    public static void applyScalar(float[] acc, int accOff, float scale, float shift, float[] res, int resOff, boolean relu,
                                   float[] y, int yOff, int n) {
        checkSpan(acc, accOff, res, resOff, y, yOff, n);
        rowsScalar(acc, accOff, n, scale, shift, res, resOff, relu, y, yOff, 1, n);
    }

    /**
     * Rows here are short (8 to 32 floats in a CIFAR ResNet, 8 being half a 16-lane vector), so
     * their partial last vectors must not fall to scalar code. Without masks (C2 compiled the
     * masked loads and stores of a first version to code that spent 9 % of a shrunk ResNet-20's
     * forward in mask checks, JFR): when the rows are contiguous in the accumulator too
     * ({@code accStride == cols}, the im2col path, acc may be y) the block is one span with one
     * tail; otherwise (the direct path, acc a separate buffer) a row's partial vector is written
     * whole, spilling into the next rows of y, which are written after it, and only the block's
     * last row ends in scalar code. Same operations per element as {@link #rowsScalar}.
     */
    static void rowsVector(float[] acc, int accOff, int accStride, float scale, float shift, float[] res, int resOff,
                                   boolean relu, float[] y, int yOff, int rows, int cols) {
        if (accStride == cols || rows == 1) {
            span(acc, accOff, scale, shift, res, resOff, relu, y, yOff, rows * cols);
            return;
        }
        int bound = S.loopBound(cols);
        int accEnd = accOff + (rows - 1) * accStride + cols; // the block's extent in acc, y and res
        int yEnd = yOff + rows * cols;
        for (int r = 0; r < rows; r++) {
            int ao = accOff + r * accStride;
            int yo = yOff + r * cols;
            int ro = resOff + r * cols;
            int whole = bound;
            if (bound < cols && acc != y && ao + bound + L <= accEnd && yo + bound + L <= yEnd) {
                whole = bound + L; // the partial vector, whole: its extra lanes land in later rows
            }
            spanVector(acc, ao, scale, shift, res, ro, relu, y, yo, whole);
            if (whole < cols) {
                rowsScalar(acc, ao + whole, cols, scale, shift, res, ro + whole, relu, y, yo + whole, 1, cols - whole);
            }
        }
    }

    /** {@code n} contiguous elements: whole vectors, then a scalar tail. */
    private static void span(float[] acc, int ao, float scale, float shift, float[] res, int ro, boolean relu, float[] y, int yo, int n) {
        int bound = S.loopBound(n);
        spanVector(acc, ao, scale, shift, res, ro, relu, y, yo, bound);
        if (bound < n) {
            rowsScalar(acc, ao + bound, n, scale, shift, res, ro + bound, relu, y, yo + bound, 1, n - bound);
        }
    }

    /** The first {@code n} elements, n a multiple of the vector length. */
    private static void spanVector(float[] acc, int ao, float scale, float shift, float[] res, int ro, boolean relu, float[] y, int yo, int n) {
        FloatVector a = FloatVector.broadcast(S, scale);
        FloatVector b = FloatVector.broadcast(S, shift);
        // max(v, -inf) is v for every v (NaN and -0 included), so one loop serves both ReLU settings.
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        if (res == null) {
            for (int i = 0; i < n; i += L) {
                FloatVector.fromArray(S, acc, ao + i).fma(a, b).max(floor).intoArray(y, yo + i);
            }
        } else {
            for (int i = 0; i < n; i += L) {
                FloatVector v = FloatVector.fromArray(S, acc, ao + i).fma(a, b);
                v.add(FloatVector.fromArray(S, res, ro + i)).max(floor).intoArray(y, yo + i);
            }
        }
    }

    /**
     * The column pattern {@link #paddedVector} takes for rows of {@code w} values on a padded width
     * {@code wp}: {@code [wp + L]} floats, 1 where {@code c % wp < w} (a column of the interior), else 0.
     */
    static float[] interior(int w, int wp) {
        float[] p = new float[wp + L];
        for (int c = 0; c < p.length; c++) {
            p[c] = c % wp < w ? 1f : 0f;
        }
        return p;
    }

    /**
     * One output channel of a stride-1 "same" convolution written as the next convolution's
     * zero-padded input plane ({@code (h + 2·ph) x wp}, {@code wp = w + 2·pw}, at dOff):
     * {@code dst[dOff + (r + ph)·wp + pw + c] = relu?(fma(acc[accOff + r·wp + c], scale, shift))}
     * for the {@code h x w} interior, 0 on the border: what {@link #rows} into a plane followed by
     * {@link DirectConv2d#pad} gives. acc's rows are on the padded width (the direct path's
     * output), so in the flat index {@code j = r·wp + c} acc and the interior line up and this is
     * one span, whose columns {@code c >= w} (acc's junk) become the border's zeros.
     * {@code interior} is {@link #interior}{@code (w, wp)}. Unchecked, like {@link #rows}. There
     * is no dispatching entry: under {@link KernelConfig#SCALAR} the pair runs as two plain
     * convolutions and never gets here, so {@link #paddedScalar} is the twin the tests hold it to.
     * Whole vectors with the junk columns blended to 0 (no masked memory access), then a scalar tail.
     */
    static void paddedVector(float[] acc, int accOff, float scale, float shift, boolean relu, float[] interior,
                             float[] dst, int dOff, int h, int w, int ph, int pw) {
        int wp = w + 2 * pw;
        int lead = ph * wp + pw;           // the border before the first interior element
        int q = (h - 1) * wp + w;          // flat extent of the interior
        int end = dOff + (h + 2 * ph) * wp;
        Arrays.fill(dst, dOff, dOff + lead, 0f);
        FloatVector a = FloatVector.broadcast(S, scale);
        FloatVector b = FloatVector.broadcast(S, shift);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        FloatVector zero = FloatVector.zero(S);
        int d = dOff + lead;
        int j = 0;
        for (int col = 0; j + L <= q; j += L) { // col = j % wp
            VectorMask<Float> inside = FloatVector.fromArray(S, interior, col).compare(VectorOperators.NE, 0f);
            FloatVector v = FloatVector.fromArray(S, acc, accOff + j).fma(a, b).max(floor);
            zero.blend(v, inside).intoArray(dst, d + j);
            col = (col + L) % wp;
        }
        float fl = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (; j < q; j++) {
            dst[d + j] = j % wp < w ? Math.max(Math.fma(acc[accOff + j], scale, shift), fl) : 0f;
        }
        Arrays.fill(dst, d + q, end, 0f);
    }

    /** Scalar twin of {@link #paddedVector}, plane cell by plane cell. */
    static void paddedScalar(float[] acc, int accOff, float scale, float shift, boolean relu,
                             float[] dst, int dOff, int h, int w, int ph, int pw) {
        int wp = w + 2 * pw;
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (int r = 0; r < h + 2 * ph; r++) {
            for (int c = 0; c < wp; c++) {
                boolean inside = r >= ph && r < ph + h && c >= pw && c < pw + w;
                dst[dOff + r * wp + c] = inside ? Math.max(Math.fma(acc[accOff + (r - ph) * wp + c - pw], scale, shift), floor) : 0f;
            }
        }
    }

    /**
     * {@link #rows} into rows that lie anywhere: row r of acc (at {@code accOff + r·accStride}) goes
     * to {@code dst[dOff + r·dstStride ..]}, the residual read at the same index of res as dst's
     * ({@code resOff + r·dstStride ..}): an output into the interior of padded planes
     * ({@link PaddedConv}). Nothing outside the rows is written: whole vectors, then, with 16 or
     * more lanes, a vector of half the lanes, then scalars. Unchecked, like {@link #rows}; under
     * {@link KernelConfig#SCALAR} {@link #rowsStridedScalar}, the twin, which the tests hold it to.
     */
    static void rowsStrided(float[] acc, int accOff, int accStride, float scale, float shift, float[] res, int resOff, boolean relu,
                            float[] dst, int dOff, int dstStride, int rows, int cols) {
        if (KernelConfig.SCALAR) {
            rowsStridedScalar(acc, accOff, accStride, scale, shift, res, resOff, relu, dst, dOff, dstStride, rows, cols);
            return;
        }
        int bound = S.loopBound(cols);
        boolean half = L >= 16 && cols - bound >= L / 2;
        float fl = relu ? 0f : Float.NEGATIVE_INFINITY;
        FloatVector ha = FloatVector.broadcast(HALF, scale);
        FloatVector hb = FloatVector.broadcast(HALF, shift);
        FloatVector hf = FloatVector.broadcast(HALF, fl);
        for (int r = 0; r < rows; r++) {
            int ao = accOff + r * accStride;
            int d = dOff + r * dstStride;
            int ro = resOff + r * dstStride;
            spanVector(acc, ao, scale, shift, res, ro, relu, dst, d, bound);
            int i = bound;
            if (half) {
                FloatVector v = FloatVector.fromArray(HALF, acc, ao + i).fma(ha, hb);
                if (res != null) {
                    v = v.add(FloatVector.fromArray(HALF, res, ro + i));
                }
                v.max(hf).intoArray(dst, d + i);
                i += L / 2;
            }
            rowsStridedScalar(acc, ao + i, 0, scale, shift, res, ro + i, relu, dst, d + i, 0, 1, cols - i);
        }
    }

    /** Scalar twin of {@link #rowsStrided}. */
    static void rowsStridedScalar(float[] acc, int accOff, int accStride, float scale, float shift, float[] res, int resOff,
                                  boolean relu, float[] dst, int dOff, int dstStride, int rows, int cols) {
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                float v = Math.fma(acc[accOff + r * accStride + i], scale, shift);
                if (res != null) {
                    v += res[resOff + r * dstStride + i];
                }
                dst[dOff + r * dstStride + i] = Math.max(v, floor);
            }
        }
    }

    static void rowsScalar(float[] acc, int accOff, int accStride, float scale, float shift, float[] res, int resOff,
                                   boolean relu, float[] y, int yOff, int rows, int cols) {
        rowsStridedScalar(acc, accOff, accStride, scale, shift, res, resOff, relu, y, yOff, cols, rows, cols);
    }

    private static void checkSpan(float[] acc, int accOff, float[] res, int resOff, float[] y, int yOff, int n) {
        String op = "conv epilogue";
        if (n < 0) {
            throw new IllegalArgumentException(op + ": length n=" + n + " must be >= 0");
        }
        ConvChecks.require(op, "acc", acc, accOff, n, "n");
        if (res != null) {
            ConvChecks.require(op, "residual", res, resOff, n, "n");
        }
        ConvChecks.require(op, "y", y, yOff, n, "n");
    }
}
