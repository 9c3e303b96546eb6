package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels applied independently to each row of a row-major {@code [rows, cols]} block: softmax,
 * log-softmax, layer norm and their backwards.
 *
 * <p>Matrices are {@code (array, offset)} with row stride {@code cols}; per-row and per-column
 * side arrays (gamma, beta, mean, rstd, dgamma, dbeta) start at offset 0. The dispatching entries
 * split over whole rows when {@code rows * cols >= 2^16}, so every row is computed by the same code
 * whatever the thread count; the column reductions of the layer-norm backward (dgamma, dbeta) run
 * over column chunks, each column summed in row order, which is thread-count independent too.
 */
public final class RowKernels {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    /** Half a vector, for a row's partial last vector of exactly L/2 lanes (none below 4 lanes). */
    private static final VectorSpecies<Float> HALF = KernelConfig.HALF_FLOATS;
    private static final int HALF_LANES = L >= 4 ? L / 2 : -1;
    /**
     * Layer norms over at most this many features take {@link #layerNormNarrow}, L rows at a time.
     * Per element its cost hardly depends on the width; the row kernel's falls as rows widen (its
     * two lane reductions per row). JMH {@code ElementwiseBenchmark}, 520 rows, one thread, since
     * the row kernel takes its statistics a block of rows at a time: at 32 features the row kernel
     * 6.7 us against the narrow one's 8.9, at 40 8.1 against 11.1; at 16 and 24 the narrow kernel
     * is ahead (harness: 8.4 against 10.7, 11.7 against 13.1 ns a row). It was 40 before.
     */
    static final int NARROW_COLS = 24;
    /** Column chunk of the dgamma/dbeta pass: keeps the accumulated slices in L1. */
    private static final int COLUMN_CHUNK = 1024;

    private RowKernels() {}

    private static void check2(String op, String a, float[] x, int xOff, String b, float[] out, int outOff, int rows, int cols) {
        Checks.matrix(op, a, x, xOff, rows, cols);
        Checks.matrix(op, b, out, outOff, rows, cols);
    }

    private static void check3(String op, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        Checks.matrix(op, "y", y, yOff, rows, cols);
        Checks.matrix(op, "dy", dy, dyOff, rows, cols);
        Checks.matrix(op, "dx", dx, dxOff, rows, cols);
    }

    // ================================================================ softmax

