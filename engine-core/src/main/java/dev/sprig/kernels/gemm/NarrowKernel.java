package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-kernels for a narrow C (a pruned ViT's Linear layers: 16 to 288 columns at 16 lanes),
 * used by {@link BlockedGemm#gemmNarrow}. A tile is {@link #ROWS} rows of one column group of C,
 * which it covers exactly: no column is computed and thrown away, and every store is a whole
 * vector straight into C (no tile buffer, no masks).
 * <ul>
 *   <li>{@link #threeVectors}: three vectors ({@code 3L} columns, e.g. 48);</li>
 *   <li>{@link #vectorAndHalf}: one vector and one half-width vector ({@code L + L/2} columns,
 *       e.g. 24 = 16 + 8), the half taking the low half of the same broadcast register;</li>
 *   <li>{@link #twoVectors}: two vectors ({@code 2L} columns): a last group of 32, and where 16
 *       would be left after a three-vector group, the last 64 as two of them (a ViT's separate
 *       q, k and v at one and two heads of 32 are 32 and 64 wide);</li>
 *   <li>{@link #oneVector}: one vector, for a C exactly {@code L} wide.</li>
 * </ul>
 * A is row-major and read in place, row r at {@code a[aOff + r·lda ..]}: a narrow product reuses a
 * row of A for a few column groups only, so packing it cost more than it saved. Rows at and past
 * {@code rows} re-read the last valid row (never past A's end) and are not stored. B is packed
 * {@code [kc, width]}.
 *
 * <p>Each C element is {@code acc = fma(a[i,p], b[p,j], acc)} from zero in p order, then
 * {@code alpha * acc}: the operations of {@link MicroKernel#overwrite} and its edge tiles, so the
 * results are bit for bit those of the two-vector tiles. Overwrite only: the narrow path runs
 * one K slice with beta 0.
 *
 * <p>Why 8 rows (JMH, AVX-512 Zen 5, 4160 rows): three vectors by 8 rows (24 accumulators,
 * 28 live vectors) ran 3-8% faster than by 4; a separate half-width broadcast per row instead of
 * the low half of the full one cost 25% at 24 columns (the broadcasts, not the multiply-adds,
 * were the bottleneck). Both need 32 vector registers: {@link BlockedGemm#takesNarrow} asks for
 * 16 lanes.
 */
final class NarrowKernel {
    static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    static final int L = S.length();
    /** Half-width species (L/2 lanes); S itself when L < 4, where {@link #vectorAndHalf} is not used. */
    static final VectorSpecies<Float> H = L >= 4
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2)) : S;
    /** Rows of a tile. */
    static final int ROWS = 8;
    /** Columns of a {@link #vectorAndHalf} tile. */
    static final int VH_COLS = L + L / 2;
    /** Columns of a {@link #threeVectors} tile. */
    static final int V3_COLS = 3 * L;
    /** Columns of a {@link #twoVectors} tile. */
    static final int V2_COLS = 2 * L;

    private NarrowKernel() {}

    /**
     * {@code C[0..rows, 0..3L) = alpha * A·B} for {@code 1 <= rows <= ROWS}.
     *
     * @param a   A, row-major, the tile's first row at {@code aOff}, row stride {@code lda}
     * @param bp  B packed {@code [kc, 3L]} from {@code bOff}
     * @param c   C, the tile's top-left at {@code cOff}, row stride {@code ldc}
     */
    static void threeVectors(int kc, float[] a, int aOff, int lda, int rows,
                             float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha) {
        int last = rows - 1;
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        int a7 = aOff + Math.min(7, last) * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * V3_COLS;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        // Written out row by row: a store helper taking the vectors was not inlined elsewhere, and boxed them.
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoArray(c, cOff);
        c01.mul(va).intoArray(c, cOff + L);
        c02.mul(va).intoArray(c, cOff + 2 * L);
        if (rows > 1) {
            c10.mul(va).intoArray(c, cOff + ldc);
            c11.mul(va).intoArray(c, cOff + ldc + L);
            c12.mul(va).intoArray(c, cOff + ldc + 2 * L);
        }
        if (rows > 2) {
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
            c21.mul(va).intoArray(c, cOff + 2 * ldc + L);
            c22.mul(va).intoArray(c, cOff + 2 * ldc + 2 * L);
        }
        if (rows > 3) {
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
            c31.mul(va).intoArray(c, cOff + 3 * ldc + L);
            c32.mul(va).intoArray(c, cOff + 3 * ldc + 2 * L);
        }
        if (rows > 4) {
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
            c41.mul(va).intoArray(c, cOff + 4 * ldc + L);
            c42.mul(va).intoArray(c, cOff + 4 * ldc + 2 * L);
        }
        if (rows > 5) {
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
            c51.mul(va).intoArray(c, cOff + 5 * ldc + L);
            c52.mul(va).intoArray(c, cOff + 5 * ldc + 2 * L);
        }
        if (rows > 6) {
            c60.mul(va).intoArray(c, cOff + 6 * ldc);
            c61.mul(va).intoArray(c, cOff + 6 * ldc + L);
            c62.mul(va).intoArray(c, cOff + 6 * ldc + 2 * L);
        }
        if (rows > 7) {
            c70.mul(va).intoArray(c, cOff + 7 * ldc);
            c71.mul(va).intoArray(c, cOff + 7 * ldc + L);
            c72.mul(va).intoArray(c, cOff + 7 * ldc + 2 * L);
        }
    }

    /**
     * {@code C[0..rows, 0..L+L/2) = alpha * A·B} for {@code 1 <= rows <= ROWS}; needs {@code L >= 4}.
     * Arguments as in {@link #threeVectors}, B packed {@code [kc, L + L/2]}.
     */
    static void vectorAndHalf(int kc, float[] a, int aOff, int lda, int rows,
                              float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha) {
        int last = rows - 1;
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        int a7 = aOff + Math.min(7, last) * lda;
        FloatVector c0 = FloatVector.zero(S), h0 = FloatVector.zero(H);
        FloatVector c1 = FloatVector.zero(S), h1 = FloatVector.zero(H);
        FloatVector c2 = FloatVector.zero(S), h2 = FloatVector.zero(H);
        FloatVector c3 = FloatVector.zero(S), h3 = FloatVector.zero(H);
        FloatVector c4 = FloatVector.zero(S), h4 = FloatVector.zero(H);
        FloatVector c5 = FloatVector.zero(S), h5 = FloatVector.zero(H);
        FloatVector c6 = FloatVector.zero(S), h6 = FloatVector.zero(H);
        FloatVector c7 = FloatVector.zero(S), h7 = FloatVector.zero(H);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * VH_COLS;
            FloatVector b = FloatVector.fromArray(S, bp, bi);
            FloatVector bh = FloatVector.fromArray(H, bp, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c0 = x.fma(b, c0);
            h0 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h0);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c1 = x.fma(b, c1);
            h1 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h1);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c2 = x.fma(b, c2);
            h2 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h2);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c3 = x.fma(b, c3);
            h3 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h3);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c4 = x.fma(b, c4);
            h4 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h4);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c5 = x.fma(b, c5);
            h5 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h5);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c6 = x.fma(b, c6);
            h6 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h6);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c7 = x.fma(b, c7);
            h7 = ((FloatVector) x.reinterpretShape(H, 0)).fma(bh, h7);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        FloatVector vh = FloatVector.broadcast(H, alpha);
        c0.mul(va).intoArray(c, cOff);
        h0.mul(vh).intoArray(c, cOff + L);
        if (rows > 1) {
            c1.mul(va).intoArray(c, cOff + ldc);
            h1.mul(vh).intoArray(c, cOff + ldc + L);
        }
        if (rows > 2) {
            c2.mul(va).intoArray(c, cOff + 2 * ldc);
            h2.mul(vh).intoArray(c, cOff + 2 * ldc + L);
        }
        if (rows > 3) {
            c3.mul(va).intoArray(c, cOff + 3 * ldc);
            h3.mul(vh).intoArray(c, cOff + 3 * ldc + L);
        }
        if (rows > 4) {
            c4.mul(va).intoArray(c, cOff + 4 * ldc);
            h4.mul(vh).intoArray(c, cOff + 4 * ldc + L);
        }
        if (rows > 5) {
            c5.mul(va).intoArray(c, cOff + 5 * ldc);
            h5.mul(vh).intoArray(c, cOff + 5 * ldc + L);
        }
        if (rows > 6) {
            c6.mul(va).intoArray(c, cOff + 6 * ldc);
            h6.mul(vh).intoArray(c, cOff + 6 * ldc + L);
        }
        if (rows > 7) {
            c7.mul(va).intoArray(c, cOff + 7 * ldc);
            h7.mul(vh).intoArray(c, cOff + 7 * ldc + L);
        }
    }

    /**
     * {@code C[0..rows, 0..2L) = alpha * A·B} for {@code 1 <= rows <= ROWS}. Arguments as in
     * {@link #threeVectors}, B packed {@code [kc, 2L]}.
     */
    static void twoVectors(int kc, float[] a, int aOff, int lda, int rows,
                           float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha) {
        int last = rows - 1;
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        int a7 = aOff + Math.min(7, last) * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * V2_COLS;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoArray(c, cOff);
        c01.mul(va).intoArray(c, cOff + L);
        if (rows > 1) {
            c10.mul(va).intoArray(c, cOff + ldc);
            c11.mul(va).intoArray(c, cOff + ldc + L);
        }
        if (rows > 2) {
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
            c21.mul(va).intoArray(c, cOff + 2 * ldc + L);
        }
        if (rows > 3) {
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
            c31.mul(va).intoArray(c, cOff + 3 * ldc + L);
        }
        if (rows > 4) {
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
            c41.mul(va).intoArray(c, cOff + 4 * ldc + L);
        }
        if (rows > 5) {
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
            c51.mul(va).intoArray(c, cOff + 5 * ldc + L);
        }
        if (rows > 6) {
            c60.mul(va).intoArray(c, cOff + 6 * ldc);
            c61.mul(va).intoArray(c, cOff + 6 * ldc + L);
        }
        if (rows > 7) {
            c70.mul(va).intoArray(c, cOff + 7 * ldc);
            c71.mul(va).intoArray(c, cOff + 7 * ldc + L);
        }
    }

    /**
     * {@code C[0..rows, 0..L) = alpha * A·B} for {@code 1 <= rows <= ROWS}. Arguments as in
     * {@link #threeVectors}, B packed {@code [kc, L]}.
     */
    static void oneVector(int kc, float[] a, int aOff, int lda, int rows,
                          float[] bp, int bOff, float[] c, int cOff, int ldc, float alpha) {
        int last = rows - 1;
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        int a7 = aOff + Math.min(7, last) * lda;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * L;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoArray(c, cOff);
        if (rows > 1) {
            c10.mul(va).intoArray(c, cOff + ldc);
        }
        if (rows > 2) {
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
        }
        if (rows > 3) {
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
        }
        if (rows > 4) {
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
        }
        if (rows > 5) {
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
        }
        if (rows > 6) {
            c60.mul(va).intoArray(c, cOff + 6 * ldc);
        }
        if (rows > 7) {
            c70.mul(va).intoArray(c, cOff + 7 * ldc);
        }
    }
}
