package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

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
                if (KernelConfig.SCALAR || L < 4) { // the transpose needs quarters of a vector
                    fourRowsScalar(a, s0, s1, s2, s3, kc, dst, d);
                } else {
                    fourRowsVector(a, s0, s1, s2, s3, kc, dst, d);
                }
                d += 4 * kc;
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

    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();
    /** Lanes 0..L/2 of two vectors interleaved: {@code [x0 y0 x1 y1 ...]}. */
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(S, i -> (i % 2) * L + i / 2);
    /** Lanes L/2..L of two vectors interleaved. */
    private static final VectorShuffle<Float> ZIP_HI = VectorShuffle.fromOp(S, i -> (i % 2) * L + L / 2 + i / 2);
    /** Pairs 0..L/4 of two pair-interleaved vectors interleaved pair by pair: {@code [x0 x1 y0 y1 x2 x3 y2 y3 ...]}. */
    private static final VectorShuffle<Float> PAIRS_LO = VectorShuffle.fromOp(S, i -> (i % 4 / 2) * L + 2 * (i / 4) + i % 2);
    /** Pairs L/4..L/2 likewise. */
    private static final VectorShuffle<Float> PAIRS_HI = VectorShuffle.fromOp(S, i -> (i % 4 / 2) * L + L / 2 + 2 * (i / 4) + i % 2);

    /**
     * The micro-panel of four rows of a row-major A starting at s0..s3:
     * {@code dst[d + 4p + r] = a[s_r + p]} for {@code p < kc}. A 4 x L block is read as four
     * vectors and transposed with two rounds of two-vector shuffles (rows 0|1 and 2|3 interleaved,
     * then the pairs interleaved), so it is written as four whole vectors; the columns past the
     * last whole vector are copied by {@link #fourRowsScalar}. A copy: the twins agree bit for bit.
     * Needs {@code L >= 4}: packA takes the scalar twin below that.
     */
    static void fourRowsVector(float[] a, int s0, int s1, int s2, int s3, int kc, float[] dst, int d) {
        int p = 0;
        for (; p + L <= kc; p += L, d += 4 * L) {
            FloatVector r0 = FloatVector.fromArray(S, a, s0 + p);
            FloatVector r1 = FloatVector.fromArray(S, a, s1 + p);
            FloatVector r2 = FloatVector.fromArray(S, a, s2 + p);
            FloatVector r3 = FloatVector.fromArray(S, a, s3 + p);
            FloatVector lo01 = r0.rearrange(ZIP_LO, r1); // p 0..L/2: r0 r1 r0 r1 ...
            FloatVector hi01 = r0.rearrange(ZIP_HI, r1);
            FloatVector lo23 = r2.rearrange(ZIP_LO, r3);
            FloatVector hi23 = r2.rearrange(ZIP_HI, r3);
            lo01.rearrange(PAIRS_LO, lo23).intoArray(dst, d);         // p 0..L/4: r0 r1 r2 r3 ...
            lo01.rearrange(PAIRS_HI, lo23).intoArray(dst, d + L);
            hi01.rearrange(PAIRS_LO, hi23).intoArray(dst, d + 2 * L);
            hi01.rearrange(PAIRS_HI, hi23).intoArray(dst, d + 3 * L);
        }
        fourRowsScalar(a, s0 + p, s1 + p, s2 + p, s3 + p, kc - p, dst, d);
    }

    /** Scalar twin of {@link #fourRowsVector}. */
    static void fourRowsScalar(float[] a, int s0, int s1, int s2, int s3, int kc, float[] dst, int d) {
        for (int p = 0; p < kc; p++, d += 4) {
            dst[d] = a[s0 + p];
            dst[d + 1] = a[s1 + p];
            dst[d + 2] = a[s2 + p];
            dst[d + 3] = a[s3 + p];
        }
    }

    /**
     * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into {@code ceil(nc / NR)} micro-panels, each
     * {@code [kc, NR]} (for every k, NR consecutive columns), columns past nc set to zero.
     *
     * @param b B stored {@code [k, n]} (row stride ldb), or {@code [n, k]} when transB
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] dst) {
        packB(transB, b, bOff, ldb, p0, kc, j0, nc, dst, 0, MicroKernel.NR);
    }

    /**
     * {@link #packB(boolean, float[], int, int, int, int, int, int, float[])} into {@code dst} from
     * {@code dstOff}, in micro-panels {@code nr} columns wide.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] dst,
                      int dstOff, int nr) {
        int d = dstOff;
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
