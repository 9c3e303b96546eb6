package dev.sprig.kernels.gemm;

import java.util.Arrays;

/**
 * Copies blocks of op(A) and op(B) into the contiguous, zero-padded layouts the
 * {@link MicroKernel} streams through. The transposes are absorbed here: after packing, the
 * kernel sees the same layout whatever the storage order of A and B.
 */
final class Packing {
    private Packing() {}

    /**
     * Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into {@code ceil(mc / MR)} micro-panels, each
     * {@code [kc, MR]} (for every k, MR consecutive rows), rows past mc set to zero.
     *
     * @param a A stored {@code [m, k]} (row stride lda), or {@code [k, m]} when transA
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] dst) {
        packA(transA, a, aOff, lda, i0, mc, p0, kc, dst, 0);
    }

    /** {@link #packA(boolean, float[], int, int, int, int, int, int, float[])} into {@code dst} from {@code dstOff}. */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] dst, int dstOff) {
        final int mr = MicroKernel.MR;
        int d = dstOff;
        for (int r0 = 0; r0 < mc; r0 += mr) {
            int rows = Math.min(mr, mc - r0);
            if (transA) {
                // op(A)[i, p] = a[p * lda + i]: for each p the MR rows are contiguous in memory.
                int src = aOff + p0 * lda + i0 + r0;
                for (int p = 0; p < kc; p++, src += lda, d += mr) {
                    System.arraycopy(a, src, dst, d, rows);
                    if (rows < mr) {
                        Arrays.fill(dst, d + rows, d + mr, 0f);
                    }
                }
            } else if (rows == 4 && mr == 4) {
                // op(A)[i, p] = a[i * lda + p]: four rows read side by side, the panel written in order.
                int s0 = aOff + (i0 + r0) * lda + p0;
                int s1 = s0 + lda;
                int s2 = s1 + lda;
                int s3 = s2 + lda;
                for (int p = 0; p < kc; p++, d += 4) {
                    dst[d] = a[s0 + p];
                    dst[d + 1] = a[s1 + p];
                    dst[d + 2] = a[s2 + p];
                    dst[d + 3] = a[s3 + p];
                }
            } else {
                // op(A)[i, p] = a[i * lda + p]: each row is contiguous, scattered with stride MR.
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (i0 + r0 + r) * lda + p0;
                    for (int p = 0, o = d + r; p < kc; p++, o += mr) {
                        dst[o] = a[src + p];
                    }
                }
                for (int r = rows; r < mr; r++) {
                    for (int p = 0, o = d + r; p < kc; p++, o += mr) {
                        dst[o] = 0f;
                    }
                }
                d += kc * mr;
            }
        }
    }

    /**
     * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into {@code ceil(nc / NR)} micro-panels, each
     * {@code [kc, NR]} (for every k, NR consecutive columns), columns past nc set to zero.
     *
     * @param b B stored {@code [k, n]} (row stride ldb), or {@code [n, k]} when transB
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] dst) {
        final int nr = MicroKernel.NR;
        int d = 0;
        for (int c0 = 0; c0 < nc; c0 += nr) {
            int cols = Math.min(nr, nc - c0);
            if (transB) {
                // op(B)[p, j] = b[j * ldb + p]: each column is contiguous, scattered with stride NR.
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + c0 + j) * ldb + p0;
                    for (int p = 0, o = d + j; p < kc; p++, o += nr) {
                        dst[o] = b[src + p];
                    }
                }
                for (int j = cols; j < nr; j++) {
                    for (int p = 0, o = d + j; p < kc; p++, o += nr) {
                        dst[o] = 0f;
                    }
                }
                d += kc * nr;
            } else {
                // op(B)[p, j] = b[p * ldb + j]: for each p the NR columns are contiguous in memory.
                int src = bOff + p0 * ldb + j0 + c0;
                for (int p = 0; p < kc; p++, src += ldb, d += nr) {
                    System.arraycopy(b, src, dst, d, cols);
                    if (cols < nr) {
                        Arrays.fill(dst, d + cols, d + nr, 0f);
                    }
                }
            }
        }
    }
}
