package dev.sprig.kernels.gemm;

import dev.sprig.kernels.Parallel;

/**
 * Single-precision GEMM, row-major: {@code C = alpha * op(A) * op(B) + beta * C}.
 * See {@link SgemmReference} for the exact contract (shapes, leading dimensions, beta == 0).
 *
 * <p>PLACEHOLDER: delegates to the reference until the blocked Vector API kernel lands.
 */
public final class Sgemm {
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
        SgemmReference.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
}
