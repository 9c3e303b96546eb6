package dev.sprig.kernels.gemm;

/**
 * The scalar reference twin of {@link Sgemm}: a plain triple loop with float accumulation,
 * row-major, all four transpose combinations. Slow and obviously right.
 */
public final class SgemmReference {
    private SgemmReference() {}

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} over row-major storage.
     *
     * <p>op(A) is {@code m x k}: A is stored {@code m x k} (lda >= k) or, when {@code transA},
     * {@code k x m} (lda >= m). op(B) is {@code k x n}: B is stored {@code k x n} (ldb >= n) or,
     * when {@code transB}, {@code n x k} (ldb >= k). C is {@code m x n} (ldc >= n).
     * When {@code beta == 0}, C is overwritten (NaNs in C do not propagate).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * acc : alpha * acc + beta * c[ci];
            }
        }
    }
}
