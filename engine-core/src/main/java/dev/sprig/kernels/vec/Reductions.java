package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions of {@code float[]} ranges {@code x[off, off + n)}.
 *
 * <p>Full reductions run on the calling thread only, so their result never depends on the thread
 * count, and the vector path combines its lanes in a fixed order ({@link VecMath#sumLanes}), so it
 * does not depend on the JIT state either. They accumulate in float: the vector path keeps 4·L
 * partial sums (L = lanes, 16 on AVX-512) and combines them at the end, so its rounding error is at
 * most about
 * {@code (n / (4L) + log2(4L) + L) · 2^-24 · Σ|terms|}; the sequential scalar twin's bound is
 * {@code n · 2^-24 · Σ|terms|}. The two differ by rounding only (the tests assert the bound against
 * a double reference). For typical data the vector path is the more accurate of the two.
 *
 * <p>NaN: sum, dot and the other sums propagate NaN; max and min return NaN if any element is NaN
 * ({@link Math#max} semantics); argmax/argmin return the index of the first NaN if there is one,
 * otherwise the first index holding the extreme value (-0 and +0 count as equal).
 */
public final class Reductions {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    /** Column chunk of {@link #sumOuterInto}: keeps the accumulated slice of out in L1. */
    private static final int COLUMN_CHUNK = 1024;

    private Reductions() {}

    private static FloatVector sq(FloatVector v, FloatVector acc) {
        return v.fma(v, acc);
    }

    /** {@code Σ x[off + i]}. Single-threaded. */
    public static float sum(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? sumScalar(x, off, n) : sumVector(x, off, n);
    }

    /** Vector path of {@link #sum}: four vector accumulators, lanes combined at the end. */
    public static float sumVector(float[] x, int off, int n) {
        Checks.range("sum", "x", x, off, n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
            a1 = a1.add(FloatVector.fromArray(S, x, off + i + 1 * L));
            a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
            a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i));
        }
        float s = VecMath.sumLanes(a0.add(a1).add(a2.add(a3)));
        return s + sumScalar(x, off + i, n - i);
    }

    /** Scalar twin of {@link #sum}: one sequential float accumulator. */
    public static float sumScalar(float[] x, int off, int n) {
        Checks.range("sum", "x", x, off, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /** {@code Σ x[off + i]²} (squared L2 norm). Single-threaded. */
    public static float sumSquares(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? sumSquaresScalar(x, off, n) : sumSquaresVector(x, off, n);
    }

    /** Vector path of {@link #sumSquares}: four vector accumulators, lanes combined at the end. */
    public static float sumSquaresVector(float[] x, int off, int n) {
        Checks.range("sumSquares", "x", x, off, n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            a0 = sq(FloatVector.fromArray(S, x, off + i), a0);
            a1 = sq(FloatVector.fromArray(S, x, off + i + 1 * L), a1);
            a2 = sq(FloatVector.fromArray(S, x, off + i + 2 * L), a2);
            a3 = sq(FloatVector.fromArray(S, x, off + i + 3 * L), a3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = sq(FloatVector.fromArray(S, x, off + i), a0);
        }
        float s = VecMath.sumLanes(a0.add(a1).add(a2.add(a3)));
        return s + sumSquaresScalar(x, off + i, n - i);
    }

    /** Scalar twin of {@link #sumSquares}: one sequential float accumulator. */
    public static float sumSquaresScalar(float[] x, int off, int n) {
        Checks.range("sumSquares", "x", x, off, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[off + i] * x[off + i];
        }
        return s;
    }

    /** {@code Σ |x[off + i]|} (L1 norm). Single-threaded. */
    public static float sumAbs(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? sumAbsScalar(x, off, n) : sumAbsVector(x, off, n);
    }

    /** Vector path of {@link #sumAbs}: four vector accumulators, lanes combined at the end. */
    public static float sumAbsVector(float[] x, int off, int n) {
        Checks.range("sumAbs", "x", x, off, n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i).abs());
            a1 = a1.add(FloatVector.fromArray(S, x, off + i + 1 * L).abs());
            a2 = a2.add(FloatVector.fromArray(S, x, off + i + 2 * L).abs());
            a3 = a3.add(FloatVector.fromArray(S, x, off + i + 3 * L).abs());
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = a0.add(FloatVector.fromArray(S, x, off + i).abs());
        }
        float s = VecMath.sumLanes(a0.add(a1).add(a2.add(a3)));
        return s + sumAbsScalar(x, off + i, n - i);
    }

    /** Scalar twin of {@link #sumAbs}: one sequential float accumulator. */
    public static float sumAbsScalar(float[] x, int off, int n) {
        Checks.range("sumAbs", "x", x, off, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += Math.abs(x[off + i]);
        }
        return s;
    }

    // ---------------------------------------------------------------- dot

    /** {@code Σ x[xOff + i] · y[yOff + i]}. Single-threaded. */
    public static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        return KernelConfig.SCALAR ? dotScalar(x, xOff, y, yOff, n) : dotVector(x, xOff, y, yOff, n);
    }

    /** Vector path of {@link #dot}: four FMA accumulators. */
    public static float dotVector(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("dot", "x", x, xOff, n);
        Checks.range("dot", "y", y, yOff, n);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
            a1 = FloatVector.fromArray(S, x, xOff + i + L).fma(FloatVector.fromArray(S, y, yOff + i + L), a1);
            a2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).fma(FloatVector.fromArray(S, y, yOff + i + 2 * L), a2);
            a3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).fma(FloatVector.fromArray(S, y, yOff + i + 3 * L), a3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), a0);
        }
        float s = VecMath.sumLanes(a0.add(a1).add(a2.add(a3)));
        return s + dotScalar(x, xOff + i, y, yOff + i, n - i);
    }

    /** Scalar twin of {@link #dot}. */
    public static float dotScalar(float[] x, int xOff, float[] y, int yOff, int n) {
        Checks.range("dot", "x", x, xOff, n);
        Checks.range("dot", "y", y, yOff, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }

    // ---------------------------------------------------------------- mean / variance

    /** Arithmetic mean {@code sum / n} (NaN for n = 0). */
    public static float mean(float[] x, int off, int n) {
        return sum(x, off, n) / n;
    }

    /**
     * Population variance about a given mean, {@code Σ (x - mean)² / n} (the second pass of a
     * two-pass variance; NaN for n = 0). Pass {@link #mean} of the same range for the biased
     * variance LayerNorm and BatchNorm use.
     */
    public static float variance(float[] x, int off, int n, float mean) {
        return KernelConfig.SCALAR ? varianceScalar(x, off, n, mean) : varianceVector(x, off, n, mean);
    }

    /** Vector path of {@link #variance}. */
    public static float varianceVector(float[] x, int off, int n, float mean) {
        Checks.range("variance", "x", x, off, n);
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
            a0 = sq(FloatVector.fromArray(S, x, off + i).sub(m), a0);
            a1 = sq(FloatVector.fromArray(S, x, off + i + L).sub(m), a1);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = sq(FloatVector.fromArray(S, x, off + i).sub(m), a0);
        }
        float s = VecMath.sumLanes(a0.add(a1));
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            s = Math.fma(d, d, s);
        }
        return s / n;
    }

    /** Scalar twin of {@link #variance}. */
    public static float varianceScalar(float[] x, int off, int n, float mean) {
        Checks.range("variance", "x", x, off, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - mean;
            s = Math.fma(d, d, s);
        }
        return s / n;
    }

    // ---------------------------------------------------------------- max / min

    /** Largest element; NaN if any element is NaN; -inf for n = 0 (the identity of max). */
    public static float max(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? maxScalar(x, off, n) : maxVector(x, off, n);
    }

    /** Vector path of {@link #max}. */
    public static float maxVector(float[] x, int off, int n) {
        return maxLanes(x, off, n);
    }

    /** Scalar twin of {@link #max}. */
    public static float maxScalar(float[] x, int off, int n) {
        Checks.range("max", "x", x, off, n);
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** Smallest element; NaN if any element is NaN; +inf for n = 0 (the identity of min). */
    public static float min(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? minScalar(x, off, n) : minVector(x, off, n);
    }

    /** Vector path of {@link #min}. */
    public static float minVector(float[] x, int off, int n) {
        return minLanes(x, off, n);
    }

    /** Scalar twin of {@link #min}. */
    public static float minScalar(float[] x, int off, int n) {
        Checks.range("min", "x", x, off, n);
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    /** max with NaN propagation: lanewise MAX follows Math.max, which returns NaN for a NaN operand. */
    private static float maxLanes(float[] x, int off, int n) {
        Checks.range("max", "x", x, off, n);
        FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector a1 = a0;
        int i = 0;
        for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
            a0 = a0.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i));
            a1 = a1.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i + L));
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = a0.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i));
        }
        float m = a0.lanewise(VectorOperators.MAX, a1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** min with NaN propagation: lanewise MIN follows Math.min, which returns NaN for a NaN operand. */
    private static float minLanes(float[] x, int off, int n) {
        Checks.range("min", "x", x, off, n);
        FloatVector a0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        FloatVector a1 = a0;
        int i = 0;
        for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
            a0 = a0.lanewise(VectorOperators.MIN, FloatVector.fromArray(S, x, off + i));
            a1 = a1.lanewise(VectorOperators.MIN, FloatVector.fromArray(S, x, off + i + L));
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            a0 = a0.lanewise(VectorOperators.MIN, FloatVector.fromArray(S, x, off + i));
        }
        float m = a0.lanewise(VectorOperators.MIN, a1).reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    /**
     * Index (relative to off) of the largest element: the first NaN if any, else the first index
     * holding the maximum. n must be >= 1.
     */
    public static int argmax(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? argmaxScalar(x, off, n) : argmaxVector(x, off, n);
    }

    /** Vector path of {@link #argmax}: a vector max, then a vector search for its first occurrence. */
    public static int argmaxVector(float[] x, int off, int n) {
        checkNonEmpty("argmax", x, off, n);
        return firstIndexOf(x, off, n, maxVector(x, off, n));
    }

    /** Scalar twin of {@link #argmax}. */
    public static int argmaxScalar(float[] x, int off, int n) {
        checkNonEmpty("argmax", x, off, n);
        int best = 0;
        float m = x[off];
        for (int i = 1; i < n && !Float.isNaN(m); i++) {
            float v = x[off + i];
            if (v > m || Float.isNaN(v)) {
                m = v;
                best = i;
            }
        }
        return best;
    }

    /** Index (relative to off) of the smallest element, with the NaN and tie rules of {@link #argmax}. */
    public static int argmin(float[] x, int off, int n) {
        return KernelConfig.SCALAR ? argminScalar(x, off, n) : argminVector(x, off, n);
    }

    /** Vector path of {@link #argmin}. */
    public static int argminVector(float[] x, int off, int n) {
        checkNonEmpty("argmin", x, off, n);
        return firstIndexOf(x, off, n, minVector(x, off, n));
    }

    /** Scalar twin of {@link #argmin}. */
    public static int argminScalar(float[] x, int off, int n) {
        checkNonEmpty("argmin", x, off, n);
        int best = 0;
        float m = x[off];
        for (int i = 1; i < n && !Float.isNaN(m); i++) {
            float v = x[off + i];
            if (v < m || Float.isNaN(v)) {
                m = v;
                best = i;
            }
        }
        return best;
    }

    private static void checkNonEmpty(String op, float[] x, int off, int n) {
        Checks.range(op, "x", x, off, n);
        if (n < 1) {
            throw new IllegalArgumentException(op + ": n=" + n + " must be >= 1 (no index of an empty range)");
        }
    }

    /** First i in [0, n) with x[off + i] == value, or with x[off + i] NaN when value is NaN. */
    private static int firstIndexOf(float[] x, int off, int n, float value) {
        boolean nan = Float.isNaN(value);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            int lane = (nan ? v.test(VectorOperators.IS_NAN) : v.compare(VectorOperators.EQ, value)).firstTrue();
            if (lane < L) {
                return i + lane;
            }
        }
        for (; i < n; i++) {
            float v = x[off + i];
            if (nan ? Float.isNaN(v) : v == value) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable: extreme value " + value + " not found");
    }

    // ---------------------------------------------------------------- column sums

    /**
     * Column sums of a row-major block, accumulated: {@code out[j] += Σ_i x[i, j]} for
     * {@code x: [outer, inner]} at xOff and {@code out: [inner]} at outOff (zero out first for a
     * plain sum over the leading dimension, e.g. a bias gradient). Each column is summed in row
     * order whatever the thread count, so results are bit-identical across thread counts and
     * between the two paths. Large blocks split over column chunks.
     */
    public static void sumOuterInto(float[] x, int xOff, int outer, int inner, float[] out, int outOff) {
        checkOuter(x, xOff, outer, inner, out, outOff);
        int chunks = (inner + COLUMN_CHUNK - 1) / COLUMN_CHUNK;
        Parallel.RangeTask task = (c0, c1) -> {
            int from = c0 * COLUMN_CHUNK;
            int to = Math.min(inner, c1 * COLUMN_CHUNK);
            for (int i = 0; i < outer; i++) {
                if (KernelConfig.SCALAR) {
                    Elementwise.accumulateScalar(x, xOff + i * inner + from, out, outOff + from, to - from);
                } else {
                    Elementwise.accumulateVector(x, xOff + i * inner + from, out, outOff + from, to - from);
                }
            }
        };
        if ((long) outer * inner < Split.MIN_PARALLEL || chunks < 2) {
            task.run(0, chunks);
        } else {
            Parallel.forRange(chunks, task);
        }
    }

    /** Vector path of {@link #sumOuterInto} (single-threaded). */
    public static void sumOuterIntoVector(float[] x, int xOff, int outer, int inner, float[] out, int outOff) {
        checkOuter(x, xOff, outer, inner, out, outOff);
        for (int from = 0; from < inner; from += COLUMN_CHUNK) {
            int len = Math.min(COLUMN_CHUNK, inner - from);
            for (int i = 0; i < outer; i++) {
                Elementwise.accumulateVector(x, xOff + i * inner + from, out, outOff + from, len);
            }
        }
    }

    /** Scalar twin of {@link #sumOuterInto}. */
    public static void sumOuterIntoScalar(float[] x, int xOff, int outer, int inner, float[] out, int outOff) {
        checkOuter(x, xOff, outer, inner, out, outOff);
        for (int i = 0; i < outer; i++) {
            for (int j = 0; j < inner; j++) {
                out[outOff + j] += x[xOff + i * inner + j];
            }
        }
    }

    private static void checkOuter(float[] x, int xOff, int outer, int inner, float[] out, int outOff) {
        Checks.matrix("sumOuterInto", "x", x, xOff, outer, inner);
        Checks.range("sumOuterInto", "out", out, outOff, inner);
    }
}
