package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.OUT_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.X_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.Y_OFF;
import static dev.sprig.kernels.vec.VecTestSupport.assertClose;
import static dev.sprig.kernels.vec.VecTestSupport.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.kernels.KernelConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Softmax, log-softmax and layer norm (forward and backward) against double-precision references,
 * vector vs scalar, edge rows, and the backwards against central finite differences in double.
 */
class RowKernelsTest {
    private static final double U = Math.ulp(1f) / 2;
    /** [rows, cols] shapes: empty, single element, around the 16-lane width, primes, a long row. */
    private static final int[][] SHAPES = {{0, 7}, {3, 0}, {1, 1}, {2, 15}, {3, 16}, {4, 17}, {3, 33}, {5, 97}, {2, 1000}, {40, 24}, {35, 40}, {20, 64}};

    interface RowOp {
        void run(float[] x, int xOff, float[] out, int outOff, int rows, int cols);
    }

    interface RowBackward {
        void run(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols);
    }

    private static double[] softmaxRef(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            e[i] = Math.exp(x[off + i] - max);
            sum += e[i];
        }
        for (int i = 0; i < n; i++) {
            e[i] /= sum;
        }
        return e;
    }

    private static void warmRows(RowOp op) {
        float[] x = new float[4 * 64];
        float[] out = new float[x.length];
        VecTestSupport.warm(() -> op.run(x, 0, out, 0, 4, 64));
    }

    @Test
    void softmaxAndLogSoftmaxMatchDouble() {
        SplittableRandom rnd = new SplittableRandom(41);
        RowOp[] soft = {RowKernels::softmaxRowsVector, RowKernels::softmaxRowsScalar, RowKernels::softmaxRows};
        RowOp[] logSoft = {RowKernels::logSoftmaxRowsVector, RowKernels::logSoftmaxRowsScalar, RowKernels::logSoftmaxRows};
        warmRows(soft[0]);
        warmRows(logSoft[0]);
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] x = uniform(rnd, X_OFF, rows * cols, -8, 8); // [rows, cols]
            // Softmax error: a few roundings per element plus the row sum's (cols-dependent) rounding.
            double rel = (cols + 16) * U;
            for (int p = 0; p < 3; p++) {
                float[] s = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                float[] ls = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                soft[p].run(x, X_OFF, s, OUT_OFF, rows, cols);
                logSoft[p].run(x, X_OFF, ls, OUT_OFF, rows, cols);
                VecTestSupport.assertUntouchedOutside(s, OUT_OFF, rows * cols);
                VecTestSupport.assertUntouchedOutside(ls, OUT_OFF, rows * cols);
                for (int r = 0; r < rows; r++) {
                    double[] ref = softmaxRef(x, X_OFF + r * cols, cols);
                    for (int c = 0; c < cols; c++) {
                        String at = rows + "x" + cols + " path " + p + " [" + r + ", " + c + "]";
                        assertClose("softmax " + at, ref[c], s[OUT_OFF + r * cols + c], 1e-38, rel);
                        double logRef = Math.log(ref[c]);
                        assertClose("logSoftmax " + at, logRef, ls[OUT_OFF + r * cols + c], rel, 4 * U);
                    }
                }
            }
        }
    }

    @Test
    void softmaxEdgeRows() {
        float ninf = Float.NEGATIVE_INFINITY;
        int cols = 37;
        float[] x = new float[3 * cols]; // [3, cols]
        for (int c = 0; c < cols; c++) {
            x[c] = c % 3 == 0 ? ninf : c * 0.1f;     // row 0: some -inf entries
            x[cols + c] = 2.5f;                      // row 1: all equal
            x[2 * cols + c] = ninf;                  // row 2: all -inf
        }
        RowOp[] soft = {RowKernels::softmaxRowsVector, RowKernels::softmaxRowsScalar};
        RowOp[] logSoft = {RowKernels::logSoftmaxRowsVector, RowKernels::logSoftmaxRowsScalar};
        for (int p = 0; p < 2; p++) {
            float[] s = new float[x.length];
            float[] ls = new float[x.length];
            soft[p].run(x, 0, s, 0, 3, cols);
            logSoft[p].run(x, 0, ls, 0, 3, cols);
            double[] ref = softmaxRef(x, 0, cols);
            for (int c = 0; c < cols; c++) {
                if (c % 3 == 0) {
                    assertThat(s[c]).as("softmax of -inf entry").isZero();
                    assertThat(ls[c]).as("logSoftmax of -inf entry").isEqualTo(ninf);
                } else {
                    assertClose("softmax row 0 col " + c, ref[c], s[c], 0, 64 * U);
                }
                assertThat(s[cols + c]).as("softmax of equal values").isEqualTo(1f / cols);
                assertClose("logSoftmax of equal values", -Math.log(cols), ls[cols + c], 0, 4 * U);
                // Documented: an all -inf row has no defined distribution, it gives NaN (as PyTorch).
                assertThat(s[2 * cols + c]).as("softmax of an all -inf row").isNaN();
                assertThat(ls[2 * cols + c]).as("logSoftmax of an all -inf row").isNaN();
            }
        }
    }

    @Test
    void softmaxBackwardsMatchTheFormulaAndFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(42);
        RowBackward[] sb = {RowKernels::softmaxBackwardRowsVector, RowKernels::softmaxBackwardRowsScalar, RowKernels::softmaxBackwardRows};
        RowBackward[] lb = {RowKernels::logSoftmaxBackwardRowsVector, RowKernels::logSoftmaxBackwardRowsScalar,
                RowKernels::logSoftmaxBackwardRows};
        VecTestSupport.warm(() -> lb[0].run(new float[64], 0, new float[64], 0, new float[64], 0, 2, 32));
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] x = uniform(rnd, 0, rows * cols, -3, 3);
            float[] y = new float[x.length];   // softmax(x)      [rows, cols]
            float[] ly = new float[x.length];  // logSoftmax(x)   [rows, cols]
            RowKernels.softmaxRowsScalar(x, 0, y, X_OFF, rows, cols);
            RowKernels.logSoftmaxRowsScalar(x, 0, ly, X_OFF, rows, cols);
            float[] dy = uniform(rnd, Y_OFF, rows * cols, -1, 1);
            for (int p = 0; p < 3; p++) {
                float[] dx = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                float[] ldx = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                sb[p].run(y, X_OFF, dy, Y_OFF, dx, OUT_OFF, rows, cols);
                lb[p].run(ly, X_OFF, dy, Y_OFF, ldx, OUT_OFF, rows, cols);
                VecTestSupport.assertUntouchedOutside(dx, OUT_OFF, rows * cols);
                for (int r = 0; r < rows; r++) {
                    double dot = 0;
                    double sumDy = 0;
                    double absDot = 0;
                    for (int c = 0; c < cols; c++) {
                        dot += (double) dy[Y_OFF + r * cols + c] * y[X_OFF + r * cols + c];
                        absDot += Math.abs((double) dy[Y_OFF + r * cols + c]);
                        sumDy += dy[Y_OFF + r * cols + c];
                    }
                    double tol = (cols + 16) * U * absDot;
                    for (int c = 0; c < cols; c++) {
                        int i = r * cols + c;
                        double ys = y[X_OFF + i];
                        assertClose("softmaxBackward path " + p, ys * (dy[Y_OFF + i] - dot), dx[OUT_OFF + i], tol * ys + 1e-38, 4 * U);
                        assertClose("logSoftmaxBackward path " + p, dy[Y_OFF + i] - Math.exp(ly[X_OFF + i]) * sumDy,
                                ldx[OUT_OFF + i], tol + 4 * U, 4 * U);
                    }
                }
            }
        }
        // Finite differences in double on a tiny case: L = Σ w ⊙ softmax(x), dL/dx = softmaxBackward(y, w).
        float[] x = {0.3f, -1.2f, 2.0f, 0.7f, -0.4f};
        float[] w = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f};
        float[] y = new float[5];
        float[] ly = new float[5];
        float[] dx = new float[5];
        float[] ldx = new float[5];
        RowKernels.softmaxRows(x, 0, y, 0, 1, 5);
        RowKernels.logSoftmaxRows(x, 0, ly, 0, 1, 5);
        RowKernels.softmaxBackwardRows(y, 0, w, 0, dx, 0, 1, 5);
        RowKernels.logSoftmaxBackwardRows(ly, 0, w, 0, ldx, 0, 1, 5);
        for (int k = 0; k < 5; k++) {
            double h = 1e-6;
            double[] plus = toDouble(x);
            double[] minus = toDouble(x);
            plus[k] += h;
            minus[k] -= h;
            double fd = (weightedSoftmax(plus, w, false) - weightedSoftmax(minus, w, false)) / (2 * h);
            double lfd = (weightedSoftmax(plus, w, true) - weightedSoftmax(minus, w, true)) / (2 * h);
            assertClose("softmax backward vs finite difference, x[" + k + "]", fd, dx[k], 2e-6, 1e-5);
            assertClose("logSoftmax backward vs finite difference, x[" + k + "]", lfd, ldx[k], 2e-6, 1e-5);
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static double weightedSoftmax(double[] x, float[] w, boolean log) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        double loss = 0;
        for (int i = 0; i < x.length; i++) {
            double p = Math.exp(x[i] - max) / sum;
            loss += w[i] * (log ? Math.log(p) : p);
        }
        return loss;
    }

    // ================================================================ layer norm

    interface LayerNorm {
        void run(float[] x, int xOff, float[] gamma, float[] beta, float eps, float[] out, int outOff,
                 float[] mean, float[] rstd, int rows, int cols);
    }

    interface LayerNormBackward {
        void run(float[] dy, int dyOff, float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                 float[] dx, int dxOff, float[] dgamma, float[] dbeta, int rows, int cols);
    }

    private static final float EPS = 1e-5f;

    /** Double layer norm of one row: returns {mean, rstd, x̂...}. */
    private static double[] layerNormRef(float[] x, int off, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += x[off + i];
        }
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            var += (x[off + i] - mean) * (x[off + i] - mean);
        }
        var /= n;
        double rstd = 1 / Math.sqrt(var + EPS);
        double[] r = new double[n + 2];
        r[0] = mean;
        r[1] = rstd;
        for (int i = 0; i < n; i++) {
            r[2 + i] = (x[off + i] - mean) * rstd;
        }
        return r;
    }

    @Test
    void layerNormForwardMatchesDouble() {
        SplittableRandom rnd = new SplittableRandom(43);
        LayerNorm[] paths = {RowKernels::layerNormRowsVector, RowKernels::layerNormRowsScalar, RowKernels::layerNormRows};
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] x = uniform(rnd, X_OFF, rows * cols, -2, 3); // [rows, cols]
            float[] gamma = uniform(rnd, 0, cols, 0.5, 1.5);     // [cols]
            float[] beta = uniform(rnd, 0, cols, -1, 1);         // [cols]
            for (boolean affine : new boolean[] {true, false}) {
                float[] g = affine ? gamma : null;
                float[] b = affine ? beta : null;
                for (LayerNorm k : paths) {
                    float[] out = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                    float[] mean = new float[rows];
                    float[] rstd = new float[rows];
                    k.run(x, X_OFF, g, b, EPS, out, OUT_OFF, mean, rstd, rows, cols);
                    VecTestSupport.assertUntouchedOutside(out, OUT_OFF, rows * cols);
                    for (int r = 0; r < rows; r++) {
                        double[] ref = layerNormRef(x, X_OFF + r * cols, cols);
                        assertClose("mean row " + r, ref[0], mean[r], 1e-6, (cols + 16) * U);
                        assertClose("rstd row " + r, ref[1], rstd[r], 0, (cols + 16) * U);
                        for (int c = 0; c < cols; c++) {
                            double e = ref[2 + c] * (affine ? gamma[c] : 1) + (affine ? beta[c] : 0);
                            double scale = Math.abs(ref[2 + c]) * (affine ? gamma[c] : 1) + (affine ? Math.abs(beta[c]) : 0);
                            assertClose("layerNorm " + rows + "x" + cols + " [" + r + ", " + c + "]", e,
                                    out[OUT_OFF + r * cols + c], (cols + 32) * U * (scale + 1), 0);
                        }
                    }
                }
            }
        }
        // Null mean/rstd (inference) is allowed and gives the same output.
        float[] x = uniform(rnd, 0, 2 * 20, -1, 1);
        float[] a = new float[40];
        float[] c = new float[40];
        RowKernels.layerNormRows(x, 0, null, null, EPS, a, 0, null, null, 2, 20);
        RowKernels.layerNormRows(x, 0, null, null, EPS, c, 0, new float[2], new float[2], 2, 20);
        assertThat(a).containsExactly(c);
    }

    /**
     * Rows wider than NARROW_COLS: the vector kernel against a scalar emulation of its lanes, bit for
     * bit. Lane l sums features l, l + L, l + 2L... in order (a partial last vector adds 0 in its
     * empty lanes), the lanes are added by {@link VecMath#treeSum(float[], int)}'s pairwise order, and
     * so are the squared deviations (fused multiply-adds). The widths cover no partial vector, a
     * half one (read as a half-width vector: 56, 72, 88, 136 at 16 lanes, 50 and 74 at 4) and
     * others (masked); the rows, blocks of statistics taken before the block is normalised; and
     * in place.
     */
    @Test
    void wideLayerNormIsItsLanesBitForBit() {
        SplittableRandom rnd = new SplittableRandom(45);
        int lanes = KernelConfig.FLOATS.length();
        for (int cols : new int[] {RowKernels.NARROW_COLS + 1, 48, 50, 56, 64, 72, 74, 75, 88, 96, 100, 136}) {
            for (int rows : new int[] {1, 15, 16, 17, 33, 41}) {
                float[] x = uniform(rnd, X_OFF, rows * cols, -2, 3);
                float[] gamma = uniform(rnd, 0, cols, 0.5, 1.5);
                float[] beta = uniform(rnd, 0, cols, -1, 1);
                float[] out = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                float[] mean = new float[rows];
                float[] rstd = new float[rows];
                RowKernels.layerNormRowsVector(x, X_OFF, gamma, beta, EPS, out, OUT_OFF, mean, rstd, rows, cols);
                VecTestSupport.assertUntouchedOutside(out, OUT_OFF, rows * cols);
                float[] inPlace = x.clone();
                RowKernels.layerNormRowsVector(inPlace, X_OFF, null, null, EPS, inPlace, X_OFF, null, null, rows, cols);
                for (int r = 0; r < rows; r++) {
                    int xo = X_OFF + r * cols;
                    float[] acc = new float[lanes];
                    for (int c = 0; c < cols + (lanes - cols % lanes) % lanes; c++) {
                        acc[c % lanes] += c < cols ? x[xo + c] : 0f;
                    }
                    float mu = VecMath.treeSum(acc, 0) / cols;
                    float[] sq = new float[lanes];
                    for (int c = 0; c < cols + (lanes - cols % lanes) % lanes; c++) {
                        float d = c < cols ? x[xo + c] - mu : 0f;
                        sq[c % lanes] = Math.fma(d, d, sq[c % lanes]);
                    }
                    float rs = 1f / (float) Math.sqrt(VecMath.treeSum(sq, 0) / cols + EPS);
                    String what = rows + "x" + cols + " row " + r;
                    assertThat(mean[r]).as(what + " mean").isEqualTo(mu);
                    assertThat(rstd[r]).as(what + " rstd").isEqualTo(rs);
                    for (int c = 0; c < cols; c++) {
                        float h = (x[xo + c] - mu) * rs;
                        assertThat(out[OUT_OFF + r * cols + c]).as(what + " col " + c).isEqualTo(h * gamma[c] + beta[c]);
                        assertThat(inPlace[xo + c]).as(what + " col " + c + " in place").isEqualTo(h);
                    }
                }
            }
        }
    }

    /**
     * Narrow rows (at most NARROW_COLS features) are normalised a vector's worth of rows at a time,
     * wider ones with their statistics taken a block of rows at a time; either way a row must come
     * out bit for bit as it does alone, wherever the group or block boundaries fall (they move with
     * the row range each thread gets), with the output aliasing the input too.
     */
    @Test
    void narrowLayerNormGivesEachRowWhatItGetsAlone() {
        SplittableRandom rnd = new SplittableRandom(44);
        for (int cols : new int[] {1, 3, 16, RowKernels.NARROW_COLS, RowKernels.NARROW_COLS + 1, 48, 56, 72, 100}) {
            for (int rows : new int[] {1, 15, 16, 17, 41}) {
                float[] x = uniform(rnd, X_OFF, rows * cols, -2, 3);
                float[] gamma = uniform(rnd, 0, cols, 0.5, 1.5);
                float[] beta = uniform(rnd, 0, cols, -1, 1);
                float[] all = new float[OUT_OFF + rows * cols];
                float[] mean = new float[rows];
                float[] rstd = new float[rows];
                RowKernels.layerNormRowsVector(x, X_OFF, gamma, beta, EPS, all, OUT_OFF, mean, rstd, rows, cols);
                float[] inPlace = x.clone();
                RowKernels.layerNormRowsVector(inPlace, X_OFF, gamma, beta, EPS, inPlace, X_OFF, null, null, rows, cols);
                for (int r = 0; r < rows; r++) {
                    float[] one = new float[cols];
                    float[] m = new float[1];
                    float[] s = new float[1];
                    RowKernels.layerNormRowsVector(x, X_OFF + r * cols, gamma, beta, EPS, one, 0, m, s, 1, cols);
                    String what = rows + "x" + cols + " row " + r;
                    assertThat(java.util.Arrays.copyOfRange(all, OUT_OFF + r * cols, OUT_OFF + (r + 1) * cols)).as(what).containsExactly(one);
                    assertThat(java.util.Arrays.copyOfRange(inPlace, X_OFF + r * cols, X_OFF + (r + 1) * cols)).as(what + " in place")
                            .containsExactly(one);
                    assertThat(mean[r]).as(what + " mean").isEqualTo(m[0]);
                    assertThat(rstd[r]).as(what + " rstd").isEqualTo(s[0]);
                }
            }
        }
    }

    @Test
    void layerNormBackwardMatchesTheFormulaAndFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(44);
        LayerNormBackward[] paths = {RowKernels::layerNormBackwardRowsVector, RowKernels::layerNormBackwardRowsScalar,
                RowKernels::layerNormBackwardRows};
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] x = uniform(rnd, X_OFF, rows * cols, -2, 3);   // [rows, cols]
            float[] dy = uniform(rnd, Y_OFF, rows * cols, -1, 1);  // [rows, cols]
            float[] gamma = uniform(rnd, 0, cols, 0.5, 1.5);       // [cols]
            float[] dgamma0 = uniform(rnd, 0, cols, -1, 1);        // [cols], accumulated into
            float[] dbeta0 = uniform(rnd, 0, cols, -1, 1);         // [cols], accumulated into
            float[] mean = new float[rows];
            float[] rstd = new float[rows];
            RowKernels.layerNormRowsScalar(x, X_OFF, gamma, null, EPS, new float[x.length], 0, mean, rstd, rows, cols);
            // Double references of dx, dgamma, dbeta from the same saved statistics.
            double[] dxRef = new double[rows * cols];
            double[] dgRef = new double[cols];
            double[] dbRef = new double[cols];
            double[] dxScale = new double[rows];
            for (int c = 0; c < cols; c++) {
                dgRef[c] = dgamma0[c];
                dbRef[c] = dbeta0[c];
            }
            for (int r = 0; r < rows; r++) {
                double mg = 0;
                double mgh = 0;
                double scale = 0;
                for (int c = 0; c < cols; c++) {
                    int i = r * cols + c;
                    double h = (x[X_OFF + i] - (double) mean[r]) * rstd[r];
                    double g = (double) dy[Y_OFF + i] * gamma[c];
                    mg += g;
                    mgh += g * h;
                    scale += Math.abs(g) * (1 + Math.abs(h));
                    dgRef[c] += dy[Y_OFF + i] * h;
                    dbRef[c] += dy[Y_OFF + i];
                }
                mg /= cols;
                mgh /= cols;
                dxScale[r] = scale / Math.max(cols, 1) * rstd[r];
                for (int c = 0; c < cols; c++) {
                    int i = r * cols + c;
                    double h = (x[X_OFF + i] - (double) mean[r]) * rstd[r];
                    dxRef[i] = rstd[r] * (dy[Y_OFF + i] * gamma[c] - mg - h * mgh);
                }
            }
            for (LayerNormBackward k : paths) {
                float[] dx = VecTestSupport.sentinel(OUT_OFF, rows * cols);
                float[] dgamma = dgamma0.clone();
                float[] dbeta = dbeta0.clone();
                k.run(dy, Y_OFF, x, X_OFF, gamma, mean, rstd, dx, OUT_OFF, dgamma, dbeta, rows, cols);
                VecTestSupport.assertUntouchedOutside(dx, OUT_OFF, rows * cols);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        int i = r * cols + c;
                        assertClose("dx " + rows + "x" + cols + " [" + r + ", " + c + "]", dxRef[i], dx[OUT_OFF + i],
                                (cols + 32) * U * (dxScale[r] + Math.abs(dy[Y_OFF + i] * gamma[c] * rstd[r])), 0);
                    }
                }
                for (int c = 0; c < cols; c++) {
                    assertClose("dgamma[" + c + "]", dgRef[c], dgamma[c], (rows + 8) * 8 * U * (1 + Math.abs(dgRef[c])), 0);
                    assertClose("dbeta[" + c + "]", dbRef[c], dbeta[c], (rows + 8) * 4 * U * (1 + Math.abs(dbRef[c])), 0);
                }
            }
        }
    }

    /** L = Σ w ⊙ LayerNorm(x; γ, β) in double, for finite differences. */
    private static double layerNormLoss(double[] x, double[] gamma, double[] beta, float[] w, int rows, int cols) {
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[r * cols + c];
            }
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            }
            double rstd = 1 / Math.sqrt(var / cols + EPS);
            for (int c = 0; c < cols; c++) {
                loss += w[r * cols + c] * ((x[r * cols + c] - mean) * rstd * gamma[c] + beta[c]);
            }
        }
        return loss;
    }

    @Test
    void layerNormBackwardAgreesWithFiniteDifferencesInDouble() {
        int rows = 2;
        int cols = 6;
        float[] x = {0.3f, -1.2f, 2.0f, 0.7f, -0.4f, 1.1f, -0.5f, 0.9f, 0.1f, -2.2f, 1.4f, 0.6f}; // [2, 6]
        float[] w = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f, -0.3f, 0.8f, 1.2f, -0.6f, 0.4f, -1.1f}; // dL/dy, [2, 6]
        float[] gamma = {1.2f, 0.8f, -0.5f, 1.0f, 0.3f, 2.0f};
        float[] beta = {0.1f, -0.2f, 0.3f, 0f, 0.5f, -0.4f};
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        RowKernels.layerNormRows(x, 0, gamma, beta, EPS, new float[12], 0, mean, rstd, rows, cols);
        float[] dx = new float[12];
        float[] dgamma = new float[6];
        float[] dbeta = new float[6];
        RowKernels.layerNormBackwardRows(w, 0, x, 0, gamma, mean, rstd, dx, 0, dgamma, dbeta, rows, cols);
        double[] xd = toDouble(x);
        double[] gd = toDouble(gamma);
        double[] bd = toDouble(beta);
        double h = 1e-6;
        for (int i = 0; i < 12; i++) {
            double keep = xd[i];
            xd[i] = keep + h;
            double up = layerNormLoss(xd, gd, bd, w, rows, cols);
            xd[i] = keep - h;
            double down = layerNormLoss(xd, gd, bd, w, rows, cols);
            xd[i] = keep;
            assertClose("dx[" + i + "] vs finite difference", (up - down) / (2 * h), dx[i], 1e-5, 1e-5);
        }
        for (int c = 0; c < 6; c++) {
            double keep = gd[c];
            gd[c] = keep + h;
            double up = layerNormLoss(xd, gd, bd, w, rows, cols);
            gd[c] = keep - h;
            double down = layerNormLoss(xd, gd, bd, w, rows, cols);
            gd[c] = keep;
            assertClose("dgamma[" + c + "] vs finite difference", (up - down) / (2 * h), dgamma[c], 1e-5, 1e-5);
            keep = bd[c];
            bd[c] = keep + h;
            up = layerNormLoss(xd, gd, bd, w, rows, cols);
            bd[c] = keep - h;
            down = layerNormLoss(xd, gd, bd, w, rows, cols);
            bd[c] = keep;
            assertClose("dbeta[" + c + "] vs finite difference", (up - down) / (2 * h), dbeta[c], 1e-5, 1e-5);
        }
        // dx may alias dy, and dx = null skips it while still accumulating the parameter gradients.
        float[] inPlace = w.clone();
        RowKernels.layerNormBackwardRows(inPlace, 0, x, 0, gamma, mean, rstd, inPlace, 0, null, null, rows, cols);
        assertThat(inPlace).containsExactly(dx);
        float[] dg2 = new float[6];
        RowKernels.layerNormBackwardRows(w, 0, x, 0, gamma, mean, rstd, null, 0, dg2, null, rows, cols);
        assertThat(dg2).containsExactly(dgamma);
    }
}
