package dev.sprig.kernels.gemm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Sgemm} against a hand-computed product, against EJML in double precision (the oracle),
 * against {@link SgemmReference}, across thread counts, and on bad arguments.
 */
class SgemmTest {
    private static final int[] AWKWARD = {0, 1, 2, 7, 8, 9, 11, 12, 13, 15, 16, 17, 31, 33};

    /** One GEMM problem with its own padding: offsets and leading dimensions above the minimum. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                           int aOff, int lda, int bOff, int ldb, int cOff, int ldc,
                           float[] a, float[] b, float[] c) {

        static Problem random(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                              int pad, long seed) {
            Random rnd = new Random(seed);
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = Math.max(1, aCols + pad), ldb = Math.max(1, bCols + pad), ldc = Math.max(1, n + pad);
            int aOff = pad * 3, bOff = pad * 5, cOff = pad * 7;
            float[] a = fill(rnd, aOff + aRows * lda + pad);   // [aRows, lda] after aOff
            float[] b = fill(rnd, bOff + bRows * ldb + pad);   // [bRows, ldb] after bOff
            float[] c = fill(rnd, cOff + m * ldc + pad);       // [m, ldc] after cOff
            return new Problem(transA, transB, m, n, k, alpha, beta, aOff, lda, bOff, ldb, cOff, ldc, a, b, c);
        }

        float[] runFast(int threads) {
            float[] out = c.clone();
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, out, cOff, ldc, threads);
            return out;
        }

        float[] runReference() {
            float[] out = c.clone();
            SgemmReference.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, out, cOff, ldc);
            return out;
        }

        /** op(X) as a dense double matrix: EJML transposes it for us through multTransA/B. */
        DMatrixRMaj stored(float[] x, int off, int ld, int rows, int cols) {
            DMatrixRMaj d = new DMatrixRMaj(rows, cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    d.set(i, j, x[off + i * ld + j]);
                }
            }
            return d;
        }

        /** alpha * op(A) * op(B) + beta * C in double, by EJML. */
        DMatrixRMaj oracle() {
            DMatrixRMaj da = transA ? stored(a, aOff, lda, k, m) : stored(a, aOff, lda, m, k);
            DMatrixRMaj db = transB ? stored(b, bOff, ldb, n, k) : stored(b, bOff, ldb, k, n);
            DMatrixRMaj prod = new DMatrixRMaj(m, n);
            if (transA && transB) {
                CommonOps_DDRM.multTransAB(alpha, da, db, prod);
            } else if (transA) {
                CommonOps_DDRM.multTransA(alpha, da, db, prod);
            } else if (transB) {
                CommonOps_DDRM.multTransB(alpha, da, db, prod);
            } else {
                CommonOps_DDRM.mult(alpha, da, db, prod);
            }
            if (beta != 0f) {
                CommonOps_DDRM.addEquals(prod, beta, stored(c, cOff, ldc, m, n));
            }
            return prod;
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + " alpha=" + alpha + " beta=" + beta + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        }
    }

    private static float[] fill(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2f - 1f;
        }
        return x;
    }

    @Test
    void knownAnswerTwoByThreeTimesThreeByTwo() {
        float[] a = {1, 2, 3,
                     4, 5, 6};          // [2, 3]
        float[] b = {7, 8,
                     9, 10,
                     11, 12};           // [3, 2]
        float[] c = {100, 200,
                     300, 400};         // [2, 2]
        // A·B = [[58, 64], [139, 154]]; 2·A·B + 0.5·C = [[166, 228], [428, 508]]
        Sgemm.sgemm(false, false, 2, 2, 3, 2f, a, 0, 3, b, 0, 2, 0.5f, c, 0, 2, 1);
        assertThat(c).containsExactly(166f, 228f, 428f, 508f);
    }

    @Test
    void knownAnswerAllTransposesOfTheSameProduct() {
        float[] a = {1, 2, 3, 4, 5, 6};         // A [2, 3]
        float[] aT = {1, 4, 2, 5, 3, 6};        // Aᵀ stored [3, 2]
        float[] b = {7, 8, 9, 10, 11, 12};      // B [3, 2]
        float[] bT = {7, 9, 11, 8, 10, 12};     // Bᵀ stored [2, 3]
        float[] expected = {58, 64, 139, 154};  // A·B [2, 2]
        for (int mode = 0; mode < 4; mode++) {
            boolean ta = (mode & 1) != 0, tb = (mode & 2) != 0;
            float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            Sgemm.sgemm(ta, tb, 2, 2, 3, 1f, ta ? aT : a, 0, ta ? 2 : 3, tb ? bT : b, 0, tb ? 3 : 2, 0f, c, 0, 2, 1);
            assertThat(c).as("transA=%s transB=%s", ta, tb).containsExactly(expected);
        }
    }

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        int[][] fixed = {{1, 1, 1}, {0, 5, 3}, {5, 0, 3}, {4, 6, 0}, {15, 16, 17}, {17, 15, 16},
                {31, 33, 13}, {33, 31, 97}, {12, 8, 256}, {13, 9, 257}, {7, 97, 31}, {130, 260, 97},
                {150, 70, 600}, {64, 3136 / 8, 576 / 4}};
        float[][] alphaBeta = {{1f, 0f}, {0.5f, 1f}, {-1.5f, 0.25f}};
        long seed = 1;
        for (int[] s : fixed) {
            for (int mode = 0; mode < 4; mode++) {
                float[] ab = alphaBeta[(int) (seed % alphaBeta.length)];
                out.add(Arguments.of(mode, s[0], s[1], s[2], ab[0], ab[1], (int) (seed % 3) * 2 + 1, seed));
                seed++;
            }
        }
        Random rnd = new Random(42);
        for (int i = 0; i < 40; i++) {
            int m = AWKWARD[rnd.nextInt(AWKWARD.length)], n = AWKWARD[rnd.nextInt(AWKWARD.length)];
            int k = AWKWARD[rnd.nextInt(AWKWARD.length)];
            float[] ab = alphaBeta[i % alphaBeta.length];
            out.add(Arguments.of(i % 4, m, n, k, ab[0], ab[1], i % 4, seed++));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "mode={0} m={1} n={2} k={3} alpha={4} beta={5} pad={6}")
    @MethodSource("shapes")
    void matchesEjmlDoubleOracle(int mode, int m, int n, int k, float alpha, float beta, int pad, long seed) {
        Problem p = Problem.random((mode & 1) != 0, (mode & 2) != 0, m, n, k, alpha, beta, pad, seed);
        float[] got = p.runFast(1);
        DMatrixRMaj want = p.oracle();
        // Each element sums k products of values in [-1, 1] in float: error grows at most ~k ulps of k.
        double tol = 1e-6 * (k + 1) * (Math.abs(alpha) * k + Math.abs(beta) + 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double diff = Math.abs(got[p.cOff + i * p.ldc + j] - want.get(i, j));
                assertThat(diff).as("%s at (%d, %d)", p, i, j).isLessThanOrEqualTo(tol);
            }
        }
        assertPaddingUntouched(p, got);
    }

    /** Everything outside the m x n window of C (offset prefix, row padding, suffix) is left as it was. */
    private static void assertPaddingUntouched(Problem p, float[] got) {
        for (int idx = 0; idx < got.length; idx++) {
            int rel = idx - p.cOff;
            boolean inside = rel >= 0 && rel / p.ldc < p.m && rel % p.ldc < p.n;
            if (!inside) {
                assertThat(got[idx]).as("%s: C[%d] outside the window", p, idx).isEqualTo(p.c[idx]);
            }
        }
    }

    @ParameterizedTest(name = "mode={0} m={1} n={2} k={3} alpha={4} beta={5} pad={6}")
    @MethodSource("shapes")
    void matchesScalarReference(int mode, int m, int n, int k, float alpha, float beta, int pad, long seed) {
        Problem p = Problem.random((mode & 1) != 0, (mode & 2) != 0, m, n, k, alpha, beta, pad, seed);
        float[] fast = p.runFast(1);
        float[] ref = p.runReference();
        // Same products, different summation order (the fast path sums K slices and fuses the
        // multiply-adds), so compare with a tolerance, exactly outside the window.
        double tol = 1e-6 * (k + 1) * (Math.abs(alpha) * k + Math.abs(beta) + 1);
        for (int idx = 0; idx < fast.length; idx++) {
            assertThat((double) Math.abs(fast[idx] - ref[idx])).as("%s at C[%d]", p, idx).isLessThanOrEqualTo(tol);
        }
        assertPaddingUntouched(p, fast);
    }

    @Test
    void multiThreadedIsBitIdenticalToSingleThreaded() {
        // All above Sgemm.PARALLEL_MIN_WORK; {600, 20, 400} is narrow, so it splits rows, not columns.
        int[][] shapes = {{97, 130, 400}, {256, 256, 300}, {64, 1000, 576}, {600, 20, 400}, {13, 1400, 300}};
        for (int[] s : shapes) {
            assertThat((long) s[0] * s[1] * s[2]).isGreaterThanOrEqualTo(Sgemm.PARALLEL_MIN_WORK);
        }
        long seed = 7;
        for (int[] s : shapes) {
            for (int mode = 0; mode < 4; mode++) {
                Problem p = Problem.random((mode & 1) != 0, (mode & 2) != 0, s[0], s[1], s[2], 0.75f, 0.5f, 3, seed++);
                float[] one = p.runFast(1);
                for (int threads : new int[] {2, 3}) {
                    float[] many = p.runFast(threads);
                    assertThat(Arrays.equals(one, many)).as("%s on %d threads", p, threads).isTrue();
                }
            }
        }
    }

    @Test
    void bReadInPlaceAndBPackedGiveIdenticalResults() {
        // m <= 128 with ldb = 50 reads B in place; ldb = 256 (a multiple of 256) packs it.
        int m = 37, n = 45, k = 300;
        Random rnd = new Random(3);
        float[] a = fill(rnd, m * k);       // [m, k]
        float[] bNarrow = fill(rnd, k * 50); // [k, 50], the first n columns used
        float[] bWide = new float[k * 256];  // [k, 256], same values
        for (int p = 0; p < k; p++) {
            System.arraycopy(bNarrow, p * 50, bWide, p * 256, n);
        }
        assertThat(BlockedGemm.readsBInPlace(false, m, 50)).isTrue();
        assertThat(BlockedGemm.readsBInPlace(false, m, 256)).isFalse();
        float[] inPlace = new float[m * n];
        float[] packed = new float[m * n];
        Sgemm.sgemm(false, false, m, n, k, 1.25f, a, 0, k, bNarrow, 0, 50, 0f, inPlace, 0, n, 1);
        Sgemm.sgemm(false, false, m, n, k, 1.25f, a, 0, k, bWide, 0, 256, 0f, packed, 0, n, 1);
        assertThat(Arrays.equals(inPlace, packed)).isTrue();
    }

    /**
     * An element of C is the same float whether it falls in a full tile, a one-vector edge tile or
     * a two-vector edge tile (columns), or in a full or partial row of tiles: computing the leading
     * columns and rows of a product alone gives them bit for bit, with beta 0 and with beta 1.
     */
    @Test
    void elementsDoNotDependOnWhereTheTileEdgeFalls() {
        int m = 11, n = 3 * MicroKernel.NR, k = 70;
        Random rnd = new Random(9);
        float[] a = fill(rnd, m * k);
        float[] b = fill(rnd, k * n);
        float[] c0 = fill(rnd, m * n);
        for (float beta : new float[] {0f, 1f}) {
            float[] full = c0.clone();
            Sgemm.sgemm(false, false, m, n, k, 0.75f, a, 0, k, b, 0, n, beta, full, 0, n, 1);
            for (int cols : new int[] {1, 5, MicroKernel.L, MicroKernel.L + 3, MicroKernel.NR + 1, 2 * MicroKernel.NR - 2}) {
                for (int rows : new int[] {1, 3, m}) {
                    float[] part = new float[rows * cols];
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(c0, i * n, part, i * cols, cols);
                    }
                    // [rows, cols] = A[0..rows, :] · B[:, 0..cols], ldb = n
                    Sgemm.sgemm(false, false, rows, cols, k, 0.75f, a, 0, k, b, 0, n, beta, part, 0, cols, 1);
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            assertThat(part[i * cols + j]).as("beta %s, %d x %d, element (%d, %d)", beta, rows, cols, i, j)
                                    .isEqualTo(full[i * n + j]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        for (int mode = 0; mode < 4; mode++) {
            Problem p = Problem.random((mode & 1) != 0, (mode & 2) != 0, 29, 35, 19, 1f, 0f, 2, mode);
            Arrays.fill(p.c(), Float.NaN);
            float[] got = p.runFast(1);
            DMatrixRMaj want = p.oracle();
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    assertThat((double) got[p.cOff() + i * p.ldc() + j]).as("%s (%d, %d)", p, i, j)
                            .isCloseTo(want.get(i, j), org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
    }

    @Test
    void kZeroScalesCByBeta() {
        float[] c = {1, 2, Float.NaN, 4};
        Sgemm.sgemm(false, false, 2, 2, 0, 3f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2, 1);
        assertThat(Arrays.copyOf(c, 2)).containsExactly(0.5f, 1f);
        assertThat(c[2]).isNaN();
        assertThat(c[3]).isEqualTo(2f);
        Sgemm.sgemm(false, false, 2, 2, 0, 3f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2, 1);
        assertThat(c).containsExactly(0f, 0f, 0f, 0f);
    }

    @Test
    void rejectsNegativeDimensions() {
        float[] x = new float[16];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k=-3");
    }

    @Test
    void rejectsLeadingDimensionsTooSmall() {
        float[] x = new float[64];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lda=3 must be >= max(1, k=5) for a non-transposed A");
        assertThatThrownBy(() -> Sgemm.sgemm(true, false, 6, 4, 5, 1f, x, 0, 5, x, 0, 4, 0f, x, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lda=5 must be >= max(1, m=6) for a transposed A");
        assertThatThrownBy(() -> Sgemm.sgemm(false, true, 2, 4, 5, 1f, x, 0, 5, x, 0, 4, 0f, x, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ldb=4 must be >= max(1, k=5) for a transposed B");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, x, 0, 5, x, 0, 4, 0f, x, 0, 3, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ldc=3 must be >= max(1, n=4)");
    }

    @Test
    void rejectsArraysTooShortForTheirOffsets() {
        float[] a = new float[10], b = new float[20], c = new float[8];
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, a, 1, 5, b, 0, 4, 0f, c, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a.length=10 is too short: 2x5 with offset 1 and lda=5 needs 11 elements");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, a, 0, 5, b, 0, 4, 0f, c, 2, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c.length=8 is too short: 2x4 with offset 2 and ldc=4 needs 10 elements");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, a, -1, 5, b, 0, 4, 0f, c, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aOff=-1 must be >= 0");
        assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 4, 5, 1f, a, 0, 5, b, 0, 4, 0f, c, 0, 4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0 must be >= 1");
    }
}
