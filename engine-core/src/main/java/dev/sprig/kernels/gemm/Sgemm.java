package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

/**
 * Single-precision GEMM, row-major: {@code C = alpha * op(A) * op(B) + beta * C}.
 * See {@link SgemmReference} for the exact contract (shapes, leading dimensions, beta == 0).
 *
 * <p>op(A) is {@code [m, k]}, op(B) is {@code [k, n]}, C is {@code [m, n]}. With {@code k == 0}
 * C becomes {@code beta * C} (zero when beta == 0), as in BLAS.
 *
 * <p>The work is done by {@link BlockedGemm} (packing, cache blocking, a Vector API micro-kernel).
 * With more than one thread the columns of C (or, for narrow C, its rows) are split into
 * contiguous ranges, one per thread; K is never split, so every element of C is computed by the
 * same sequence of operations and the result is bit-identical for any thread count.
 * {@link KernelConfig#SCALAR} routes every call to {@link SgemmReference}.
 */
public final class Sgemm {
    /**
     * Below this many multiply-adds (m*n*k) the call runs on the calling thread only. Handing half
     * of a GEMM to a pool thread and joining it cost ~45 us here (JMH: 128^3 took 72 us on one
     * thread and 83 us on two), so two threads only pay from ~150 us of work: 160^3 is ~110 us
     * on one core. 64^3 and 128^3 stay inline; 256^3 goes parallel.
     */
    static final long PARALLEL_MIN_WORK = 160L * 160 * 160;

    private Sgemm() {}

    /** GEMM on {@link Parallel#threads()} threads. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, Parallel.threads());
    }

    /** GEMM on at most {@code threads} threads (1 = the calling thread only). */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, int threads) {
        GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (threads < 1) {
            throw new IllegalArgumentException("sgemm: threads=" + threads + " must be >= 1");
        }
        if (KernelConfig.SCALAR) {
            SgemmReference.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        int t = (long) m * n * k < PARALLEL_MIN_WORK ? 1 : threads;
        if (t == 1 || Parallel.inWorker()) {
            BlockedGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int nPanels = (n + MicroKernel.NR - 1) / MicroKernel.NR;
        int mPanels = (m + MicroKernel.MR - 1) / MicroKernel.MR;
        // A width BlockedGemm.gemmNarrow takes splits by rows, which keeps that width for every thread.
        if (!BlockedGemm.takesNarrow(n) && (nPanels >= 2 * t || nPanels >= mPanels)) {
            // Split the columns of C (whole NR-wide panels): each thread packs its own part of B.
            Parallel.forRange(nPanels, t, (from, to) -> {
                int j0 = from * MicroKernel.NR;
                int nc = Math.min(n, to * MicroKernel.NR) - j0;
                int bj = transB ? bOff + j0 * ldb : bOff + j0;
                BlockedGemm.gemm(transA, transB, m, nc, k, alpha, a, aOff, lda, b, bj, ldb, beta, c, cOff + j0, ldc);
            });
        } else {
            // C is narrow: split its rows (whole MR-high panels): each thread packs its own part of A.
            Parallel.forRange(mPanels, t, (from, to) -> {
                int i0 = from * MicroKernel.MR;
                int mc = Math.min(m, to * MicroKernel.MR) - i0;
                int ai = transA ? aOff + i0 : aOff + i0 * lda;
                BlockedGemm.gemm(transA, transB, mc, n, k, alpha, a, ai, lda, b, bOff, ldb, beta, c, cOff + i0 * ldc, ldc);
            });
        }
    }

    /** {@code C = beta * C} (C = 0 when beta == 0, whatever C held): the k == 0 case. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            }
        }
    }
}
