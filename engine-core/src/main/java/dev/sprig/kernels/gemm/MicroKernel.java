package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: one 12 x 1-vector tile of C from a packed A micro-panel
 * ({@code [kc, MR]}, MR floats per k) and a packed B micro-panel ({@code [kc, NR]}, NR floats per k).
 *
 * <p>The 12 accumulators, the 1 B vectors and the broadcast A value stay in registers; every
 * k step is NV vector loads, MR broadcasts and MR*NV fused multiply-adds. Each C element is
 * {@code alpha * sum_p a[i,p] * b[p,j]} accumulated in p order, then {@code + beta * c}: the same
 * operations for a full tile and for an edge tile (which goes through a scratch tile), so results
 * do not depend on where a tile boundary falls.
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    static final int L = S.length();
    /** Rows of a tile. */
    static final int MR = 12;
    /** Columns of a tile: 1 vectors. */
    static final int NR = 1 * L;

    private MicroKernel() {}

    /**
     * Computes the {@code mr x nr} tile (mr <= MR, nr <= NR) at {@code c[cOff]} (row stride ldc).
     *
     * @param ap   packed A, {@code [kc, MR]} from {@code aOff}, rows past mr zero-padded
     * @param bp   packed B, {@code [kc, NR]} from {@code bOff}, columns past nr zero-padded
     * @param tile scratch of at least {@code MR * NR} floats for edge tiles
     */
    static void tile(int kc, float[] ap, int aOff, float[] bp, int bOff,
                     float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
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
            bi += NR;
        }
        if (mr == MR && nr == NR) {
            // alpha * acc and beta * c are multiplied even when 1: exact, and identical to storeEdge.
            FloatVector va = FloatVector.broadcast(S, alpha);
            if (beta == 0f) {
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
            } else {
                FloatVector vb = FloatVector.broadcast(S, beta);
                c00.mul(va).add(FloatVector.fromArray(S, c, cOff).mul(vb)).intoArray(c, cOff);
                c10.mul(va).add(FloatVector.fromArray(S, c, cOff + 1 * ldc).mul(vb)).intoArray(c, cOff + 1 * ldc);
                c20.mul(va).add(FloatVector.fromArray(S, c, cOff + 2 * ldc).mul(vb)).intoArray(c, cOff + 2 * ldc);
                c30.mul(va).add(FloatVector.fromArray(S, c, cOff + 3 * ldc).mul(vb)).intoArray(c, cOff + 3 * ldc);
                c40.mul(va).add(FloatVector.fromArray(S, c, cOff + 4 * ldc).mul(vb)).intoArray(c, cOff + 4 * ldc);
                c50.mul(va).add(FloatVector.fromArray(S, c, cOff + 5 * ldc).mul(vb)).intoArray(c, cOff + 5 * ldc);
                c60.mul(va).add(FloatVector.fromArray(S, c, cOff + 6 * ldc).mul(vb)).intoArray(c, cOff + 6 * ldc);
                c70.mul(va).add(FloatVector.fromArray(S, c, cOff + 7 * ldc).mul(vb)).intoArray(c, cOff + 7 * ldc);
                c80.mul(va).add(FloatVector.fromArray(S, c, cOff + 8 * ldc).mul(vb)).intoArray(c, cOff + 8 * ldc);
                c90.mul(va).add(FloatVector.fromArray(S, c, cOff + 9 * ldc).mul(vb)).intoArray(c, cOff + 9 * ldc);
                c100.mul(va).add(FloatVector.fromArray(S, c, cOff + 10 * ldc).mul(vb)).intoArray(c, cOff + 10 * ldc);
                c110.mul(va).add(FloatVector.fromArray(S, c, cOff + 11 * ldc).mul(vb)).intoArray(c, cOff + 11 * ldc);
            }
        } else {
            c00.intoArray(tile, 0 * NR + 0 * L);
            c10.intoArray(tile, 1 * NR + 0 * L);
            c20.intoArray(tile, 2 * NR + 0 * L);
            c30.intoArray(tile, 3 * NR + 0 * L);
            c40.intoArray(tile, 4 * NR + 0 * L);
            c50.intoArray(tile, 5 * NR + 0 * L);
            c60.intoArray(tile, 6 * NR + 0 * L);
            c70.intoArray(tile, 7 * NR + 0 * L);
            c80.intoArray(tile, 8 * NR + 0 * L);
            c90.intoArray(tile, 9 * NR + 0 * L);
            c100.intoArray(tile, 10 * NR + 0 * L);
            c110.intoArray(tile, 11 * NR + 0 * L);
            storeEdge(tile, c, cOff, ldc, mr, nr, alpha, beta);
        }
    }

    /** The scalar twin of the vector store in {@link #tile} for the valid {@code mr x nr} corner of a scratch tile. */
    private static void storeEdge(float[] tile, float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta) {
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc;
            int ti = i * NR;
            for (int j = 0; j < nr; j++) {
                float r = alpha * tile[ti + j];
                c[ci + j] = beta == 0f ? r : r + beta * c[ci + j];
            }
        }
    }
}
