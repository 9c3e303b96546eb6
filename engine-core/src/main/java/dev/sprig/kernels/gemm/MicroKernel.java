package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel: one MR x NR tile of C (MR = 4 rows, NR = 2 vectors of lanes)
 * from a packed A micro-panel ({@code [kc, MR]}: MR floats per k) and a packed B micro-panel
 * ({@code [kc, NR]}: NR floats per k, or NR columns of a row-major B read in place).
 *
 * <p>The 8 accumulators, the B vectors and the broadcast A value stay in registers
 * (11 of the 16 AVX2 registers); every k step is 2 vector loads, 4 broadcasts and 8
 * fused multiply-adds. Each C element gets {@code acc = sum_p a[i,p] * b[p,j]} in p order and then
 * {@code alpha * acc} (overwrite) or {@code alpha * acc + c} (accumulate); the edge path applies
 * the same scalar operations, so results do not depend on where a tile boundary falls.
 *
 * <p>Why 4 x 2 vectors: alone on L1-resident panels (kc = 256) on this AVX2 Zen 3, C2's code
 * for 4x16 ran at 83-89 GFLOP/s, 12x8 at ~72, 6x16 and 4x24 at 35-40 (15-16 live registers:
 * spills), 2x32 at ~50. The code is species-generic. On AVX-512 (32 registers, NR = 32) the
 * indirect GEMM also takes a tall tile of {@link #MR_TALL} rows by one vector for a last one
 * vector's worth of columns (ResNet-18's 4 x 4 outputs: 53 -> 94 GMAC/s, docs/BENCHMARKS.md).
 *
 * <p>Why so many copies of the loop: a single method choosing its store at run time (overwrite or
 * accumulate, full or edge tile) was measured 2-3x slower once C2 had seen both choices, so each
 * store variant gets its own compiled loop, and so does each way of addressing B (packed or in
 * place; an indirect B's rows through an offset table, as adjacent vectors or at run-time offsets
 * across images; whole output rows with the convolution's epilogue). The indirect tiles are also
 * wider ({@link #NR_WIDE} columns, and 6 vectors for whole output rows on AVX-512) or taller
 * ({@link #MR_TALL} rows).
 */
final class MicroKernel {
    static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    static final int L = S.length();
    /** Rows of a tile. */
    static final int MR = 4;
    /** Columns of a tile: 2 vectors. */
    static final int NR = 2 * L;

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
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            ai += MR;
            bi += bStride;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoArray(c, cOff);
        c01.mul(va).intoArray(c, cOff + L);
        c10.mul(va).intoArray(c, cOff + 1 * ldc);
        c11.mul(va).intoArray(c, cOff + 1 * ldc + L);
        c20.mul(va).intoArray(c, cOff + 2 * ldc);
        c21.mul(va).intoArray(c, cOff + 2 * ldc + L);
        c30.mul(va).intoArray(c, cOff + 3 * ldc);
        c31.mul(va).intoArray(c, cOff + 3 * ldc + L);
    }

    /** Full tile, {@code C[0..MR, 0..NR) = alpha * op(A)·op(B) + C}; arguments as in {@link #overwrite}. */
    static void accumulate(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc, float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            ai += MR;
            bi += bStride;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c01.mul(va).add(FloatVector.fromArray(S, c, cOff + L)).intoArray(c, cOff + L);
        c10.mul(va).add(FloatVector.fromArray(S, c, cOff + 1 * ldc)).intoArray(c, cOff + 1 * ldc);
        c11.mul(va).add(FloatVector.fromArray(S, c, cOff + 1 * ldc + L)).intoArray(c, cOff + 1 * ldc + L);
        c20.mul(va).add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.mul(va).add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L)).intoArray(c, cOff + 2 * ldc + L);
        c30.mul(va).add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.mul(va).add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L)).intoArray(c, cOff + 3 * ldc + L);
    }

    /**
     * Edge tile: the valid {@code mr x nr} corner (mr <= MR, nr <= NR) of the product,
     * {@code alpha * acc}, plus C when {@code accumulate}; rows past mr and columns past nr are
     * not written. At most one vector of columns takes a one-vector tile; otherwise the first vector
     * of each row is stored directly and the columns after it go through {@code tile}
     * ({@code [MR, L]} scratch). The packed panels are zero-padded past mr
     * rows and nr columns. A pruned width (24 = 16 + 8 columns) puts an edge tile on every row
     * block, and copying all of it out element by element cost as much as computing it at
     * K <= 48. Masked vector stores would need no copy, but C2 on JDK 25 sometimes compiled this
     * method with them 30-50x slower (the masks boxed), from one JVM start to the next.
     */
    static void edge(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc,
                     int mr, int nr, float alpha, boolean accumulate, float[] tile) {
        if (nr <= L) {
            edgeNarrow(kc, ap, aOff, bp, bOff, bStride, c, cOff, ldc, mr, nr, alpha, accumulate, tile);
            return;
        }
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            ai += MR;
            bi += bStride;
        }
        // nr > L: the first vector of each valid row goes straight to C, the rest through the tile.
        FloatVector va = FloatVector.broadcast(S, alpha);
        edgeVector(c00.mul(va), c, cOff, accumulate);
        if (mr > 1) {
            edgeVector(c10.mul(va), c, cOff + ldc, accumulate);
        }
        if (mr > 2) {
            edgeVector(c20.mul(va), c, cOff + 2 * ldc, accumulate);
        }
        if (mr > 3) {
            edgeVector(c30.mul(va), c, cOff + 3 * ldc, accumulate);
        }
        c01.mul(va).intoArray(tile, 0);
        c11.mul(va).intoArray(tile, L);
        c21.mul(va).intoArray(tile, 2 * L);
        c31.mul(va).intoArray(tile, 3 * L);
        copyOut(tile, c, cOff, ldc, mr, L, nr - L, accumulate);
    }

    /** {@link #edge} for at most one vector of columns: half the multiply-adds of the two-vector tile. */
    private static void edgeNarrow(int kc, float[] ap, int aOff, float[] bp, int bOff, int bStride, float[] c, int cOff, int ldc,
                                   int mr, int nr, float alpha, boolean accumulate, float[] tile) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(b0, c3);
            ai += MR;
            bi += bStride;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (nr == L) {
            edgeVector(c0.mul(va), c, cOff, accumulate);
            if (mr > 1) {
                edgeVector(c1.mul(va), c, cOff + ldc, accumulate);
            }
            if (mr > 2) {
                edgeVector(c2.mul(va), c, cOff + 2 * ldc, accumulate);
            }
            if (mr > 3) {
                edgeVector(c3.mul(va), c, cOff + 3 * ldc, accumulate);
            }
            return;
        }
        c0.mul(va).intoArray(tile, 0);
        c1.mul(va).intoArray(tile, L);
        c2.mul(va).intoArray(tile, 2 * L);
        c3.mul(va).intoArray(tile, 3 * L);
        copyOut(tile, c, cOff, ldc, mr, 0, nr, accumulate);
    }

    /** Columns {@code from .. from+n} of the first mr rows of C from the tile's {@code [MR, L]} rows. */
    private static void copyOut(float[] tile, float[] c, int cOff, int ldc, int mr, int from, int n, boolean accumulate) {
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc + from;
            int ti = i * L;
            if (accumulate) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] = tile[ti + j] + c[ci + j];
                }
            } else {
                System.arraycopy(tile, ti, c, ci, n);
            }
        }
    }

    private static void edgeVector(FloatVector r, float[] c, int ci, boolean accumulate) {
        (accumulate ? r.add(FloatVector.fromArray(S, c, ci)) : r).intoArray(c, ci);
    }

    /**
     * Full tile from an indirect B, {@code C[0..MR, 0..NR) = A·B} (overwrite, alpha 1): row p of B's
     * micro-panel starts at {@code b[bOff + rowOffsets[rOff + p]]} (NR contiguous floats). The same
     * accumulation order as {@link #overwrite}; see {@link IndirectGemm}.
     */
    static void overwriteIndirect(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff,
                                  float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            ai += MR;
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + 1 * ldc);
        c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
    }

    /** {@link #overwriteIndirect} that adds onto C: {@code C[0..MR, 0..NR) = A·B + C}. */
    static void accumulateIndirect(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff,
                                   float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            ai += MR;
        }
        c00.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(S, c, cOff + L)).intoArray(c, cOff + L);
        c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc)).intoArray(c, cOff + 1 * ldc);
        c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + L)).intoArray(c, cOff + 1 * ldc + L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L)).intoArray(c, cOff + 2 * ldc + L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L)).intoArray(c, cOff + 3 * ldc + L);
    }

    /** Rows of the tall indirect tile: four of A's packed panels. */
    static final int MR_TALL = 4 * MR;

    /**
     * A tile of {@link #MR_TALL} rows by one vector from an indirect B, {@code C[0..MR_TALL, 0..L) =
     * A·B}: A's four consecutive packed panels ({@code [kc, MR]} each, from aOff), B's row p at
     * {@code b[bOff + rowOffsets[rOff + p]]}. For a product's last columns when they fit in one
     * vector (all of a 4 x 4 convolution output's, one image): the standard tile's second vector
     * would be padding. aOff must start four whole panels of the block. 16
     * accumulators, so only with 32 vector registers (AVX-512); every k step is one vector load, 16
     * broadcasts and 16 fused multiply-adds. The same per-element operations as {@link
     * #overwriteIndirect}.
     */
    static void overwriteIndirectTall(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff, float[] c, int cOff,
                                       int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        FloatVector c8 = FloatVector.zero(S), c9 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S), c13 = FloatVector.zero(S), c14 = FloatVector.zero(S), c15 = FloatVector.zero(S);
        int p1 = MR * kc, p2 = 2 * MR * kc, p3 = 3 * MR * kc; // the next three panels
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            FloatVector bv = FloatVector.fromArray(S, b, bOff + rowOffsets[rOff + p]);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, ap[ai + p1]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, ap[ai + p1 + 1]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, ap[ai + p1 + 2]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, ap[ai + p1 + 3]).fma(bv, c7);
            c8 = FloatVector.broadcast(S, ap[ai + p2]).fma(bv, c8);
            c9 = FloatVector.broadcast(S, ap[ai + p2 + 1]).fma(bv, c9);
            c10 = FloatVector.broadcast(S, ap[ai + p2 + 2]).fma(bv, c10);
            c11 = FloatVector.broadcast(S, ap[ai + p2 + 3]).fma(bv, c11);
            c12 = FloatVector.broadcast(S, ap[ai + p3]).fma(bv, c12);
            c13 = FloatVector.broadcast(S, ap[ai + p3 + 1]).fma(bv, c13);
            c14 = FloatVector.broadcast(S, ap[ai + p3 + 2]).fma(bv, c14);
            c15 = FloatVector.broadcast(S, ap[ai + p3 + 3]).fma(bv, c15);
            ai += MR;
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + 1 * ldc);
        c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc);
        c4.intoArray(c, cOff + 4 * ldc);
        c5.intoArray(c, cOff + 5 * ldc);
        c6.intoArray(c, cOff + 6 * ldc);
        c7.intoArray(c, cOff + 7 * ldc);
        c8.intoArray(c, cOff + 8 * ldc);
        c9.intoArray(c, cOff + 9 * ldc);
        c10.intoArray(c, cOff + 10 * ldc);
        c11.intoArray(c, cOff + 11 * ldc);
        c12.intoArray(c, cOff + 12 * ldc);
        c13.intoArray(c, cOff + 13 * ldc);
        c14.intoArray(c, cOff + 14 * ldc);
        c15.intoArray(c, cOff + 15 * ldc);
    }

    /** {@link #overwriteIndirectTall} that adds onto C: {@code C[0..MR_TALL, 0..L) = A·B + C}, a K slice after the first. */
    static void accumulateIndirectTall(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff, float[] c, int cOff,
                                        int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        FloatVector c8 = FloatVector.zero(S), c9 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S), c13 = FloatVector.zero(S), c14 = FloatVector.zero(S), c15 = FloatVector.zero(S);
        int p1 = MR * kc, p2 = 2 * MR * kc, p3 = 3 * MR * kc; // the next three panels
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            FloatVector bv = FloatVector.fromArray(S, b, bOff + rowOffsets[rOff + p]);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, ap[ai + p1]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, ap[ai + p1 + 1]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, ap[ai + p1 + 2]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, ap[ai + p1 + 3]).fma(bv, c7);
            c8 = FloatVector.broadcast(S, ap[ai + p2]).fma(bv, c8);
            c9 = FloatVector.broadcast(S, ap[ai + p2 + 1]).fma(bv, c9);
            c10 = FloatVector.broadcast(S, ap[ai + p2 + 2]).fma(bv, c10);
            c11 = FloatVector.broadcast(S, ap[ai + p2 + 3]).fma(bv, c11);
            c12 = FloatVector.broadcast(S, ap[ai + p3]).fma(bv, c12);
            c13 = FloatVector.broadcast(S, ap[ai + p3 + 1]).fma(bv, c13);
            c14 = FloatVector.broadcast(S, ap[ai + p3 + 2]).fma(bv, c14);
            c15 = FloatVector.broadcast(S, ap[ai + p3 + 3]).fma(bv, c15);
            ai += MR;
        }
        c0.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c1.add(FloatVector.fromArray(S, c, cOff + 1 * ldc)).intoArray(c, cOff + 1 * ldc);
        c2.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c3.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c4.add(FloatVector.fromArray(S, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
        c5.add(FloatVector.fromArray(S, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
        c6.add(FloatVector.fromArray(S, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
        c7.add(FloatVector.fromArray(S, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
        c8.add(FloatVector.fromArray(S, c, cOff + 8 * ldc)).intoArray(c, cOff + 8 * ldc);
        c9.add(FloatVector.fromArray(S, c, cOff + 9 * ldc)).intoArray(c, cOff + 9 * ldc);
        c10.add(FloatVector.fromArray(S, c, cOff + 10 * ldc)).intoArray(c, cOff + 10 * ldc);
        c11.add(FloatVector.fromArray(S, c, cOff + 11 * ldc)).intoArray(c, cOff + 11 * ldc);
        c12.add(FloatVector.fromArray(S, c, cOff + 12 * ldc)).intoArray(c, cOff + 12 * ldc);
        c13.add(FloatVector.fromArray(S, c, cOff + 13 * ldc)).intoArray(c, cOff + 13 * ldc);
        c14.add(FloatVector.fromArray(S, c, cOff + 14 * ldc)).intoArray(c, cOff + 14 * ldc);
        c15.add(FloatVector.fromArray(S, c, cOff + 15 * ldc)).intoArray(c, cOff + 15 * ldc);
    }

    /** Columns of the wide indirect tile: 4 vectors. */
    static final int NR_WIDE = 4 * L;

    /**
     * {@link #overwriteIndirect} on a tile twice as wide, MR x {@link #NR_WIDE}: 16 accumulators,
     * 4 vector loads and 4 broadcasts per 16 fused multiply-adds. For GEMMs with few rows (a
     * pruned layer's output channels), where the 8 accumulators of the standard tile cannot keep
     * two FMA pipes with a 4-cycle latency busy. Same per-element operations as the standard tile.
     * Its own share of the direct convolution's gain was not measured apart (while developing, one
     * run on a shared machine: 16-channel 32x32 layer 144 -> 167 GFLOP/s, narrow layers unchanged
     * within the noise); the combined numbers are in docs/BENCHMARKS.md. Later every K slice took it
     * (with {@link #accumulateIndirectWide}), not the first slice of a one-slice product only:
     * ResNet-18's convolutions at 64-256 channels ran 10-14 % faster (harness, one thread, one image).
     */
    static void overwriteIndirectWide(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff,
                                      float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += MR;
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c02.intoArray(c, cOff + 2 * L);
        c03.intoArray(c, cOff + 3 * L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c12.intoArray(c, cOff + ldc + 2 * L);
        c13.intoArray(c, cOff + ldc + 3 * L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c23.intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c33.intoArray(c, cOff + 3 * ldc + 3 * L);
    }

    /** {@link #overwriteIndirectWide} that adds onto C: {@code C[0..MR, 0..NR_WIDE) = A·B + C}, a K slice after the first. */
    static void accumulateIndirectWide(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff,
                                      float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += MR;
        }
        c00.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(S, c, cOff + L)).intoArray(c, cOff + L);
        c02.add(FloatVector.fromArray(S, c, cOff + 2 * L)).intoArray(c, cOff + 2 * L);
        c03.add(FloatVector.fromArray(S, c, cOff + 3 * L)).intoArray(c, cOff + 3 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + ldc)).intoArray(c, cOff + ldc);
        c11.add(FloatVector.fromArray(S, c, cOff + ldc + L)).intoArray(c, cOff + ldc + L);
        c12.add(FloatVector.fromArray(S, c, cOff + ldc + 2 * L)).intoArray(c, cOff + ldc + 2 * L);
        c13.add(FloatVector.fromArray(S, c, cOff + ldc + 3 * L)).intoArray(c, cOff + ldc + 3 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L)).intoArray(c, cOff + 2 * ldc + L);
        c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L)).intoArray(c, cOff + 2 * ldc + 2 * L);
        c23.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 3 * L)).intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L)).intoArray(c, cOff + 3 * ldc + L);
        c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L)).intoArray(c, cOff + 3 * ldc + 2 * L);
        c33.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 3 * L)).intoArray(c, cOff + 3 * ldc + 3 * L);
    }

    /**
     * {@link #overwriteIndirectWide} whose four vectors need not be adjacent: vector v reads B row p
     * at {@code b[bOff + rowOffsets[rOff + p] + bo_v]} ({@code bo_0 = 0}), as a tile across two
     * images' columns does ({@link IndirectGemm#gemmImages}). A separate loop: when the adjacent tiles
     * took offsets known only at run time too, the convolutions of ResNet-18's last stage, one image
     * at a time, ran at 37 GMAC/s against 52 (harness, one thread).
     */
    static void overwriteIndirectWideAt(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff, int bo1, int bo2, int bo3,
                                      float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + bo1);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + bo2);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + bo3);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += MR;
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c02.intoArray(c, cOff + 2 * L);
        c03.intoArray(c, cOff + 3 * L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c12.intoArray(c, cOff + ldc + 2 * L);
        c13.intoArray(c, cOff + ldc + 3 * L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c23.intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c33.intoArray(c, cOff + 3 * ldc + 3 * L);
    }

    /** {@link #overwriteIndirectWideAt} that adds onto C, a K slice after the first. */
    static void accumulateIndirectWideAt(int kc, float[] ap, int aOff, float[] b, int bOff, int[] rowOffsets, int rOff, int bo1, int bo2, int bo3,
                                      float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + bo1);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + bo2);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + bo3);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += MR;
        }
        c00.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(S, c, cOff + L)).intoArray(c, cOff + L);
        c02.add(FloatVector.fromArray(S, c, cOff + 2 * L)).intoArray(c, cOff + 2 * L);
        c03.add(FloatVector.fromArray(S, c, cOff + 3 * L)).intoArray(c, cOff + 3 * L);
        c10.add(FloatVector.fromArray(S, c, cOff + ldc)).intoArray(c, cOff + ldc);
        c11.add(FloatVector.fromArray(S, c, cOff + ldc + L)).intoArray(c, cOff + ldc + L);
        c12.add(FloatVector.fromArray(S, c, cOff + ldc + 2 * L)).intoArray(c, cOff + ldc + 2 * L);
        c13.add(FloatVector.fromArray(S, c, cOff + ldc + 3 * L)).intoArray(c, cOff + ldc + 3 * L);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L)).intoArray(c, cOff + 2 * ldc + L);
        c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L)).intoArray(c, cOff + 2 * ldc + 2 * L);
        c23.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 3 * L)).intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L)).intoArray(c, cOff + 3 * ldc + L);
        c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L)).intoArray(c, cOff + 3 * ldc + 2 * L);
        c33.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 3 * L)).intoArray(c, cOff + 3 * ldc + 3 * L);
    }

    /**
     * The wide tile's product with a convolution epilogue in its store: MR rows (output channels)
     * by 4 vectors whose columns need not be adjacent. Vector v reads B row p at
     * {@code b[bOff + rowOffsets[rOff + p] + bo_v]} and row r of it goes to
     * {@code c[cOff + r·ldc + co_v]} ({@code bo_0 = co_0 = 0}), as
     * {@code relu?(fma(acc, scale[ch + r], shift[ch + r]) + res[that index + resDelta])}; only the
     * first {@code rows} rows are stored. So a convolution whose output rows are whole vectors can
     * take its tiles from whole output rows: no junk columns past each row are computed, and the
     * result goes straight to its place (y, or the next convolution's zero-padded planes) instead of
     * through a buffer and an epilogue pass. Per element the same fma chain as
     * {@link #overwriteIndirectWide}, then the epilogue's fma, add and max, as
     * {@code dev.sprig.kernels.conv.ConvEpilogue} computes them. A is read as
     * {@code ap[aOff + r·rs + p·ks]}: a packed panel ({@code rs = 1, ks = MR}) or A's rows in place
     * ({@code rs = lda, ks = 1}).
     *
     * @param scale per row, from {@code ch}; never null (ones for none)
     * @param shift per row, from {@code ch}; never null (zeros for none)
     * @param res   the residual, or null for none
     */
    static void overwriteIndirectRows(int kc, float[] ap, int aOff, int rs, int ks, float[] b, int bOff, int[] rowOffsets,
                                      int rOff, int bo1, int bo2, int bo3, float[] c, int cOff, int co1, int co2, int co3,
                                      int ldc, int rows, float[] scale, float[] shift, int ch, float[] res, int resDelta,
                                      boolean relu) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        int r2 = 2 * rs, r3 = 3 * rs;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + bo1);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + bo2);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + bo3);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + rs]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + r2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + r3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += ks;
        }
        // max(v, -inf) is v for every v (NaN and -0 included), so one store serves both ReLU settings.
        // Written out row by row: a store helper taking the vectors was not inlined, and boxed them (4x slower).
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        {
            int ci = cOff;
            FloatVector a = FloatVector.broadcast(S, scale[ch]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch]);
            FloatVector v0 = c00.fma(a, sh);
            FloatVector v1 = c01.fma(a, sh);
            FloatVector v2 = c02.fma(a, sh);
            FloatVector v3 = c03.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
        }
        if (rows > 1) {
            int ci = cOff + ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 1]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 1]);
            FloatVector v0 = c10.fma(a, sh);
            FloatVector v1 = c11.fma(a, sh);
            FloatVector v2 = c12.fma(a, sh);
            FloatVector v3 = c13.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
        }
        if (rows > 2) {
            int ci = cOff + 2 * ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 2]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 2]);
            FloatVector v0 = c20.fma(a, sh);
            FloatVector v1 = c21.fma(a, sh);
            FloatVector v2 = c22.fma(a, sh);
            FloatVector v3 = c23.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
        }
        if (rows > 3) {
            int ci = cOff + 3 * ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 3]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 3]);
            FloatVector v0 = c30.fma(a, sh);
            FloatVector v1 = c31.fma(a, sh);
            FloatVector v2 = c32.fma(a, sh);
            FloatVector v3 = c33.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
        }
    }

    /**
     * {@link #overwriteIndirectRows} with tiles of 6 vectors instead of 4: 24 accumulators, 6 B
     * loads and 4 broadcasts for every 24 fused multiply-adds (AVX-512's 32 registers hold them),
     * so a narrow layer (4 output channels, K = 36) makes a third fewer calls, each with a longer
     * run of multiply-adds per load and per epilogue. Vector v of the tile reads B at
     * {@code bi + bo_v} and stores C at {@code ci + co_v} ({@code bo_0 = co_0 = 0}). Same
     * operations per element.
     */
    static void overwriteIndirectRows6(int kc, float[] ap, int aOff, int rs, int ks, float[] b, int bOff, int[] rowOffsets,
                                       int bo1, int bo2, int bo3, int bo4, int bo5, float[] c, int cOff, int co1, int co2, int co3,
                                       int co4, int co5, int ldc, int rows, float[] scale, float[] shift, int ch, float[] res,
                                       int resDelta, boolean relu) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S), c04 = FloatVector.zero(S), c05 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S), c14 = FloatVector.zero(S), c15 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S), c24 = FloatVector.zero(S), c25 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S), c34 = FloatVector.zero(S), c35 = FloatVector.zero(S);
        int ai = aOff;
        int r2 = 2 * rs, r3 = 3 * rs;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[p];
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + rs]);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + r2]);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + r3]);
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            c00 = a0.fma(b0, c00);
            c10 = a1.fma(b0, c10);
            c20 = a2.fma(b0, c20);
            c30 = a3.fma(b0, c30);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + bo1);
            c01 = a0.fma(b1, c01);
            c11 = a1.fma(b1, c11);
            c21 = a2.fma(b1, c21);
            c31 = a3.fma(b1, c31);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + bo2);
            c02 = a0.fma(b2, c02);
            c12 = a1.fma(b2, c12);
            c22 = a2.fma(b2, c22);
            c32 = a3.fma(b2, c32);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + bo3);
            c03 = a0.fma(b3, c03);
            c13 = a1.fma(b3, c13);
            c23 = a2.fma(b3, c23);
            c33 = a3.fma(b3, c33);
            FloatVector b4 = FloatVector.fromArray(S, b, bi + bo4);
            c04 = a0.fma(b4, c04);
            c14 = a1.fma(b4, c14);
            c24 = a2.fma(b4, c24);
            c34 = a3.fma(b4, c34);
            FloatVector b5 = FloatVector.fromArray(S, b, bi + bo5);
            c05 = a0.fma(b5, c05);
            c15 = a1.fma(b5, c15);
            c25 = a2.fma(b5, c25);
            c35 = a3.fma(b5, c35);
            ai += ks;
        }
        // As overwriteIndirectRows: max(v, -inf) is v, one store for both ReLU settings; written out row by row.
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        {
            int ci = cOff;
            FloatVector sa = FloatVector.broadcast(S, scale[ch]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch]);
            FloatVector v0 = c00.fma(sa, sh);
            FloatVector v1 = c01.fma(sa, sh);
            FloatVector v2 = c02.fma(sa, sh);
            FloatVector v3 = c03.fma(sa, sh);
            FloatVector v4 = c04.fma(sa, sh);
            FloatVector v5 = c05.fma(sa, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
                v4 = v4.add(FloatVector.fromArray(S, res, ri + co4));
                v5 = v5.add(FloatVector.fromArray(S, res, ri + co5));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
            v4.max(floor).intoArray(c, ci + co4);
            v5.max(floor).intoArray(c, ci + co5);
        }
        if (rows > 1) {
            int ci = cOff + ldc;
            FloatVector sa = FloatVector.broadcast(S, scale[ch + 1]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 1]);
            FloatVector v0 = c10.fma(sa, sh);
            FloatVector v1 = c11.fma(sa, sh);
            FloatVector v2 = c12.fma(sa, sh);
            FloatVector v3 = c13.fma(sa, sh);
            FloatVector v4 = c14.fma(sa, sh);
            FloatVector v5 = c15.fma(sa, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
                v4 = v4.add(FloatVector.fromArray(S, res, ri + co4));
                v5 = v5.add(FloatVector.fromArray(S, res, ri + co5));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
            v4.max(floor).intoArray(c, ci + co4);
            v5.max(floor).intoArray(c, ci + co5);
        }
        if (rows > 2) {
            int ci = cOff + 2 * ldc;
            FloatVector sa = FloatVector.broadcast(S, scale[ch + 2]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 2]);
            FloatVector v0 = c20.fma(sa, sh);
            FloatVector v1 = c21.fma(sa, sh);
            FloatVector v2 = c22.fma(sa, sh);
            FloatVector v3 = c23.fma(sa, sh);
            FloatVector v4 = c24.fma(sa, sh);
            FloatVector v5 = c25.fma(sa, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
                v4 = v4.add(FloatVector.fromArray(S, res, ri + co4));
                v5 = v5.add(FloatVector.fromArray(S, res, ri + co5));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
            v4.max(floor).intoArray(c, ci + co4);
            v5.max(floor).intoArray(c, ci + co5);
        }
        if (rows > 3) {
            int ci = cOff + 3 * ldc;
            FloatVector sa = FloatVector.broadcast(S, scale[ch + 3]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 3]);
            FloatVector v0 = c30.fma(sa, sh);
            FloatVector v1 = c31.fma(sa, sh);
            FloatVector v2 = c32.fma(sa, sh);
            FloatVector v3 = c33.fma(sa, sh);
            FloatVector v4 = c34.fma(sa, sh);
            FloatVector v5 = c35.fma(sa, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3));
                v4 = v4.add(FloatVector.fromArray(S, res, ri + co4));
                v5 = v5.add(FloatVector.fromArray(S, res, ri + co5));
            }
            v0.max(floor).intoArray(c, ci);
            v1.max(floor).intoArray(c, ci + co1);
            v2.max(floor).intoArray(c, ci + co2);
            v3.max(floor).intoArray(c, ci + co3);
            v4.max(floor).intoArray(c, ci + co4);
            v5.max(floor).intoArray(c, ci + co5);
        }
    }

    /** Vectors of half as many lanes, for the two rows of a half-row tile's stores. */
    private static final VectorSpecies<Float> HALF = KernelConfig.HALF_FLOATS;
    /** The upper half of a vector's lanes: where a half-row tile's B and residual loads take their second row. */
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(S, L >= 64 ? 0 : ((1L << L) - 1) & ~((1L << (L / 2)) - 1));

    /**
     * {@link #overwriteIndirectRows} for output rows of half a vector: each B vector is two rows,
     * its lower half read at {@code bi + bo_v} and its upper half at {@code bi + bo_v + hi} (the
     * next row: {@code hi = bRowStride − L/2}, the upper half of that load), joined by a blend. C's
     * two rows are stored as two vectors of half the lanes, at {@code ci + co_v} and
     * {@code cNext} further (C's row stride: {@code L/2} in y itself, the padded width in the next
     * convolution's padded planes), so nothing outside the rows is written; the residual, in C's
     * layout, is read as B is. No junk columns: at 8 x 8 with 16 lanes the buffered GEMM computes
     * 96 columns for 64, this 64. Same per-element
     * operations as {@link #overwriteIndirectRows}; written out again because a kernel choosing its
     * loads at run time would put the blend on the other's path.
     */
    static void overwriteIndirectHalfRows(int kc, float[] ap, int aOff, int rs, int ks, float[] b, int bOff, int[] rowOffsets,
                                          int rOff, int bo1, int bo2, int bo3, int hi, float[] c, int cOff, int co1, int co2, int co3,
                                          int cNext, int ldc, int rows, float[] scale, float[] shift, int ch, float[] res, int resDelta,
                                          boolean relu) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int ai = aOff;
        int r2 = 2 * rs, r3 = 3 * rs;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + rowOffsets[rOff + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi).blend(FloatVector.fromArray(S, b, bi + hi), HIGH_HALF);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + bo1).blend(FloatVector.fromArray(S, b, bi + bo1 + hi), HIGH_HALF);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + bo2).blend(FloatVector.fromArray(S, b, bi + bo2 + hi), HIGH_HALF);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + bo3).blend(FloatVector.fromArray(S, b, bi + bo3 + hi), HIGH_HALF);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + rs]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + r2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + r3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            ai += ks;
        }
        // max(v, -inf) is v for every v (NaN and -0 included), so one store serves both ReLU settings.
        // Written out row by row: a store helper taking the vectors was not inlined, and boxed them (4x slower).
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int resHi = cNext - L / 2; // the residual has C's layout: its second row's half, as B's
        {
            int ci = cOff;
            FloatVector a = FloatVector.broadcast(S, scale[ch]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch]);
            FloatVector v0 = c00.fma(a, sh);
            FloatVector v1 = c01.fma(a, sh);
            FloatVector v2 = c02.fma(a, sh);
            FloatVector v3 = c03.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri).blend(FloatVector.fromArray(S, res, ri + resHi), HIGH_HALF));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1).blend(FloatVector.fromArray(S, res, ri + co1 + resHi), HIGH_HALF));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2).blend(FloatVector.fromArray(S, res, ri + co2 + resHi), HIGH_HALF));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3).blend(FloatVector.fromArray(S, res, ri + co3 + resHi), HIGH_HALF));
            }
            v0 = v0.max(floor);
            ((FloatVector) v0.reinterpretShape(HALF, 0)).intoArray(c, ci);
            ((FloatVector) v0.reinterpretShape(HALF, 1)).intoArray(c, ci + cNext);
            v1 = v1.max(floor);
            ((FloatVector) v1.reinterpretShape(HALF, 0)).intoArray(c, ci + co1);
            ((FloatVector) v1.reinterpretShape(HALF, 1)).intoArray(c, ci + co1 + cNext);
            v2 = v2.max(floor);
            ((FloatVector) v2.reinterpretShape(HALF, 0)).intoArray(c, ci + co2);
            ((FloatVector) v2.reinterpretShape(HALF, 1)).intoArray(c, ci + co2 + cNext);
            v3 = v3.max(floor);
            ((FloatVector) v3.reinterpretShape(HALF, 0)).intoArray(c, ci + co3);
            ((FloatVector) v3.reinterpretShape(HALF, 1)).intoArray(c, ci + co3 + cNext);
        }
        if (rows > 1) {
            int ci = cOff + ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 1]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 1]);
            FloatVector v0 = c10.fma(a, sh);
            FloatVector v1 = c11.fma(a, sh);
            FloatVector v2 = c12.fma(a, sh);
            FloatVector v3 = c13.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri).blend(FloatVector.fromArray(S, res, ri + resHi), HIGH_HALF));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1).blend(FloatVector.fromArray(S, res, ri + co1 + resHi), HIGH_HALF));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2).blend(FloatVector.fromArray(S, res, ri + co2 + resHi), HIGH_HALF));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3).blend(FloatVector.fromArray(S, res, ri + co3 + resHi), HIGH_HALF));
            }
            v0 = v0.max(floor);
            ((FloatVector) v0.reinterpretShape(HALF, 0)).intoArray(c, ci);
            ((FloatVector) v0.reinterpretShape(HALF, 1)).intoArray(c, ci + cNext);
            v1 = v1.max(floor);
            ((FloatVector) v1.reinterpretShape(HALF, 0)).intoArray(c, ci + co1);
            ((FloatVector) v1.reinterpretShape(HALF, 1)).intoArray(c, ci + co1 + cNext);
            v2 = v2.max(floor);
            ((FloatVector) v2.reinterpretShape(HALF, 0)).intoArray(c, ci + co2);
            ((FloatVector) v2.reinterpretShape(HALF, 1)).intoArray(c, ci + co2 + cNext);
            v3 = v3.max(floor);
            ((FloatVector) v3.reinterpretShape(HALF, 0)).intoArray(c, ci + co3);
            ((FloatVector) v3.reinterpretShape(HALF, 1)).intoArray(c, ci + co3 + cNext);
        }
        if (rows > 2) {
            int ci = cOff + 2 * ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 2]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 2]);
            FloatVector v0 = c20.fma(a, sh);
            FloatVector v1 = c21.fma(a, sh);
            FloatVector v2 = c22.fma(a, sh);
            FloatVector v3 = c23.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri).blend(FloatVector.fromArray(S, res, ri + resHi), HIGH_HALF));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1).blend(FloatVector.fromArray(S, res, ri + co1 + resHi), HIGH_HALF));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2).blend(FloatVector.fromArray(S, res, ri + co2 + resHi), HIGH_HALF));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3).blend(FloatVector.fromArray(S, res, ri + co3 + resHi), HIGH_HALF));
            }
            v0 = v0.max(floor);
            ((FloatVector) v0.reinterpretShape(HALF, 0)).intoArray(c, ci);
            ((FloatVector) v0.reinterpretShape(HALF, 1)).intoArray(c, ci + cNext);
            v1 = v1.max(floor);
            ((FloatVector) v1.reinterpretShape(HALF, 0)).intoArray(c, ci + co1);
            ((FloatVector) v1.reinterpretShape(HALF, 1)).intoArray(c, ci + co1 + cNext);
            v2 = v2.max(floor);
            ((FloatVector) v2.reinterpretShape(HALF, 0)).intoArray(c, ci + co2);
            ((FloatVector) v2.reinterpretShape(HALF, 1)).intoArray(c, ci + co2 + cNext);
            v3 = v3.max(floor);
            ((FloatVector) v3.reinterpretShape(HALF, 0)).intoArray(c, ci + co3);
            ((FloatVector) v3.reinterpretShape(HALF, 1)).intoArray(c, ci + co3 + cNext);
        }
        if (rows > 3) {
            int ci = cOff + 3 * ldc;
            FloatVector a = FloatVector.broadcast(S, scale[ch + 3]);
            FloatVector sh = FloatVector.broadcast(S, shift[ch + 3]);
            FloatVector v0 = c30.fma(a, sh);
            FloatVector v1 = c31.fma(a, sh);
            FloatVector v2 = c32.fma(a, sh);
            FloatVector v3 = c33.fma(a, sh);
            if (res != null) {
                int ri = ci + resDelta;
                v0 = v0.add(FloatVector.fromArray(S, res, ri).blend(FloatVector.fromArray(S, res, ri + resHi), HIGH_HALF));
                v1 = v1.add(FloatVector.fromArray(S, res, ri + co1).blend(FloatVector.fromArray(S, res, ri + co1 + resHi), HIGH_HALF));
                v2 = v2.add(FloatVector.fromArray(S, res, ri + co2).blend(FloatVector.fromArray(S, res, ri + co2 + resHi), HIGH_HALF));
                v3 = v3.add(FloatVector.fromArray(S, res, ri + co3).blend(FloatVector.fromArray(S, res, ri + co3 + resHi), HIGH_HALF));
            }
            v0 = v0.max(floor);
            ((FloatVector) v0.reinterpretShape(HALF, 0)).intoArray(c, ci);
            ((FloatVector) v0.reinterpretShape(HALF, 1)).intoArray(c, ci + cNext);
            v1 = v1.max(floor);
            ((FloatVector) v1.reinterpretShape(HALF, 0)).intoArray(c, ci + co1);
            ((FloatVector) v1.reinterpretShape(HALF, 1)).intoArray(c, ci + co1 + cNext);
            v2 = v2.max(floor);
            ((FloatVector) v2.reinterpretShape(HALF, 0)).intoArray(c, ci + co2);
            ((FloatVector) v2.reinterpretShape(HALF, 1)).intoArray(c, ci + co2 + cNext);
            v3 = v3.max(floor);
            ((FloatVector) v3.reinterpretShape(HALF, 0)).intoArray(c, ci + co3);
            ((FloatVector) v3.reinterpretShape(HALF, 1)).intoArray(c, ci + co3 + cNext);
        }
    }
}
