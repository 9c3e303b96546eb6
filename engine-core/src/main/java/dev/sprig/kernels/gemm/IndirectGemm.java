package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

import java.util.Arrays;

/**
 * GEMM whose B is given by a table of row offsets instead of a stride: {@code C[m, n] = A[m, k] · B}
 * with {@code B[p, j] = b[bOff + rowOffsets[p] + j]}. A is row-major {@code [m, k]} (row stride
 * lda), C row-major {@code [m, n]} (row stride ldc), overwritten.
 *
 * <p>This is the implicit-GEMM form of a stride-1 convolution ({@code dev.sprig.kernels.conv.DirectConv2d}):
 * on a zero-padded input plane flattened row by row, the column matrix of im2col has, for every
 * (channel, kernel row, kernel column), a row that is the padded input itself shifted by a fixed
 * offset. Reading those rows in place through the offset table skips the lowering, which for
 * narrow layers cost as much as the multiply-adds.
 *
 * <p>Same K slicing and per-element operations as {@link BlockedGemm} (A packed into
 * {@code [kc, MR]} panels, each C element one chain of fused multiply-adds in K order per slice):
 * the result is bit-identical to {@link Sgemm} on the explicit B, and to itself for any thread
 * count (columns are split, K never). B is never packed, except a partial column panel when the
 * caller does not allow {@code overrun}. A can be packed once ({@link #pack}) and reused, as a
 * convolution's weights are over a batch. {@link KernelConfig#SCALAR} routes to
 * {@link SgemmReference} on the explicit B.
 */
