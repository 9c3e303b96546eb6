package dev.sprig.kernels.conv;

import dev.sprig.kernels.vec.VecMath;
import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The few contiguous-span Vector API loops the convolution kernels share. */
final class Vec {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    /** Lanes 0, 2, 4, ... of the pair (a, b): normal indexes pick from a, exceptional (negative) ones from b. */
    private static final VectorShuffle<Float> EVEN = evenShuffle();

    /** (a, 0) interleaved from lane 0: a0, 0, a1, 0, ... (b = zero vector supplies the exceptional lanes). */
    private static final VectorShuffle<Float> SPREAD_LO = spreadShuffle(0);
    /** The same for the upper half of a: a(n/2), 0, a(n/2+1), 0, ... */
    private static final VectorShuffle<Float> SPREAD_HI = spreadShuffle(S.length() / 2);

    private static VectorShuffle<Float> spreadShuffle(int first) {
        int n = S.length();
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) {
            idx[k] = k % 2 == 0 ? first + k / 2 : -n; // -n: lane 0 of the second (zero) vector
        }
        return VectorShuffle.fromValues(S, idx);
    }

    private static VectorShuffle<Float> evenShuffle() {
        int n = S.length();
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) {
            int from = 2 * k;           // lane of the concatenation (a, b)
            idx[k] = from < n ? from : from - 2 * n; // lanes of b are the exceptional indexes -n .. -1
        }
        return VectorShuffle.fromValues(S, idx);
    }

    private Vec() {}

    /** {@code y[yo + i] += a * x[xo + i]} for {@code i < len}. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector av = FloatVector.broadcast(S, a);
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            xv.fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /**
     * Stride-2 gather {@code dst[d + o] = src[s + 2*o]} for {@code o} from {@code lo} while a whole
     * vector fits below {@code hi} (and both loads stay inside {@code src}): two contiguous loads and
     * one two-vector rearrange keeping the even lanes. Returns the first {@code o} not written, for
     * the caller's scalar tail.
     */
    static int gatherEven(float[] src, int s, float[] dst, int d, int lo, int hi) {
        int n = S.length();
        int o = lo;
        for (; o + n <= hi && s + 2 * (o + n) <= src.length; o += n) {
            FloatVector a = FloatVector.fromArray(S, src, s + 2 * o);
            FloatVector b = FloatVector.fromArray(S, src, s + 2 * o + n);
            a.rearrange(EVEN, b).intoArray(dst, d + o);
        }
        return o;
    }

    /**
     * Stride-2 scatter-add {@code dst[d + 2*o] += src[s + o]} for {@code o} from {@code lo} while a
     * whole vector fits below {@code hi} and every touched element of {@code dst} lies below
     * {@code dstEnd}: the source vector is spread over two vectors with zeros in the odd lanes,
     * which are added to two contiguous spans of dst. The odd elements get {@code + 0}, which
     * leaves them unchanged (up to the sign of a zero). {@code dstEnd} must bound the range the
     * calling thread owns, since the odd lanes are read and written too. Returns the first
     * {@code o} not done.
     */
    static int scatterAddEven(float[] src, int s, float[] dst, int d, int lo, int hi, int dstEnd) {
        int n = S.length();
        FloatVector zero = FloatVector.zero(S);
        int o = lo;
        for (; o + n <= hi && d + 2 * (o + n) <= dstEnd; o += n) {
            FloatVector v = FloatVector.fromArray(S, src, s + o);
            int at = d + 2 * o;
            FloatVector.fromArray(S, dst, at).add(v.rearrange(SPREAD_LO, zero)).intoArray(dst, at);
            FloatVector.fromArray(S, dst, at + n).add(v.rearrange(SPREAD_HI, zero)).intoArray(dst, at + n);
        }
        return o;
    }

    /** {@code y[yo + i] += x[xo + i]} for {@code i < len}. */
    static void add(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            y[yo + i] += x[xo + i];
        }
    }

    /** {@code y[yo + i] += b} for {@code i < len}. */
    static void addScalar(float b, float[] y, int yo, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector bv = FloatVector.broadcast(S, b);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, yo + i).add(bv).intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            y[yo + i] += b;
        }
    }

    /** {@code Σ a[ao + i] * b[bo + i]}: lane-wise fma accumulation, then one lane reduction, then the scalar tail. */
    static float dot(float[] a, int ao, float[] b, int bo, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float sum = VecMath.sumLanes(acc);
        for (; i < len; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** {@code Σ a[ao + i]}: lane-wise accumulation, one lane reduction, scalar tail. */
    static float sum(float[] a, int ao, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, a, ao + i));
        }
        float sum = VecMath.sumLanes(acc);
        for (; i < len; i++) {
            sum += a[ao + i];
        }
        return sum;
    }

    /**
     * First output index {@code o} with {@code o*stride + shift >= 0}: where a kernel tap at input
     * offset {@code shift} stops reading left/top padding.
     */
    static int lo(int shift, int stride) {
        return shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    }

    /**
     * One past the last output index {@code o < outSize} with {@code o*stride + shift < size}:
     * where the tap starts reading right/bottom padding. May be below {@link #lo}; callers clamp.
     */
    static int hi(int shift, int stride, int size, int outSize) {
        int room = size - shift;
        return room <= 0 ? 0 : Math.min(outSize, (room + stride - 1) / stride);
    }
}
