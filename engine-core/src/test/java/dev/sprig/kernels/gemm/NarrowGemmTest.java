package dev.sprig.kernels.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.kernels.KernelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BlockedGemm#gemmNarrow} (the {@link NarrowKernel} tiles, a row-major A read in place) against its scalar
 * twin (per element an fma chain from zero in K order, then times alpha) and against the two-vector
 * tiles of {@link BlockedGemm#gemmTiles}, bit for bit, at whatever vector width this JVM runs
 * (the suite runs again on 4 lanes); and {@link Sgemm} on a pruned ViT's Linear shapes.
 */
class NarrowGemmTest {
    private static final int L = MicroKernel.L;
    private static final int V3 = NarrowKernel.V3_COLS;
    private static final int VH = NarrowKernel.VH_COLS;

    /** One beta-0 product: A and B with padded leading dimensions and offsets; C pre-filled with NaN. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           int aOff, int lda, int bOff, int ldb, int cOff, int ldc, float[] a, float[] b, float[] c) {

        static Problem random(boolean transA, boolean transB, int m, int n, int k, float alpha, int pad, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
            int aOff = 2 * pad, bOff = 3 * pad, cOff = pad;
            // A and B end exactly at their last element: a read past op(A)'s last row would throw.
            float[] a = fill(rnd, aOff + (aRows - 1) * lda + aCols);
            float[] b = fill(rnd, bOff + (bRows - 1) * ldb + bCols);
            float[] c = new float[cOff + m * ldc + pad];
            Arrays.fill(c, Float.NaN);
            return new Problem(transA, transB, m, n, k, alpha, aOff, lda, bOff, ldb, cOff, ldc, a, b, c);
        }

        float[] narrow() {
            float[] out = c.clone();
            BlockedGemm.gemmNarrow(transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, out, cOff, ldc);
            return out;
        }

        float[] tiles() {
            float[] out = c.clone();
            BlockedGemm.gemmTiles(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, 0f, out, cOff, ldc);
            return out;
        }

        /** The scalar twin: {@code alpha * acc}, acc an fma chain from zero over p in order. */
        float[] twin() {
            float[] out = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        acc = Math.fma(av, bv, acc);
                    }
                    out[cOff + i * ldc + j] = alpha * acc;
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha
                    + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        }
    }

    private static float[] fill(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextDouble(-1, 1);
        }
        return x;
    }

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        // m past NARROW_MC (144) sweeps a second row block; m % 8 != 0 ends on a partial tile.
        int[] ms = {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17, 67, 150, 301};
        int[] ns = {VH, V3, V3 + VH, 2 * V3, 2 * V3 + VH, 3 * V3, 5 * V3 + VH, 6 * V3, L, 2 * L, V3 + L, V3 + 2 * L, 5 * V3 + L};
        int[] ks = {1, 2, L - 1, L, L + 1, 24, 32, 48, 96, BlockedGemm.KC};
        long seed = 1;
        for (int mi = 0; mi < ms.length; mi++) {
            for (int ni = 0; ni < ns.length; ni++) {
                int k = ks[(mi + 3 * ni) % ks.length];
                boolean transB = seed % 2 == 0;
                float alpha = seed % 3 == 0 ? -0.75f : 1f;
                out.add(Arguments.of(transB, ms[mi], ns[ni], k, alpha, (int) (seed % 3) * 3, seed));
                seed++;
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "transB={0} m={1} n={2} k={3} alpha={4} pad={5}")
    @MethodSource("shapes")
    void narrowMatchesTheScalarTwinAndTheTilesBitForBit(boolean transB, int m, int n, int k, float alpha, int pad, long seed) {
        Problem p = Problem.random(false, transB, m, n, k, alpha, pad, seed);
        float[] narrow = p.narrow();
        float[] twin = p.twin();
        float[] tiles = p.tiles();
        for (int idx = 0; idx < narrow.length; idx++) {
            int rel = idx - p.cOff();
            boolean inside = rel >= 0 && rel / p.ldc() < m && rel % p.ldc() < n;
            String where = inside ? "C(" + rel / p.ldc() + ", " + rel % p.ldc() + ")" : "C[" + idx + "] outside the window";
            // Compared as bits: NaN outside the window equals NaN, and -0 is not 0.
            assertThat(Float.floatToIntBits(narrow[idx])).as("%s: %s = %s against the scalar twin's %s", p, where,
                    narrow[idx], twin[idx]).isEqualTo(Float.floatToIntBits(twin[idx]));
            assertThat(Float.floatToIntBits(narrow[idx])).as("%s: %s = %s against the two-vector tiles' %s", p, where,
                    narrow[idx], tiles[idx]).isEqualTo(Float.floatToIntBits(tiles[idx]));
            if (!inside) {
                assertThat(narrow[idx]).as("%s: %s", p, where).isNaN();
            }
        }
    }

    /** The narrow path packs all of B each call: at the newer widths only for a transposed B (a linear layer's), which the tiles pack too. */
    @Test
    void narrowPaysWhereTheTilesWouldPackBToo() {
        assertThat(BlockedGemm.narrowPays(false, 2 * L)).as("a row-major B, two vectors").isFalse();
        assertThat(BlockedGemm.narrowPays(false, V3 + L)).as("a row-major B, 3 + 1 vectors").isFalse();
        assertThat(BlockedGemm.narrowPays(true, 2 * L)).as("a transposed B is packed by the tiles too").isTrue();
        assertThat(BlockedGemm.narrowPays(true, V3 + L)).as("a transposed B, 3 + 1 vectors").isTrue();
        assertThat(BlockedGemm.narrowPays(false, V3)).as("three vectors, as before").isTrue();
        assertThat(BlockedGemm.narrowPays(false, VH)).as("a vector and a half, as before").isTrue();
    }

    @Test
    void takesNarrowOnlyWholeGroupsOnSixteenLanesOrMore() {
        for (int n = 1; n <= 24 * L; n++) {
            int t = n % V3;
            boolean expected = L >= 16 && n <= BlockedGemm.NARROW_MAX_N && (t == 0 || t == VH || t == 2 * L || t == L);
            assertThat(BlockedGemm.takesNarrow(n)).as("n=%d at %d lanes", n, L).isEqualTo(expected);
        }
        if (L == 16) {
            for (int n : new int[] {16, 24, 32, 48, 64, 72, 80, 96, 112, 120, 192, 256, 264, 288}) {
                assertThat(BlockedGemm.takesNarrow(n)).as("n=%d", n).isTrue();
            }
            for (int n : new int[] {8, 20, 40, 56, 88, 136, 304, 312, 336}) {
                assertThat(BlockedGemm.takesNarrow(n)).as("n=%d", n).isFalse();
            }
        }
    }

    /**
     * The Linear layers of a ViT (embedding 96, MLP 192, heads of 32) pruned to 1/4, 1/2 and 3/4 of its widths and dense ({@code y = x · Wᵀ}, W stored
     * {@code [n, k]}) over 4160 token rows: Sgemm on one and two threads gives the two-vector tiles'
     * floats exactly, whichever path it takes at this width (under {@link KernelConfig#SCALAR}, the reference's).
     */
    @Test
    void vitLinearShapesMatchTheTilesOnOneAndTwoThreads() {
        int[][] kn = {{32, 24}, {48, 24}, {24, 48}, {24, 96}, {64, 48}, {96, 48}, {48, 96}, {48, 192}, {96, 288},
                {192, 96}, {24, 32}, {48, 64}, {72, 96}}; // the last three: q, k and v at 1, 2 and 3 heads of 32
        int m = 4160;
        long seed = 100;
        for (int[] s : kn) {
            int k = s[0], n = s[1];
            SplittableRandom rnd = new SplittableRandom(seed++);
            float[] x = fill(rnd, m * k); // [m, k]
            float[] w = fill(rnd, n * k); // [n, k]
            float[] want = new float[m * n];
            if (KernelConfig.SCALAR) { // Sgemm runs SgemmReference then (when a run with -Dtest includes this class)
                SgemmReference.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, want, 0, n);
            } else {
                BlockedGemm.gemmTiles(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, want, 0, n);
            }
            for (int threads : new int[] {1, 2}) {
                float[] got = new float[m * n];
                Arrays.fill(got, Float.NaN);
                Sgemm.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, got, 0, n, threads);
                for (int idx = 0; idx < got.length; idx++) {
                    assertThat(got[idx]).as("m=%d k=%d n=%d, %d threads: C(%d, %d)", m, k, n, threads, idx / n, idx % n)
                            .isEqualTo(want[idx]);
                }
            }
        }
    }
}