public final class IndirectGemm {
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);
    /** Whether the tall tile's 16 accumulators fit in the registers: 32 vector registers, AVX-512 (16 lanes). */
    private static final boolean TALL = MicroKernel.L >= 16;

    private IndirectGemm() {}

    private static final class Buffers {
        final float[] b = new float[BlockedGemm.KC * MicroKernel.NR];
        final float[] tile = new float[MicroKernel.MR * MicroKernel.NR];
    }

    /** A, packed once into the micro-kernel's panels (K slice by K slice, MC rows at a time), for many products. */
    public static final class PackedA {
        final int m;
        final int k;
        final float[] data;
        final float[] source; // for the scalar twin
        final int sourceOff;
        final int lda;

        private PackedA(int m, int k, float[] data, float[] source, int sourceOff, int lda) {
            this.m = m;
            this.k = k;
            this.data = data;
            this.source = source;
            this.sourceOff = sourceOff;
            this.lda = lda;
        }
    }

    /**
     * A for {@link #gemmRows}: its whole groups of MR rows are read in place (row stride lda); only
     * its last {@code m % MR} rows are copied, zero-padded to MR, into a {@code [k, MR]} panel. No
     * packing and no new array to zero for the rest: at batch 1 a convolution uses its weights for
     * one image, and packing them was several per cent of a pruned ResNet's forward. A must not
     * change while this is in use.
     */
    public static final class RowsA {
        final int m;
        final int k;
        final float[] a;
        final int aOff;
        final int lda;
        /** Rows read in place: m rounded down to MR. */
        final int full;
        /** The last rows' panel, {@code [k, MR]}; empty when {@code full == m}. */
        final float[] tail;

        private RowsA(int m, int k, float[] a, int aOff, int lda, int full, float[] tail) {
            this.m = m;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.full = full;
            this.tail = tail;
        }
    }

    /** Prepares A {@code [m, k]} (row stride lda from aOff) for {@link #gemmRows}; see {@link RowsA}. */
    public static RowsA rowsA(int m, int k, float[] a, int aOff, int lda) {
        if (m < 1 || k < 1) {
            throw new IllegalArgumentException("indirect gemm by rows: dimensions must be >= 1, got m=" + m + ", k=" + k);
        }
        GemmArgs.matrix("a", a, aOff, lda, m, k, "k", k, "A");
        int full = m / MicroKernel.MR * MicroKernel.MR;
        float[] tail = new float[full == m ? 0 : MicroKernel.MR * k];
        if (full < m) {
            Packing.packA(false, a, aOff, lda, full, m - full, 0, k, tail, 0);
        }
        return new RowsA(m, k, a, aOff, lda, full, tail);
    }

    /** Columns of C (and floats of every B row) that a product over n columns with {@code overrun} may touch. */
    public static int overrunColumns(int n) {
        return BlockedGemm.roundUp(n, MicroKernel.NR);
    }

    /** Rows of C that a product of m rows with {@code overrun} may write. */
    public static int overrunRows(int m) {
        return BlockedGemm.roundUp(m, MicroKernel.MR);
    }

    /** Packs A {@code [m, k]} (row stride lda from aOff); the product reads the copy, and A's scalar twin A itself. */
    public static PackedA pack(int m, int k, float[] a, int aOff, int lda) {
        if (m < 0 || k < 0) {
            throw new IllegalArgumentException("indirect gemm: dimensions must be >= 0, got m=" + m + ", k=" + k);
        }
        GemmArgs.matrix("a", a, aOff, lda, m, k, "k", k, "A");
        int kcMax = sliceDepth(k);
        int mPad = BlockedGemm.roundUp(Math.max(m, 1), MicroKernel.MR);
        float[] data = new float[mPad * k];
        int d = 0;
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            for (int ic = 0; ic < m; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, m - ic);
                Packing.packA(false, a, aOff, lda, ic, mc, pc, kc, data, d);
                d += BlockedGemm.roundUp(mc, MicroKernel.MR) * kc;
            }
        }
        return new PackedA(m, k, data, a, aOff, lda);
    }

    /** {@code C = A · B}, A packed on the fly; see {@link #gemm(PackedA, int, float[], int, int[], float[], int, int, boolean, int)}. */
    public static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int[] rowOffsets,
                            float[] c, int cOff, int ldc, int threads) {
        gemm(pack(m, k, a, aOff, lda), n, b, bOff, rowOffsets, c, cOff, ldc, false, threads);
    }

    /**
     * {@code C = A · B}, B's row p starting at {@code b[bOff + rowOffsets[p]]}.
     *
     * @param rowOffsets at least k offsets; every row {@code [bOff + rowOffsets[p], + n)} must lie in b
     * @param overrun    the caller lets whole tiles run past the edges: every B row is readable for
     *                   {@code roundUp(n, NR)} floats and C has {@code roundUp(m, MR)} rows of
     *                   {@code ldc >= roundUp(n, NR)} writable floats (what lies there afterwards is
     *                   junk); no tile then takes the slower edge path
     * @param threads    at most this many threads (1 = the calling thread only)
     */
    public static void gemm(PackedA a, int n, float[] b, int bOff, int[] rowOffsets, float[] c, int cOff, int ldc,
                            boolean overrun, int threads) {
        if (a == null) {
            throw new IllegalArgumentException("indirect gemm: the packed A must not be null");
        }
        int m = a.m, k = a.k;
        check(a, n, b, bOff, rowOffsets, c, cOff, ldc, overrun, threads);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || KernelConfig.SCALAR) {
            reference(m, n, k, a.source, a.sourceOff, a.lda, b, bOff, rowOffsets, c, cOff, ldc);
            return;
        }
        int t = (long) m * n * k < Sgemm.PARALLEL_MIN_WORK || Parallel.inWorker() ? 1 : threads;
        int nPanels = (n + MicroKernel.NR - 1) / MicroKernel.NR;
        if (t == 1 || nPanels < 2) {
            blocked(a, n, b, bOff, rowOffsets, c, cOff, ldc, overrun);
            return;
        }
        // Whole NR panels per thread: only the last range can end inside a panel, so overrunning
        // tiles never write into another thread's columns.
        Parallel.forRange(nPanels, t, (from, to) -> {
            int j0 = from * MicroKernel.NR;
            int nc = Math.min(n, to * MicroKernel.NR) - j0;
            blocked(a, nc, b, bOff + j0, rowOffsets, c, cOff + j0, ldc, overrun);
        });
    }

    /** Columns of C an image takes in {@link #gemmImages}: its n columns rounded up to whole vectors. */
    public static int imageColumns(int n) {
        if (n < 0 || n > Integer.MAX_VALUE - MicroKernel.L) {
            throw new IllegalArgumentException("indirect gemm over images: n=" + n + " must be in [0, " + (Integer.MAX_VALUE
                    - MicroKernel.L) + "]");
        }
        return BlockedGemm.roundUp(n, MicroKernel.L);
    }

    /**
     * Columns of C {@link #gemmImages} may write for {@code images} images of n columns: theirs,
     * rounded up to whole wide tiles.
     */
    public static int imagesColumns(int n, int images) {
        long cols = (long) Math.max(images, 0) * imageColumns(n);
        if (images < 1 || cols > Integer.MAX_VALUE - MicroKernel.NR_WIDE) {
            throw new IllegalArgumentException("indirect gemm over images: needs images >= 1 and at most "
                    + (Integer.MAX_VALUE - MicroKernel.NR_WIDE) + " columns in all, got images=" + images + " of " + imageColumns(n)
                    + " columns (n=" + n + ")");
        }
        return BlockedGemm.roundUp((int) cols, MicroKernel.NR_WIDE);
    }

    /**
     * The products of one A with the B's of several images at once, so each packed block of A is
     * read once for all of them: image i's B is {@link #gemm}'s B at {@code bOff + i·imageStride},
     * and its n columns of C are columns {@code [i·nv, i·nv + n)}, {@code nv = imageColumns(n)}. A
     * wide tile's four vectors may come from different images, so a product of few columns (a deep
     * layer's small output: 16 columns at 4 x 4, where the tile has 64) computes no padding but
     * each image's last vector and the last tile's. Always with overrun, as {@link #gemm} allows
     * it: every B row of every image is readable for nv floats, and C has {@code roundUp(m, MR)}
     * rows of {@code ldc >= imagesColumns(n, images)} writable floats; what lies past each image's
     * n columns afterwards is junk. Per element the operations of {@link #gemm}: each image's
     * columns are bit for bit its own product.
     *
     * @param imageStride floats from one image's B to the next; at least nv when images > 1
     */
    public static void gemmImages(PackedA a, int n, int images, float[] b, int bOff, int imageStride, int[] rowOffsets,
                                  float[] c, int cOff, int ldc, int threads) {
        if (a == null) {
            throw new IllegalArgumentException("indirect gemm over images: the packed A must not be null");
        }
        int cols = imagesColumns(n, images); // checks n and images
        int nv = imageColumns(n);
        if (images > 1 && imageStride < nv) {
            throw new IllegalArgumentException("indirect gemm over images: needs an image stride >= " + nv + " (n=" + n
                    + " rounded up to whole vectors), got imageStride=" + imageStride);
        }
        checkImages(a, cols, nv, images, b, bOff, imageStride, rowOffsets, c, cOff, ldc, threads);
        int m = a.m, k = a.k;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || KernelConfig.SCALAR) {
            for (int i = 0; i < images; i++) {
                reference(m, n, k, a.source, a.sourceOff, a.lda, b, bOff + i * imageStride, rowOffsets, c, cOff + i * nv, ldc);
            }
            return;
        }
        int perImage = nv / MicroKernel.L;
        int nw = MicroKernel.NR_WIDE;
        int t = (long) m * cols * k < Sgemm.PARALLEL_MIN_WORK || Parallel.inWorker() ? 1 : threads;
        int nPanels = cols / nw;
        if (t == 1 || nPanels < 2) {
            blockedImages(a, 0, cols, images, perImage, imageStride, b, bOff, rowOffsets, c, cOff, ldc);
            return;
        }
        Parallel.forRange(nPanels, t, (from, to) ->
                blockedImages(a, from * nw, to * nw, images, perImage, imageStride, b, bOff, rowOffsets, c, cOff, ldc));
    }

    /**
     * Whether {@link #gemmRows} takes a product of depth k whose output is {@code rows x cols}, C's
     * rows lying anywhere: each output row whole vectors, or half a vector (two rows to a vector),
     * in whole tiles of four vectors; one K slice; not under {@link KernelConfig#SCALAR}.
     */
    public static boolean rowsApply(int k, int rows, int cols) {
        int l = MicroKernel.L;
        boolean whole = cols % l == 0 && (long) rows * (cols / l) % 4 == 0;
        boolean half = l >= 4 && 2 * cols == l && rows % 8 == 0;
        return !KernelConfig.SCALAR && cols > 0 && rows > 0 && (whole || half) && k > 0 && sliceDepth(k) == k;
    }

    /**
     * The product with a per-row epilogue, its columns taken as a {@code rows x cols} image: for
     * every row {@code m} of A and output pixel (r, j),
     * <pre>
     *   c[cOff + m·ldc + r·cRowStride + j] = relu?(fma(Σ_p A[m, p]·b[bOff + rowOffsets[p] + r·bRowStride + j],
     *                                                 scale[ch + m], shift[ch + m]) + res[that index + resDelta])
     * </pre>
     * So a convolution's output rows, which lie {@code bRowStride} apart in its padded input's
     * flattening, come out without the junk columns between them, already through the
     * convolution's epilogue, into y (cRowStride = cols) or into the next convolution's padded
     * planes (cRowStride = their width). Per element the same fma chain as {@link #gemm} with one
     * K slice, then one fma, an add and a max: bit for bit {@link #gemm} followed by
     * {@code ConvEpilogue}. Needs {@link #rowsApply}; C's rows may be anywhere
     * ({@code cRowStride >= cols}), rows of half a vector too (stored as two half vectors).
     *
     * @param scale {@code [ch, ch + m)} used; never null (ones for none)
     * @param shift likewise; never null (zeros for none)
     * @param res   the residual or null; read at C's indices plus resDelta
     */
    public static void gemmRows(RowsA a, float[] b, int bOff, int[] rowOffsets, int rows, int cols, int bRowStride,
                                float[] c, int cOff, int cRowStride, int ldc, float[] scale, float[] shift, int ch,
                                float[] res, int resDelta, boolean relu, int threads) {
        if (a == null || rowOffsets == null || rowOffsets.length < a.k) {
            throw new IllegalArgumentException("indirect gemm by rows: needs an A and at least k row offsets, got A with k="
                    + (a == null ? "none" : a.k) + " and " + (rowOffsets == null ? "null" : rowOffsets.length + "") + " offsets");
        }
        long span = (long) (rows - 1) * bRowStride + cols;
        for (int p = 0; b != null && p < a.k; p++) { // the rest is checked in rowsChecked
            long start = (long) bOff + rowOffsets[p];
            if (start < 0 || start + span > b.length) {
                throw new IllegalArgumentException("indirect gemm by rows: row " + p + " of B, [" + start + ", " + (start + span)
                        + "), is outside b (length " + b.length + ")");
            }
        }
        rowsChecked(a, b, bOff, rowOffsets, rows, cols, bRowStride, c, cOff, cRowStride, ldc, scale, shift, ch, res, resDelta, relu,
                threads);
    }

    /**
     * A table of B's row offsets for {@link #gemmRows(RowsA, float[], int, RowOffsets, int, int, int, float[], int, int, int,
     * float[], float[], int, float[], int, boolean, int)}, copied, with its least and greatest entry:
     * a convolution plan makes it once, and each product then checks B's bounds in constant time
     * instead of row by row.
     */
    public static final class RowOffsets {
        final int[] offsets;
        final int min;
        final int max;

        private RowOffsets(int[] offsets) {
            this.offsets = offsets;
            int lo = Integer.MAX_VALUE, hi = Integer.MIN_VALUE;
            for (int o : offsets) {
                lo = Math.min(lo, o);
                hi = Math.max(hi, o);
            }
            this.min = lo;
            this.max = hi;
        }

        /** The offsets (copied); at least one. */
        public static RowOffsets of(int[] offsets) {
            if (offsets == null || offsets.length == 0) {
                throw new IllegalArgumentException("indirect gemm: row offsets must be at least one, got "
                        + (offsets == null ? "null" : "none"));
            }
            return new RowOffsets(offsets.clone());
        }

        /** How many offsets. */
        public int length() {
            return offsets.length;
        }
    }

    /**
     * {@link #gemmRows(RowsA, float[], int, int[], int, int, int, float[], int, int, int, float[], float[], int, float[], int,
     * boolean, int)} with the offsets' bounds known: B is checked against their least and greatest
     * entry only.
     */
    public static void gemmRows(RowsA a, float[] b, int bOff, RowOffsets rowOffsets, int rows, int cols, int bRowStride,
                                float[] c, int cOff, int cRowStride, int ldc, float[] scale, float[] shift, int ch,
                                float[] res, int resDelta, boolean relu, int threads) {
        if (a == null || rowOffsets == null || rowOffsets.length() < a.k) {
            throw new IllegalArgumentException("indirect gemm by rows: needs an A and at least k row offsets, got A with k="
                    + (a == null ? "none" : a.k) + " and " + (rowOffsets == null ? "none" : rowOffsets.length()) + " offsets");
        }
        long span = (long) (rows - 1) * bRowStride + cols;
        if (b != null && ((long) bOff + rowOffsets.min < 0 || (long) bOff + rowOffsets.max + span > b.length)) {
            throw new IllegalArgumentException("indirect gemm by rows: B's rows [" + ((long) bOff + rowOffsets.min) + ", "
                    + ((long) bOff + rowOffsets.max + span) + ") are outside b (length " + b.length + ")");
        }
        rowsChecked(a, b, bOff, rowOffsets.offsets, rows, cols, bRowStride, c, cOff, cRowStride, ldc, scale, shift, ch, res, resDelta,
                relu, threads);
    }

    /** gemmRows once B's rows are known to lie in b: the remaining checks, then the tiles. */
    private static void rowsChecked(RowsA a, float[] b, int bOff, int[] rowOffsets, int rows, int cols, int bRowStride,
                                    float[] c, int cOff, int cRowStride, int ldc, float[] scale, float[] shift, int ch,
                                    float[] res, int resDelta, boolean relu, int threads) {
        if (!rowsApply(a.k, rows, cols) || cRowStride < cols || bRowStride < cols) {
            throw new IllegalArgumentException("indirect gemm by rows: needs an A with 1 <= k <= one K slice, an output of"
                    + " whole tiles of four " + MicroKernel.L + "-float vectors, cRowStride >= cols and bRowStride >= cols, got k=" + a.k
                    + ", rows=" + rows + ", cols=" + cols + ", bRowStride=" + bRowStride + ", cRowStride=" + cRowStride);
        }
        if (b == null || c == null || scale == null || shift == null) {
            throw new IllegalArgumentException("indirect gemm by rows: b, c, scale and shift must not be null (ones and zeros for no"
                    + " scale or shift), got b=" + (b == null ? "null" : "[" + b.length + "]") + ", c="
                    + (c == null ? "null" : "[" + c.length + "]") + ", scale=" + (scale == null ? "null" : "[" + scale.length + "]")
                    + ", shift=" + (shift == null ? "null" : "[" + shift.length + "]"));
        }
        int m = a.m;
        if (scale.length < ch + m || shift.length < ch + m || ch < 0) {
            throw new IllegalArgumentException("indirect gemm by rows: scale (" + scale.length + ") and shift (" + shift.length
                    + ") must cover rows " + ch + ".." + (ch + m));
        }
        long rowSpan = (long) (rows - 1) * cRowStride + cols; // one row of C: its output rows
        if ((m > 1 && ldc < rowSpan) || threads < 1) {
            throw new IllegalArgumentException("indirect gemm by rows: needs ldc >= " + rowSpan + " (C's rows must not overlap) and"
                    + " threads >= 1, got ldc=" + ldc + ", threads=" + threads);
        }
        long cEnd = cOff + (long) (m - 1) * ldc + (long) (rows - 1) * cRowStride + cols;
        if (cOff < 0 || cEnd > c.length || (res != null && ((long) cOff + resDelta < 0 || cEnd + resDelta > res.length))) {
            throw new IllegalArgumentException("indirect gemm by rows: C [" + cOff + ", " + cEnd + ") is outside c (length "
                    + c.length + ")" + (res == null ? "" : " or, shifted by " + resDelta + ", outside the residual (length "
                    + res.length + ")"));
        }
        int tiles = (int) ((long) rows * cols / MicroKernel.L / 4);
        int t = (long) m * rows * cols * a.k < Sgemm.PARALLEL_MIN_WORK || Parallel.inWorker() ? 1 : threads;
        if (t <= 1 || tiles < 2) {
            rowTiles(a, b, bOff, rowOffsets, cols, bRowStride, c, cOff, cRowStride, ldc, scale, shift, ch, res, resDelta, relu, 0, tiles);
            return;
        }
        Parallel.forRange(tiles, t, (from, to) ->
                rowTiles(a, b, bOff, rowOffsets, cols, bRowStride, c, cOff, cRowStride, ldc, scale, shift, ch, res, resDelta, relu, from, to));
    }

    /**
     * Tiles {@code [from, to)} of {@link #gemmRows}: tile t is vectors 4t..4t+3 of the output, row
     * by row; a vector is part of a row, or two rows of half a vector. With 32 vector registers
     * (AVX-512) a whole-row range of 4q vectors runs as tiles of 6 vectors
     * ({@link MicroKernel#overwriteIndirectRows6}) and none, one or two tiles of 4 (as 4q mod 6 is
     * 0, 4 or 2); otherwise, and for half rows, in tiles of 4.
     */
    private static void rowTiles(RowsA a, float[] b, int bOff, int[] rowOffsets, int cols, int bRowStride, float[] c, int cOff,
                                 int cRowStride, int ldc, float[] scale, float[] shift, int ch, float[] res, int resDelta,
                                 boolean relu, int from, int to) {
        final int l = MicroKernel.L;
        boolean half = 2 * cols == l;
        int perRow = Math.max(1, cols / l);
        int vec = 4 * from, end = 4 * to;
        if (!half && l >= 16) {
            int v = end - vec;
            int fours = v % 6 == 0 ? 0 : v % 6 == 4 ? 1 : 2; // v is a multiple of 4: 6·n + 4·fours
            int sixesEnd = end - 4 * fours;
            int[] bo = new int[6];
            int[] co = new int[6];
            for (; vec < sixesEnd; vec += 6) {
                offsets(vec, 6, perRow, l, bRowStride, cRowStride, bo, co);
                for (int ir = 0; ir < a.m; ir += MicroKernel.MR) {
                    boolean inPlace = ir < a.full; // A's rows in place, or the last rows' zero-padded panel
                    MicroKernel.overwriteIndirectRows6(a.k, inPlace ? a.a : a.tail, inPlace ? a.aOff + ir * a.lda : 0,
                            inPlace ? a.lda : 1, inPlace ? 1 : MicroKernel.MR, b, bOff + bo[0], rowOffsets, bo[1] - bo[0],
                            bo[2] - bo[0], bo[3] - bo[0], bo[4] - bo[0], bo[5] - bo[0], c, cOff + co[0] + ir * ldc, co[1] - co[0],
                            co[2] - co[0], co[3] - co[0], co[4] - co[0], co[5] - co[0], ldc, Math.min(MicroKernel.MR, a.m - ir),
                            scale, shift, ch + ir, res, resDelta, relu);
                }
            }
        }
        int hi = bRowStride - l / 2; // half rows: from a vector's first row to the upper half's load
        int[] bo = new int[4];
        int[] co = new int[4];
        for (; vec < end; vec += 4) {
            if (half) {
                for (int v = 0; v < 4; v++) {
                    int r = 2 * (vec + v); // a vector is two rows of half a vector
                    bo[v] = r * bRowStride;
                    co[v] = r * cRowStride;
                }
            } else {
                offsets(vec, 4, perRow, l, bRowStride, cRowStride, bo, co);
            }
            for (int ir = 0; ir < a.m; ir += MicroKernel.MR) {
                // A's rows in place, or the last rows' zero-padded panel.
                boolean inPlace = ir < a.full;
                float[] ap = inPlace ? a.a : a.tail;
                int ao = inPlace ? a.aOff + ir * a.lda : 0;
                int rs = inPlace ? a.lda : 1;
                int ks = inPlace ? 1 : MicroKernel.MR;
                int rowsHere = Math.min(MicroKernel.MR, a.m - ir);
                if (half) {
                    MicroKernel.overwriteIndirectHalfRows(a.k, ap, ao, rs, ks, b, bOff + bo[0], rowOffsets, 0, bo[1] - bo[0],
                            bo[2] - bo[0], bo[3] - bo[0], hi, c, cOff + co[0] + ir * ldc, co[1] - co[0], co[2] - co[0], co[3] - co[0],
                            cRowStride, ldc, rowsHere, scale, shift, ch + ir, res, resDelta, relu);
                } else {
                    MicroKernel.overwriteIndirectRows(a.k, ap, ao, rs, ks, b, bOff + bo[0], rowOffsets, 0, bo[1] - bo[0],
                            bo[2] - bo[0], bo[3] - bo[0], c, cOff + co[0] + ir * ldc, co[1] - co[0], co[2] - co[0], co[3] - co[0], ldc,
                            rowsHere, scale, shift, ch + ir, res, resDelta, relu);
                }
            }
        }
    }

    /** Where vectors vec..vec+n-1 of a whole-row output start in B and in C ({@code perRow} vectors to a row). */
    private static void offsets(int vec, int n, int perRow, int l, int bRowStride, int cRowStride, int[] bo, int[] co) {
        for (int v = 0; v < n; v++) {
            int r = (vec + v) / perRow;
            int j = (vec + v - r * perRow) * l;
            bo[v] = r * bRowStride + j;
            co[v] = r * cRowStride + j;
        }
    }

    /** The scalar twin: {@link SgemmReference} on the explicit {@code [k, n]} B. */
    static void reference(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int[] rowOffsets,
                          float[] c, int cOff, int ldc) {
        float[] explicit = new float[k * n];
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + rowOffsets[p], explicit, p * n, n);
        }
        SgemmReference.sgemm(false, false, m, n, k, 1f, a, aOff, lda, explicit, 0, Math.max(1, n), 0f, c, cOff, ldc);
    }

    /** K slices of equal depth no deeper than KC, as {@link BlockedGemm} cuts them. */
    private static int sliceDepth(int k) {
        int kSlices = Math.max(1, (k + BlockedGemm.KC - 1) / BlockedGemm.KC);
        return Math.max(1, (k + kSlices - 1) / kSlices);
    }

    private static void blocked(PackedA pa, int n, float[] b, int bOff, int[] rowOffsets, float[] c, int cOff, int ldc,
                                boolean overrun) {
        final int mrT = MicroKernel.MR;
        final int nrT = MicroKernel.NR;
        final int nrW = MicroKernel.NR_WIDE;
        int m = pa.m, k = pa.k;
        float[] ap = pa.data;
        Buffers buf = BUFFERS.get();
        int kcMax = sliceDepth(k);
        int d = 0; // start of the current (slice, row block) in the packed A
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean accumulate = pc > 0;
            for (int ic = 0; ic < m; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, m - ic);
                int mFull = overrun ? BlockedGemm.roundUp(mc, mrT) : mc / mrT * mrT;
                int jr = 0;
                // The wide tile over as many columns as it covers, then (overrun, AVX-512, at most one
                // vector of columns left) the tall one, else the standard one.
                for (; jr + nrW <= n; jr += nrW) {
                    int cj = cOff + ic * ldc + jr;
                    for (int ir = 0; ir < mFull; ir += mrT) {
                        if (accumulate) {
                            MicroKernel.accumulateIndirectWide(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        } else {
                            MicroKernel.overwriteIndirectWide(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        }
                    }
                    for (int j = jr; mFull < mc && j < jr + nrW; j += nrT) {
                        packPanel(b, bOff + j, rowOffsets, pc, kc, nrT, buf.b);
                        MicroKernel.edge(kc, ap, d + mFull * kc, buf.b, 0, nrT, c, cOff + (ic + mFull) * ldc + j, ldc,
                                mc - mFull, nrT, 1f, accumulate, buf.tile);
                    }
                }
                if (overrun && TALL && jr < n && n - jr <= MicroKernel.L) {
                    // The columns left fit in one vector (a 4 x 4 output): tiles of MR_TALL rows by one
                    // vector, where the standard tile's second vector would be padding; its rows after them.
                    int cj = cOff + ic * ldc + jr;
                    int ir = 0;
                    for (; ir + MicroKernel.MR_TALL <= mFull; ir += MicroKernel.MR_TALL) {
                        if (accumulate) {
                            MicroKernel.accumulateIndirectTall(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        } else {
                            MicroKernel.overwriteIndirectTall(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        }
                    }
                    for (; ir < mFull; ir += mrT) {
                        if (accumulate) {
                            MicroKernel.accumulateIndirect(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        } else {
                            MicroKernel.overwriteIndirect(kc, ap, d + ir * kc, b, bOff + jr, rowOffsets, pc, c, cj + ir * ldc, ldc);
                        }
                    }
                    jr = n;
                }
                for (; jr < n; jr += nrT) {
                    int nr = overrun ? nrT : Math.min(nrT, n - jr);
                    boolean edgeRows = mFull < mc;
                    if (nr < nrT || edgeRows) {
                        packPanel(b, bOff + jr, rowOffsets, pc, kc, nr, buf.b);
                    }
                    int cj = cOff + ic * ldc + jr;
                    for (int ir = 0; ir < mc; ir += mrT) {
                        int mr = ir < mFull ? mrT : mc - ir;
                        int ao = d + ir * kc;
                        int ci = cj + ir * ldc;
                        if (mr < mrT || nr < nrT) {
                            MicroKernel.edge(kc, ap, ao, buf.b, 0, nrT, c, ci, ldc, mr, nr, 1f, accumulate, buf.tile);
                        } else if (accumulate) {
                            MicroKernel.accumulateIndirect(kc, ap, ao, b, bOff + jr, rowOffsets, pc, c, ci, ldc);
                        } else {
                            MicroKernel.overwriteIndirect(kc, ap, ao, b, bOff + jr, rowOffsets, pc, c, ci, ldc);
                        }
                    }
                }
                d += BlockedGemm.roundUp(mc, mrT) * kc;
            }
        }
    }

    /**
     * Where vector v of {@link #gemmImages}' columns starts in B (from bOff): image {@code v / perImage},
     * its vector {@code v % perImage}; past the last image, the first image's first vector (those
     * columns of C are junk).
     */
    private static int vectorOffset(int v, int images, int perImage, int imageStride) {
        int u = v < images * perImage ? v : 0;
        return u / perImage * imageStride + u % perImage * MicroKernel.L;
    }

    /**
     * {@link #gemmImages}' wide tiles over its columns {@code [j0, j1)} (multiples of NR_WIDE), each
     * tile's four vectors from wherever their images' B rows lie. As {@link #blocked} with overrun,
     * and the same per-element operations.
     */
    private static void blockedImages(PackedA pa, int j0, int j1, int images, int perImage, int imageStride, float[] b, int bOff,
                                      int[] rowOffsets, float[] c, int cOff, int ldc) {
        final int mrT = MicroKernel.MR;
        final int nrW = MicroKernel.NR_WIDE;
        final int l = MicroKernel.L;
        int m = pa.m, k = pa.k;
        float[] ap = pa.data;
        int kcMax = sliceDepth(k);
        int d = 0;
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean accumulate = pc > 0;
            for (int ic = 0; ic < m; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, m - ic);
                int mFull = BlockedGemm.roundUp(mc, mrT);
                for (int jr = j0; jr < j1; jr += nrW) {
                    int v = jr / l;
                    int o0 = vectorOffset(v, images, perImage, imageStride);
                    int o1 = vectorOffset(v + 1, images, perImage, imageStride) - o0;
                    int o2 = vectorOffset(v + 2, images, perImage, imageStride) - o0;
                    int o3 = vectorOffset(v + 3, images, perImage, imageStride) - o0;
                    int cj = cOff + ic * ldc + jr;
                    for (int ir = 0; ir < mFull; ir += mrT) {
                        if (accumulate) {
                            MicroKernel.accumulateIndirectWideAt(kc, ap, d + ir * kc, b, bOff + o0, rowOffsets, pc, o1, o2, o3, c,
                                    cj + ir * ldc, ldc);
                        } else {
                            MicroKernel.overwriteIndirectWideAt(kc, ap, d + ir * kc, b, bOff + o0, rowOffsets, pc, o1, o2, o3, c,
                                    cj + ir * ldc, ldc);
                        }
                    }
                }
                d += mFull * kc;
            }
        }
    }

    /** Rows pc..pc+kc of B's panel starting at column {@code b0}: {@code [kc, NR]}, columns past nr zero. */
    private static void packPanel(float[] b, int b0, int[] rowOffsets, int pc, int kc, int nr, float[] dst) {
        final int nrT = MicroKernel.NR;
        for (int p = 0, d = 0; p < kc; p++, d += nrT) {
            System.arraycopy(b, b0 + rowOffsets[pc + p], dst, d, nr);
            if (nr < nrT) {
                Arrays.fill(dst, d + nr, d + nrT, 0f);
            }
        }
    }

    /**
     * {@link #gemmImages}' bounds: C as one product over all images' columns ({@code cols =
     * imagesColumns}), B's rows from the first image's start to the last's end.
     */
    private static void checkImages(PackedA a, int cols, int nv, int images, float[] b, int bOff, int imageStride, int[] rowOffsets,
                                    float[] c, int cOff, int ldc, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("indirect gemm over images: threads=" + threads + " must be >= 1");
        }
        GemmArgs.matrix("indirect gemm over images", "c", c, cOff, ldc, BlockedGemm.roundUp(a.m, MicroKernel.MR), cols,
                "imagesColumns(n, images)", cols, "C over " + images + " images");
        if (b == null || rowOffsets == null || rowOffsets.length < a.k) {
            throw new IllegalArgumentException("indirect gemm over images: needs b and at least k=" + a.k + " row offsets, got b="
                    + (b == null ? "null" : "[" + b.length + "]") + ", " + (rowOffsets == null ? "no" : rowOffsets.length + "") + " offsets");
        }
        long last = (long) (images - 1) * imageStride;
        for (int p = 0; p < a.k; p++) {
            long start = (long) bOff + rowOffsets[p];
            if (start < 0 || start + last + nv > b.length) {
                throw new IllegalArgumentException("indirect gemm over images: row " + p + " of B, from [" + start + ", " + (start + nv)
                        + ") in the first image to [" + (start + last) + ", " + (start + last + nv) + ") in the last, is outside b (length "
                        + b.length + "); bOff=" + bOff + ", rowOffsets[" + p + "]=" + rowOffsets[p] + ", imageStride=" + imageStride);
            }
        }
    }

    private static void check(PackedA a, int n, float[] b, int bOff, int[] rowOffsets, float[] c, int cOff, int ldc,
                              boolean overrun, int threads) {
        int m = a.m, k = a.k;
        if (n < 0) {
            throw new IllegalArgumentException("indirect gemm: n=" + n + " must be >= 0");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("indirect gemm: threads=" + threads + " must be >= 1");
        }
        int rowsC = overrun ? BlockedGemm.roundUp(m, MicroKernel.MR) : m;
        int colsC = overrun ? BlockedGemm.roundUp(n, MicroKernel.NR) : n;
        GemmArgs.matrix("c", c, cOff, ldc, rowsC, colsC, overrun ? "roundUp(n, NR)" : "n", colsC,
                overrun ? "C with overrun" : "C");
        if (b == null || rowOffsets == null) {
            throw new IllegalArgumentException("indirect gemm: b and rowOffsets must not be null");
        }
        if (rowOffsets.length < k) {
            throw new IllegalArgumentException("indirect gemm: rowOffsets.length=" + rowOffsets.length + " must be >= k=" + k);
        }
        if (n == 0) {
            return;
        }
        for (int p = 0; p < k; p++) {
            long start = (long) bOff + rowOffsets[p];
            if (start < 0 || start + colsC > b.length) {
                throw new IllegalArgumentException("indirect gemm: row " + p + " of B, [" + start + ", " + (start + colsC)
                        + "), is outside b (length " + b.length + "); bOff=" + bOff + ", rowOffsets[" + p + "]=" + rowOffsets[p]
                        + (overrun ? ", with overrun to " + colsC + " columns" : ""));
            }
        }
    }
}