    /**
     * Numerically stable softmax of each row: {@code out[r, :] = exp(x[r, :] - max_r) / Σ exp(x[r, :] - max_r)}.
     * -inf entries give 0; a row that is all -inf, or holds +inf or NaN, gives NaN (as PyTorch).
     *
     * @param x   {@code [rows, cols]} at xOff
     * @param out {@code [rows, cols]} at outOff (may alias x)
     */
    public static void softmaxRows(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("softmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (KernelConfig.SCALAR) {
                    softmaxRowScalar(x, xOff + o, out, outOff + o, cols);
                } else {
                    softmaxRowVector(x, xOff + o, out, outOff + o, cols);
                }
            }
        });
    }

    /** Vector path of {@link #softmaxRows} (single-threaded). */
    public static void softmaxRowsVector(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("softmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            softmaxRowVector(x, xOff + r * cols, out, outOff + r * cols, cols);
        }
    }

    /** Scalar twin of {@link #softmaxRows}. */
    public static void softmaxRowsScalar(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("softmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            softmaxRowScalar(x, xOff + r * cols, out, outOff + r * cols, cols);
        }
    }

    private static void softmaxRowVector(float[] x, int xOff, float[] out, int outOff, int n) {
        float max = Reductions.maxVector(x, xOff, n);
        FloatVector vmax = FloatVector.broadcast(S, max);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, xOff + i).sub(vmax));
            e.intoArray(out, outOff + i);
            acc = acc.add(e);
        }
        float sum = VecMath.sumLanes(acc);
        for (; i < n; i++) {
            float e = VecMath.exp(x[xOff + i] - max);
            out[outOff + i] = e;
            sum += e;
        }
        Elementwise.mulConstVector(out, outOff, 1f / sum, out, outOff, n);
    }

    private static void softmaxRowScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        float max = Reductions.maxScalar(x, xOff, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = VecMath.exp(x[xOff + i] - max);
            out[outOff + i] = e;
            sum += e;
        }
        Elementwise.mulConstScalar(out, outOff, 1f / sum, out, outOff, n);
    }

    /**
     * Softmax backward from the output y: {@code dx = y ⊙ (dy - Σ_c dy⊙y)} per row.
     *
     * @param y  {@code [rows, cols]} softmax output at yOff
     * @param dy {@code [rows, cols]} upstream gradient at dyOff
     * @param dx {@code [rows, cols]} at dxOff, overwritten (may alias dy)
     */
    public static void softmaxBackwardRows(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("softmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (KernelConfig.SCALAR) {
                    softmaxBackwardRowScalar(y, yOff + o, dy, dyOff + o, dx, dxOff + o, cols);
                } else {
                    softmaxBackwardRowVector(y, yOff + o, dy, dyOff + o, dx, dxOff + o, cols);
                }
            }
        });
    }

    /** Vector path of {@link #softmaxBackwardRows} (single-threaded). */
    public static void softmaxBackwardRowsVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("softmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            softmaxBackwardRowVector(y, yOff + r * cols, dy, dyOff + r * cols, dx, dxOff + r * cols, cols);
        }
    }

    /** Scalar twin of {@link #softmaxBackwardRows}. */
    public static void softmaxBackwardRowsScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("softmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            softmaxBackwardRowScalar(y, yOff + r * cols, dy, dyOff + r * cols, dx, dxOff + r * cols, cols);
        }
    }

    private static void softmaxBackwardRowVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float s = Reductions.dotVector(y, yOff, dy, dyOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dy, dyOff + i).sub(vs).mul(FloatVector.fromArray(S, y, yOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            dx[dxOff + i] = (dy[dyOff + i] - s) * y[yOff + i];
        }
    }

    private static void softmaxBackwardRowScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float s = Reductions.dotScalar(y, yOff, dy, dyOff, n);
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = (dy[dyOff + i] - s) * y[yOff + i];
        }
    }

    // ================================================================ log-softmax

    /**
     * Log-softmax of each row: {@code out[r, c] = (x[r, c] - max_r) - log Σ_c exp(x[r, c] - max_r)}.
     * -inf entries give -inf; an all -inf row gives NaN.
     *
     * @param x   {@code [rows, cols]} at xOff
     * @param out {@code [rows, cols]} at outOff (may alias x)
     */
    public static void logSoftmaxRows(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("logSoftmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (KernelConfig.SCALAR) {
                    logSoftmaxRowScalar(x, xOff + o, out, outOff + o, cols);
                } else {
                    logSoftmaxRowVector(x, xOff + o, out, outOff + o, cols);
                }
            }
        });
    }

    /** Vector path of {@link #logSoftmaxRows} (single-threaded). */
    public static void logSoftmaxRowsVector(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("logSoftmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            logSoftmaxRowVector(x, xOff + r * cols, out, outOff + r * cols, cols);
        }
    }

    /** Scalar twin of {@link #logSoftmaxRows}. */
    public static void logSoftmaxRowsScalar(float[] x, int xOff, float[] out, int outOff, int rows, int cols) {
        check2("logSoftmaxRows", "x", x, xOff, "out", out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            logSoftmaxRowScalar(x, xOff + r * cols, out, outOff + r * cols, cols);
        }
    }

    private static void logSoftmaxRowVector(float[] x, int xOff, float[] out, int outOff, int n) {
        float max = Reductions.maxVector(x, xOff, n);
        FloatVector vmax = FloatVector.broadcast(S, max);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            acc = acc.add(VecMath.exp(FloatVector.fromArray(S, x, xOff + i).sub(vmax)));
        }
        float sum = VecMath.sumLanes(acc);
        for (; i < n; i++) {
            sum += VecMath.exp(x[xOff + i] - max);
        }
        float logSum = VecMath.log(sum);
        FloatVector vlog = FloatVector.broadcast(S, logSum);
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).sub(vmax).sub(vlog).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - max) - logSum;
        }
    }

    private static void logSoftmaxRowScalar(float[] x, int xOff, float[] out, int outOff, int n) {
        float max = Reductions.maxScalar(x, xOff, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += VecMath.exp(x[xOff + i] - max);
        }
        float logSum = VecMath.log(sum);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - max) - logSum;
        }
    }

    /**
     * Log-softmax backward from the output y = log softmax(x): {@code dx = dy - exp(y) · Σ_c dy} per row.
     *
     * @param y  {@code [rows, cols]} log-softmax output at yOff
     * @param dy {@code [rows, cols]} upstream gradient at dyOff
     * @param dx {@code [rows, cols]} at dxOff, overwritten (may alias dy)
     */
    public static void logSoftmaxBackwardRows(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("logSoftmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (KernelConfig.SCALAR) {
                    logSoftmaxBackwardRowScalar(y, yOff + o, dy, dyOff + o, dx, dxOff + o, cols);
                } else {
                    logSoftmaxBackwardRowVector(y, yOff + o, dy, dyOff + o, dx, dxOff + o, cols);
                }
            }
        });
    }

    /** Vector path of {@link #logSoftmaxBackwardRows} (single-threaded). */
    public static void logSoftmaxBackwardRowsVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("logSoftmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            logSoftmaxBackwardRowVector(y, yOff + r * cols, dy, dyOff + r * cols, dx, dxOff + r * cols, cols);
        }
    }

    /** Scalar twin of {@link #logSoftmaxBackwardRows}. */
    public static void logSoftmaxBackwardRowsScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        check3("logSoftmaxBackwardRows", y, yOff, dy, dyOff, dx, dxOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            logSoftmaxBackwardRowScalar(y, yOff + r * cols, dy, dyOff + r * cols, dx, dxOff + r * cols, cols);
        }
    }

    private static void logSoftmaxBackwardRowVector(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float s = Reductions.sumVector(dy, dyOff, n);
        FloatVector negS = FloatVector.broadcast(S, -s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector p = VecMath.exp(FloatVector.fromArray(S, y, yOff + i));
            p.fma(negS, FloatVector.fromArray(S, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            dx[dxOff + i] = Math.fma(VecMath.exp(y[yOff + i]), -s, dy[dyOff + i]);
        }
    }

    private static void logSoftmaxBackwardRowScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float s = Reductions.sumScalar(dy, dyOff, n);
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = Math.fma(VecMath.exp(y[yOff + i]), -s, dy[dyOff + i]);
        }
    }

    // ================================================================ layer norm

    /**
     * Layer norm of each row over its {@code cols} entries:
     * {@code x̂ = (x - mean) · rstd, rstd = 1 / sqrt(var + eps)} (biased variance, two-pass),
     * {@code out = x̂ · gamma + beta}.
     *
     * @param x     {@code [rows, cols]} at xOff
     * @param gamma {@code [cols]} scale, or null for 1
     * @param beta  {@code [cols]} shift, or null for 0
     * @param eps   added to the variance, must be >= 0
     * @param out   {@code [rows, cols]} at outOff (may alias x)
     * @param mean  {@code [rows]} receives each row's mean, or null if not needed
     * @param rstd  {@code [rows]} receives each row's 1/sqrt(var + eps), or null if not needed
     */
    public static void layerNormRows(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                     float[] mean, float[] rstd, int rows, int cols) {
        checkLayerNorm(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            if (!KernelConfig.SCALAR && cols <= NARROW_COLS) {
                layerNormNarrow(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r0, r1, cols);
                return;
            }
            if (KernelConfig.SCALAR) {
                for (int r = r0; r < r1; r++) {
                    layerNormRowScalar(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r, cols);
                }
            } else {
                layerNormRangeVector(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r0, r1, cols);
            }
        });
    }

    /** Vector path of {@link #layerNormRows} (single-threaded). */
    public static void layerNormRowsVector(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                           float[] mean, float[] rstd, int rows, int cols) {
        checkLayerNorm(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, rows, cols);
        if (cols <= NARROW_COLS) {
            layerNormNarrow(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, 0, rows, cols);
            return;
        }
        layerNormRangeVector(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, 0, rows, cols);
    }

    /** Scalar twin of {@link #layerNormRows}. */
    public static void layerNormRowsScalar(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                           float[] mean, float[] rstd, int rows, int cols) {
        checkLayerNorm(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, rows, cols);
        for (int r = 0; r < rows; r++) {
            layerNormRowScalar(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r, cols);
        }
    }

    private static void checkLayerNorm(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                       float[] mean, float[] rstd, int rows, int cols) {
        String op = "layerNormRows";
        check2(op, "x", x, xOff, "out", out, outOff, rows, cols);
        if (!(eps >= 0f)) {
            throw new IllegalArgumentException(op + ": eps=" + eps + " must be >= 0");
        }
        if (gamma != null) {
            Checks.range(op, "gamma", gamma, 0, cols);
        }
        if (beta != null) {
            Checks.range(op, "beta", beta, 0, cols);
        }
        if (mean != null) {
            Checks.range(op, "mean", mean, 0, rows);
        }
        if (rstd != null) {
            Checks.range(op, "rstd", rstd, 0, rows);
        }
    }

    /** Rows per stats pass of {@link #layerNormRangeVector}: their statistics are taken before any is normalized. */
    private static final int STAT_ROWS = 16;

    /**
     * Rows r0..r1 on vectors, in blocks of {@link #STAT_ROWS}: first each row's mean and rstd
     * ({@link #layerNormStats}), then each row normalized ({@link #layerNormApply}). A row alone is
     * a chain of dependent steps (a sum, its lane reduction, the mean, the squared deviations and
     * their lane reduction, the rstd) that, followed by the row's normalization waiting on it, kept
     * the next row from starting: 25-36 ns a row at every width from 48 to 96 (JMH, 520 rows). The
     * lane sums are {@link VecMath#treeSum}: on short rows the sequential {@code sumLanes} was most
     * of a row's time. The stats of a block's rows are independent and overlap. Per row the same
     * operations in the same order as before, so the results are unchanged; a row's stats read only
     * its own row before it is written (out may alias x).
     */
    private static void layerNormRangeVector(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                             float[] mean, float[] rstd, int r0, int r1, int n) {
        float[] st = new float[2 * STAT_ROWS];
        for (int b0 = r0; b0 < r1; b0 += STAT_ROWS) {
            int b1 = Math.min(b0 + STAT_ROWS, r1);
            for (int r = b0; r < b1; r++) {
                layerNormStats(x, xOff + r * n, eps, n, st, 2 * (r - b0));
            }
            for (int r = b0; r < b1; r++) {
                float mu = st[2 * (r - b0)];
                float rs = st[2 * (r - b0) + 1];
                layerNormApply(x, xOff + r * n, gamma, beta, out, outOff + r * n, mu, rs, n);
                if (mean != null) {
                    mean[r] = mu;
                }
                if (rstd != null) {
                    rstd[r] = rs;
                }
            }
        }
    }

    /**
     * A row's mean and 1/sqrt(var + eps) into st[at] and st[at + 1]. A partial last vector of half
     * a vector (widths 40, 56, 72... at 16 lanes) is a half-width load widened with zero lanes,
     * the same sums as a masked load gives: masked loads and stores cost this kernel a third of its
     * time at 72 features (harness, 520 rows: 32 ns a row against 22 at 96). Other partial vectors
     * are masked.
     */
    private static void layerNormStats(float[] x, int xo, float eps, int n, float[] st, int at) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            acc = acc.add(FloatVector.fromArray(S, x, xo + i));
        }
        if (bound < n) {
            acc = acc.add(tailLanes(x, xo + bound, n - bound, 0f));
        }
        float mu = VecMath.treeSum(acc) / n;
        FloatVector vmu = FloatVector.broadcast(S, mu);
        FloatVector sq = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, xo + i).sub(vmu);
            sq = d.fma(d, sq);
        }
        if (bound < n) {
            FloatVector d = tailLanes(x, xo + bound, n - bound, mu);
            sq = d.fma(d, sq);
        }
        st[at] = mu;
        st[at + 1] = 1f / (float) Math.sqrt(VecMath.treeSum(sq) / n + eps);
    }

    /** {@code x[off + i] - mu} in lanes {@code i < rest} ({@code 0 < rest < L}), 0 in the others. */
    private static FloatVector tailLanes(float[] x, int off, int rest, float mu) {
        if (rest == HALF_LANES) {
            return (FloatVector) FloatVector.fromArray(HALF, x, off).sub(mu).reinterpretShape(S, 0);
        }
        VectorMask<Float> m = S.indexInRange(0, rest);
        return FloatVector.fromArray(S, x, off, m).sub(mu, m);
    }

    /** {@code out = ((x - mu) · rs) · gamma + beta} over one row. */
    private static void layerNormApply(float[] x, int xo, float[] gamma, float[] beta, float[] out, int oo, float mu, float rs, int n) {
        int bound = S.loopBound(n);
        FloatVector vmu = FloatVector.broadcast(S, mu);
        FloatVector vrs = FloatVector.broadcast(S, rs);
        for (int i = 0; i < bound; i += L) {
            FloatVector h = FloatVector.fromArray(S, x, xo + i).sub(vmu).mul(vrs);
            if (gamma != null) {
                h = h.mul(FloatVector.fromArray(S, gamma, i));
            }
            if (beta != null) {
                h = h.add(FloatVector.fromArray(S, beta, i));
            }
            h.intoArray(out, oo + i);
        }
        if (bound < n) {
            normalizeTailVector(x, xo + bound, gamma, beta, bound, out, oo + bound, mu, rs, n - bound);
        }
    }

    /** {@link #layerNormApply} on a row's last {@code rest} entries ({@code 0 < rest < L}), from column {@code col}: a half vector or masked. */
    private static void normalizeTailVector(float[] x, int xo, float[] gamma, float[] beta, int col, float[] out, int oo, float mu, float rs,
                                            int rest) {
        if (rest == HALF_LANES) {
            FloatVector h = FloatVector.fromArray(HALF, x, xo).sub(mu).mul(rs);
            if (gamma != null) {
                h = h.mul(FloatVector.fromArray(HALF, gamma, col));
            }
            if (beta != null) {
                h = h.add(FloatVector.fromArray(HALF, beta, col));
            }
            h.intoArray(out, oo);
            return;
        }
        VectorMask<Float> m = S.indexInRange(0, rest);
        FloatVector h = FloatVector.fromArray(S, x, xo, m).sub(mu).mul(rs);
        if (gamma != null) {
            h = h.mul(FloatVector.fromArray(S, gamma, col, m));
        }
        if (beta != null) {
            h = h.add(FloatVector.fromArray(S, beta, col, m));
        }
        h.intoArray(out, oo, m);
    }

    /**
     * Rows of at most {@link #NARROW_COLS} features, {@code L} rows at a time with one row per
     * lane: the group is gathered column by column into a {@code [cols, L]} scratch, so the means
     * and variances are lanewise sums with no horizontal reduction; the result is written as the
     * group's contiguous vectors of out, each lane's mean and rstd rearranged from its row's lane
     * (a scatter back, as first written, cost a third of the kernel: 77 against 50 us at 24
     * features, 99,840 floats). On a ViT shrunk to 24 features the row-at-a-time kernel spent most of each row in its
     * two lane reductions and the latency chain through them. Each lane adds its row's features
     * in order, so a group gives every row exactly what {@link #layerNormRowSequential} gives it
     * alone: rows before the first multiple of L and after the last group take that path, and
     * the result does not depend on how rows are split between threads.
     */
    private static void layerNormNarrow(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                        float[] mean, float[] rstd, int r0, int r1, int cols) {
        int[] rowStarts = new int[L];
        for (int i = 0; i < L; i++) {
            rowStarts[i] = i * cols;
        }
        float[] t = new float[cols * L]; // [cols, L]: column c of the group's rows
        // The group's L rows are cols contiguous vectors of x and of out. Lane l of vector v holds
        // row (v·L + l) / cols, column (v·L + l) % cols: its mean and rstd are those of the row's
        // lane rearranged, its gamma and beta those of a copy of gamma and beta repeated L times.
        VectorShuffle<Float>[] rowOf = rowShuffles(cols);
        float[] g = gamma == null ? null : Elementwise.repeat(gamma, 0, cols, cols * L);
        float[] b = beta == null ? null : Elementwise.repeat(beta, 0, cols, cols * L);
        int r = r0;
        for (; r < r1 && r % L != 0; r++) {
            layerNormRowSequential(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r, cols);
        }
        for (; r + L <= r1; r += L) {
            int xb = xOff + r * cols;
            FloatVector sum = FloatVector.zero(S);
            for (int c = 0; c < cols; c++) {
                FloatVector v = FloatVector.fromArray(S, x, xb + c, rowStarts, 0);
                v.intoArray(t, c * L);
                sum = sum.add(v);
            }
            FloatVector mu = sum.div(cols);
            FloatVector sq = FloatVector.zero(S);
            for (int c = 0; c < cols; c++) {
                FloatVector d = FloatVector.fromArray(S, t, c * L).sub(mu);
                sq = d.fma(d, sq);
            }
            FloatVector rs = FloatVector.broadcast(S, 1f).div(sq.div(cols).add(eps).sqrt());
            int ob = outOff + r * cols;
            for (int v = 0; v < cols; v++) {
                FloatVector h = FloatVector.fromArray(S, x, xb + v * L).sub(mu.rearrange(rowOf[v])).mul(rs.rearrange(rowOf[v]));
                if (g != null) {
                    h = h.mul(FloatVector.fromArray(S, g, v * L));
                }
                if (b != null) {
                    h = h.add(FloatVector.fromArray(S, b, v * L));
                }
                h.intoArray(out, ob + v * L);
            }
            if (mean != null) {
                mu.intoArray(mean, r);
            }
            if (rstd != null) {
                rs.intoArray(rstd, r);
            }
        }
        for (; r < r1; r++) {
            layerNormRowSequential(x, xOff, gamma, beta, eps, out, outOff, mean, rstd, r, cols);
        }
    }

    /** The shuffles of one width; published through a final field, so another thread sees them whole. */
    private record RowShuffles(VectorShuffle<Float>[] rowOf) {}

    /** {@link #rowShuffles} by width, built on first use (a benign race: every thread builds the same). */
    private static final RowShuffles[] ROW_SHUFFLES = new RowShuffles[NARROW_COLS + 1];

    /**
     * For each of the cols vectors of an L-row group of cols-wide rows, the shuffle taking each
     * lane to its row's lane. Cached per width: built per call they cost a batch-1 ViT at 24
     * features about 3 us per layer norm.
     */
    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] rowShuffles(int cols) {
        RowShuffles cached = ROW_SHUFFLES[cols];
        if (cached == null) {
            VectorShuffle<Float>[] rowOf = new VectorShuffle[cols];
            for (int v = 0; v < cols; v++) {
                int base = v * L;
                rowOf[v] = VectorShuffle.fromOp(S, l -> (base + l) / cols);
            }
            cached = new RowShuffles(rowOf);
            ROW_SHUFFLES[cols] = cached;
        }
        return cached.rowOf();
    }

    /** One row as one lane of {@link #layerNormNarrow} computes it: sums in feature order, the same operations. */
    private static void layerNormRowSequential(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                               float[] mean, float[] rstd, int r, int n) {
        int xo = xOff + r * n;
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xo + i];
        }
        float mu = s / n;
        float q = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[xo + i] - mu;
            q = Math.fma(d, d, q);
        }
        float rs = 1f / (float) Math.sqrt(q / n + eps);
        normalizeTail(x, xo, gamma, beta, out, outOff + r * n, mu, rs, 0, n);
        if (mean != null) {
            mean[r] = mu;
        }
        if (rstd != null) {
            rstd[r] = rs;
        }
    }

    private static void layerNormRowScalar(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                                           float[] mean, float[] rstd, int r, int n) {
        int xo = xOff + r * n;
        int oo = outOff + r * n;
        float mu = Reductions.sumScalar(x, xo, n) / n;
        float rs = 1f / (float) Math.sqrt(Reductions.varianceScalar(x, xo, n, mu) + eps);
        normalizeTail(x, xo, gamma, beta, out, oo, mu, rs, 0, n);
        if (mean != null) {
            mean[r] = mu;
        }
        if (rstd != null) {
            rstd[r] = rs;
        }
    }

    /** {@code out[i] = ((x[i] - mu) · rs) · gamma[i] + beta[i]} for i in [from, n), same operation order as the vector loop. */
    private static void normalizeTail(float[] x, int xo, float[] gamma, float[] beta, float[] out, int oo, float mu, float rs,
                                      int from, int n) {
        for (int i = from; i < n; i++) {
            float h = (x[xo + i] - mu) * rs;
            if (gamma != null) {
                h *= gamma[i];
            }
            if (beta != null) {
                h += beta[i];
            }
            out[oo + i] = h;
        }
    }

    /**
     * Layer norm backward. With {@code x̂ = (x - mean)·rstd} and {@code g = dy ⊙ gamma} per row,
     * {@code dx = rstd · (g - mean_c(g) - x̂ · mean_c(g ⊙ x̂))}; the parameter gradients accumulate
     * over rows: {@code dgamma += Σ_r dy ⊙ x̂}, {@code dbeta += Σ_r dy}.
     *
     * @param dy     {@code [rows, cols]} upstream gradient at dyOff
     * @param x      {@code [rows, cols]} forward input at xOff
     * @param gamma  {@code [cols]} forward scale, or null for 1
     * @param mean   {@code [rows]} saved by {@link #layerNormRows}
     * @param rstd   {@code [rows]} saved by {@link #layerNormRows}
     * @param dx     {@code [rows, cols]} at dxOff, overwritten (may alias dy), or null to skip
     * @param dgamma {@code [cols]} accumulated into (+=), or null to skip
     * @param dbeta  {@code [cols]} accumulated into (+=), or null to skip
     */
    public static void layerNormBackwardRows(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                                             float[] dx, int dxOff, float[] dgamma, float[] dbeta, int rows, int cols) {
        checkLayerNormBackward(dy, dyOff, x, xOff, gamma, mean, rstd, dx, dxOff, dgamma, dbeta, rows, cols);
        // The parameter gradients read dy before dx (which may alias dy) is overwritten.
        if (dgamma != null || dbeta != null) {
            int chunks = (cols + COLUMN_CHUNK - 1) / COLUMN_CHUNK;
            Parallel.RangeTask task = (c0, c1) -> {
                int from = c0 * COLUMN_CHUNK;
                int to = Math.min(cols, c1 * COLUMN_CHUNK);
                if (KernelConfig.SCALAR) {
                    paramGradsScalar(dy, dyOff, x, xOff, mean, rstd, dgamma, dbeta, rows, cols, from, to);
                } else {
                    paramGradsVector(dy, dyOff, x, xOff, mean, rstd, dgamma, dbeta, rows, cols, from, to);
                }
            };
            if ((long) rows * cols < Split.MIN_PARALLEL || chunks < 2) {
                task.run(0, chunks);
            } else {
                Parallel.forRange(chunks, task);
            }
        }
        if (dx != null) {
            Split.rows(rows, cols, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    if (KernelConfig.SCALAR) {
                        layerNormDxRowScalar(dy, dyOff, x, xOff, gamma, mean[r], rstd[r], dx, dxOff, r, cols);
                    } else {
                        layerNormDxRowVector(dy, dyOff, x, xOff, gamma, mean[r], rstd[r], dx, dxOff, r, cols);
                    }
                }
            });
        }
    }

    /** Vector path of {@link #layerNormBackwardRows} (single-threaded). */
    public static void layerNormBackwardRowsVector(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                                                   float[] dx, int dxOff, float[] dgamma, float[] dbeta, int rows, int cols) {
        checkLayerNormBackward(dy, dyOff, x, xOff, gamma, mean, rstd, dx, dxOff, dgamma, dbeta, rows, cols);
        paramGradsVector(dy, dyOff, x, xOff, mean, rstd, dgamma, dbeta, rows, cols, 0, cols);
        if (dx != null) {
            for (int r = 0; r < rows; r++) {
                layerNormDxRowVector(dy, dyOff, x, xOff, gamma, mean[r], rstd[r], dx, dxOff, r, cols);
            }
        }
    }

    /** Scalar twin of {@link #layerNormBackwardRows}. */
    public static void layerNormBackwardRowsScalar(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                                                   float[] dx, int dxOff, float[] dgamma, float[] dbeta, int rows, int cols) {
        checkLayerNormBackward(dy, dyOff, x, xOff, gamma, mean, rstd, dx, dxOff, dgamma, dbeta, rows, cols);
        paramGradsScalar(dy, dyOff, x, xOff, mean, rstd, dgamma, dbeta, rows, cols, 0, cols);
        if (dx != null) {
            for (int r = 0; r < rows; r++) {
                layerNormDxRowScalar(dy, dyOff, x, xOff, gamma, mean[r], rstd[r], dx, dxOff, r, cols);
            }
        }
    }

    private static void checkLayerNormBackward(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                                               float[] dx, int dxOff, float[] dgamma, float[] dbeta, int rows, int cols) {
        String op = "layerNormBackwardRows";
        Checks.matrix(op, "dy", dy, dyOff, rows, cols);
        Checks.matrix(op, "x", x, xOff, rows, cols);
        Checks.range(op, "mean", mean, 0, rows);
        Checks.range(op, "rstd", rstd, 0, rows);
        if (gamma != null) {
            Checks.range(op, "gamma", gamma, 0, cols);
        }
        if (dx != null) {
            Checks.matrix(op, "dx", dx, dxOff, rows, cols);
        }
        if (dgamma != null) {
            Checks.range(op, "dgamma", dgamma, 0, cols);
        }
        if (dbeta != null) {
            Checks.range(op, "dbeta", dbeta, 0, cols);
        }
    }

    /** dgamma[c] += Σ_r dy[r, c] · x̂[r, c], dbeta[c] += Σ_r dy[r, c] for c in [from, to), rows in order. */
    private static void paramGradsVector(float[] dy, int dyOff, float[] x, int xOff, float[] mean, float[] rstd,
                                         float[] dgamma, float[] dbeta, int rows, int cols, int from, int to) {
        int vecEnd = from + S.loopBound(to - from);
        for (int r = 0; r < rows; r++) {
            int dyo = dyOff + r * cols;
            int xo = xOff + r * cols;
            float mu = mean[r];
            float rs = rstd[r];
            FloatVector vmu = FloatVector.broadcast(S, mu);
            FloatVector vrs = FloatVector.broadcast(S, rs);
            int c = from;
            for (; c < vecEnd; c += L) {
                FloatVector d = FloatVector.fromArray(S, dy, dyo + c);
                if (dgamma != null) {
                    FloatVector h = FloatVector.fromArray(S, x, xo + c).sub(vmu).mul(vrs);
                    d.fma(h, FloatVector.fromArray(S, dgamma, c)).intoArray(dgamma, c);
                }
                if (dbeta != null) {
                    FloatVector.fromArray(S, dbeta, c).add(d).intoArray(dbeta, c);
                }
            }
            paramGradsRowScalar(dy, dyo, x, xo, mu, rs, dgamma, dbeta, c, to);
        }
    }

    private static void paramGradsScalar(float[] dy, int dyOff, float[] x, int xOff, float[] mean, float[] rstd,
                                         float[] dgamma, float[] dbeta, int rows, int cols, int from, int to) {
        for (int r = 0; r < rows; r++) {
            paramGradsRowScalar(dy, dyOff + r * cols, x, xOff + r * cols, mean[r], rstd[r], dgamma, dbeta, from, to);
        }
    }

    private static void paramGradsRowScalar(float[] dy, int dyo, float[] x, int xo, float mu, float rs,
                                            float[] dgamma, float[] dbeta, int from, int to) {
        for (int c = from; c < to; c++) {
            float d = dy[dyo + c];
            if (dgamma != null) {
                dgamma[c] = Math.fma(d, (x[xo + c] - mu) * rs, dgamma[c]);
            }
            if (dbeta != null) {
                dbeta[c] += d;
            }
        }
    }

    private static void layerNormDxRowVector(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float mu, float rs,
                                             float[] dx, int dxOff, int r, int n) {
        int dyo = dyOff + r * n;
        int xo = xOff + r * n;
        int dxo = dxOff + r * n;
        FloatVector vmu = FloatVector.broadcast(S, mu);
        FloatVector vrs = FloatVector.broadcast(S, rs);
        // Pass 1: Σ g and Σ g·x̂ with g = dy·gamma.
        FloatVector accG = FloatVector.zero(S);
        FloatVector accGH = FloatVector.zero(S);
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            if (gamma != null) {
                g = g.mul(FloatVector.fromArray(S, gamma, i));
            }
            FloatVector h = FloatVector.fromArray(S, x, xo + i).sub(vmu).mul(vrs);
            accG = accG.add(g);
            accGH = g.fma(h, accGH);
        }
        float sumG = VecMath.sumLanes(accG);
        float sumGH = VecMath.sumLanes(accGH);
        for (; i < n; i++) {
            float g = gamma != null ? dy[dyo + i] * gamma[i] : dy[dyo + i];
            sumG += g;
            sumGH = Math.fma(g, (x[xo + i] - mu) * rs, sumGH);
        }
        float meanG = sumG / n;
        float meanGH = sumGH / n;
        // Pass 2: dx = rstd · (g - mean(g) - x̂ · mean(g·x̂)).
        FloatVector vMeanG = FloatVector.broadcast(S, meanG);
        FloatVector vNegMeanGH = FloatVector.broadcast(S, -meanGH);
        for (i = 0; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            if (gamma != null) {
                g = g.mul(FloatVector.fromArray(S, gamma, i));
            }
            FloatVector h = FloatVector.fromArray(S, x, xo + i).sub(vmu).mul(vrs);
            h.fma(vNegMeanGH, g.sub(vMeanG)).mul(vrs).intoArray(dx, dxo + i);
        }
        dxTail(dy, dyo, x, xo, gamma, mu, rs, meanG, meanGH, dx, dxo, i, n);
    }

    private static void layerNormDxRowScalar(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float mu, float rs,
                                             float[] dx, int dxOff, int r, int n) {
        int dyo = dyOff + r * n;
        int xo = xOff + r * n;
        int dxo = dxOff + r * n;
        float sumG = 0f;
        float sumGH = 0f;
        for (int i = 0; i < n; i++) {
            float g = gamma != null ? dy[dyo + i] * gamma[i] : dy[dyo + i];
            sumG += g;
            sumGH = Math.fma(g, (x[xo + i] - mu) * rs, sumGH);
        }
        dxTail(dy, dyo, x, xo, gamma, mu, rs, sumG / n, sumGH / n, dx, dxo, 0, n);
    }

    private static void dxTail(float[] dy, int dyo, float[] x, int xo, float[] gamma, float mu, float rs, float meanG, float meanGH,
                               float[] dx, int dxo, int from, int n) {
        for (int i = from; i < n; i++) {
            float g = gamma != null ? dy[dyo + i] * gamma[i] : dy[dyo + i];
            float h = (x[xo + i] - mu) * rs;
            dx[dxo + i] = Math.fma(h, -meanGH, g - meanG) * rs;
        }
    }
}
