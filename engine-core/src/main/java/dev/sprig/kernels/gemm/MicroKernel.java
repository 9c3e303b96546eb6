package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: one MR x NR tile of C (MR = 12 rows, NR = 1 vector of lanes)
 * from a packed A micro-panel ({@code [kc, MR]}: MR floats per k) and a packed B micro-panel
 * ({@code [kc, NR]}: NR floats per k, or NR columns of a row-major B read in place).
 *
 * <p>The 12 accumulators, the B vector and the broadcast A value stay in registers
 * (14 of the 16 AVX2 registers); every k step is 1 vector load, 12 broadcasts and 12
 * fused multiply-adds. Each C element gets {@code acc = sum_p a[i,p] * b[p,j]} in p order and then
 * {@code alpha * acc} (overwrite) or {@code alpha * acc + c} (accumulate); the edge path applies
 * the same scalar operations, so results do not depend on where a tile boundary falls.
 *
 * <p>Why three copies of the loop: a single method choosing its store at run time (overwrite or
 * accumulate, full or edge tile) was measured 2-3x slower once C2 had seen both choices, so each
 * store variant gets its own compiled loop.
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    static final int L = S.length();
    /** Rows of a tile. */
    static final int MR = 12;
    /** Columns of a tile: 1 vector. */
    static final int NR = L;

    private MicroKernel() {}

    /**
     * Full tile, {@code C[0..MR, 0..NR) = alpha * op(A)·op(B)} (C's old values, NaN included, are ignored).
     *
     * @param ap packed A, {@code [kc, MR]} from {@code aOff}
     * @param bp B's micro-panel, {@code [kc, NR]} from {@code bOff} with row stride {@code bStride}:
     *           NR when packed, ldb when read in place from a non-transposed B
     * @param c  C, the tile's top-left at {@code cOff}, row stride {@code ldc}
     */
    static void overwrite(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc, float alpha) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            FloatVector a8 = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a8.fma(b0, c80);
            FloatVector a9 = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a9.fma(b0, c90);
            FloatVector a10 = FloatVector.broadcast(S, ap[ai + 10]);
            c100 = a10.fma(b0, c100);
            FloatVector a11 = FloatVector.broadcast(S, ap[ai + 11]);
            c110 = a11.fma(b0, c110);
            ai += MR;
            bi += bStride;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoArray(c, cOff);
        c10.mul(va).intoArray(c, cOff + 1 * ldc);
        c20.mul(va).intoArray(c, cOff + 2 * ldc);
        c30.mul(va).intoArray(c, cOff + 3 * ldc);
        c40.mul(va).intoArray(c, cOff + 4 * ldc);
        c50.mul(va).intoArray(c, cOff + 5 * ldc);
        c60.mul(va).intoArray(c, cOff + 6 * ldc);
        c70.mul(va).intoArray(c, cOff + 7 * ldc);
        c80.mul(va).intoArray(c, cOff + 8 * ldc);
        c90.mul(va).intoArray(c, cOff + 9 * ldc);
        c100.mul(va).intoArray(c, cOff + 10 * ldc);
        c110.mul(va).intoArray(c, cOff + 11 * ldc);
    }

    /** Full tile, {@code C[0..MR, 0..NR) = alpha * op(A)·op(B) + C}; arguments as in {@link #overwrite}. */
    static void accumulate(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc, float alpha) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            FloatVector a8 = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a8.fma(b0, c80);
            FloatVector a9 = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a9.fma(b0, c90);
            FloatVector a10 = FloatVector.broadcast(S, ap[ai + 10]);
            c100 = a10.fma(b0, c100);
            FloatVector a11 = FloatVector.broadcast(S, ap[ai + 11]);
            c110 = a11.fma(b0, c110);
            ai += MR;
            bi += bStride;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c10.mul(va).add(FloatVector.fromArray(S, c, cOff + 1 * ldc)).intoArray(c, cOff + 1 * ldc);
        c20.mul(va).add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c30.mul(va).add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c40.mul(va).add(FloatVector.fromArray(S, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
        c50.mul(va).add(FloatVector.fromArray(S, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
        c60.mul(va).add(FloatVector.fromArray(S, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
        c70.mul(va).add(FloatVector.fromArray(S, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
        c80.mul(va).add(FloatVector.fromArray(S, c, cOff + 8 * ldc)).intoArray(c, cOff + 8 * ldc);
        c90.mul(va).add(FloatVector.fromArray(S, c, cOff + 9 * ldc)).intoArray(c, cOff + 9 * ldc);
        c100.mul(va).add(FloatVector.fromArray(S, c, cOff + 10 * ldc)).intoArray(c, cOff + 10 * ldc);
        c110.mul(va).add(FloatVector.fromArray(S, c, cOff + 11 * ldc)).intoArray(c, cOff + 11 * ldc);
    }

    /**
     * Edge tile: the valid {@code mr x nr} corner (mr <= MR, nr <= NR) of the product, through the
     * scratch {@code tile} ({@code [MR, NR]}): {@code alpha * acc}, plus C when {@code accumulate}.
     * The packed panels are zero-padded past mr rows and nr columns.
     */
    static void edge(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc,
                     int mr, int nr, float alpha, boolean accumulate, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S);
        FloatVector c90 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70);
            FloatVector a8 = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a8.fma(b0, c80);
            FloatVector a9 = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a9.fma(b0, c90);
            FloatVector a10 = FloatVector.broadcast(S, ap[ai + 10]);
            c100 = a10.fma(b0, c100);
            FloatVector a11 = FloatVector.broadcast(S, ap[ai + 11]);
            c110 = a11.fma(b0, c110);
            ai += MR;
            bi += bStride;
        }
        c00.intoArray(tile, 0 * NR);
        c10.intoArray(tile, 1 * NR);
        c20.intoArray(tile, 2 * NR);
        c30.intoArray(tile, 3 * NR);
        c40.intoArray(tile, 4 * NR);
        c50.intoArray(tile, 5 * NR);
        c60.intoArray(tile, 6 * NR);
        c70.intoArray(tile, 7 * NR);
        c80.intoArray(tile, 8 * NR);
        c90.intoArray(tile, 9 * NR);
        c100.intoArray(tile, 10 * NR);
        c110.intoArray(tile, 11 * NR);
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc;
            int ti = i * NR;
            for (int j = 0; j < nr; j++) {
                float r = alpha * tile[ti + j];
                c[ci + j] = accumulate ? r + c[ci + j] : r;
            }
        }
    }
}
