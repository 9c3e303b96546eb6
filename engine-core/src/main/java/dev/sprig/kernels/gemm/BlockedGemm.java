package dev.sprig.kernels.gemm;

/**
 * The single-threaded blocked GEMM (GotoBLAS / BLIS loop order): for each {@code NC}-wide block
 * of columns and each {@code KC}-deep slice of K, op(B) is packed once (it stays in L2/L3), then
 * for each {@code MC}-high block of rows op(A) is packed (it stays in L2) and the
 * {@link MicroKernel} sweeps the tiles, reusing each packed B micro-panel from L1 across the rows.
 *
 * <p>A narrow C ({@link #takesNarrow}: groups of three vectors and a last narrower one, as a
 * pruned ViT's Linear layers have) with beta 0, a row-major A and one K slice takes
 * {@link #gemmNarrow} instead: {@link NarrowKernel} tiles that cover its columns exactly and read
 * A in place. Both paths compute every element of C with the same operations, so which one runs
 * does not change a bit of the result.
 *
 * <p>Packing buffers are per thread and reused across calls.
 */
final class BlockedGemm {
    // Block sizes measured on a 2-core Zen 3 (32 KiB L1d, 512 KiB L2 per core, AVX2): KC 192-384
    // and MC 72-288 all landed within the (large) noise of a shared machine; these are the middle.
    /** Depth of a K slice: one B micro-panel ({@code KC * NR} floats, 16 KiB) stays in L1. */
    static final int KC = 256;
    /** Rows of a packed A block ({@code MC * KC} floats, 144 KiB, in L2); a multiple of MR. */
    static final int MC = roundUp(144, MicroKernel.MR);
    /** Columns of a packed B block ({@code KC * NC} floats, 2 MiB, in L3); a multiple of NR. */
    static final int NC = roundUp(2048, MicroKernel.NR);
    /** Up to this many rows of C, a non-transposed B is read in place rather than packed. */
    static final int DIRECT_B_MAX_M = 128;
    /**
     * Widest C that {@link #gemmNarrow} takes: 288 columns at 16 lanes. JMH (GemmBenchmark.sprigLinear,
     * 4160 rows, one thread, AVX-512 Zen 5) had it ahead of the two-vector tiles up to there: 1.45-1.8x
     * at 24 and 48 columns (k 24-96), 1.25x at 96 (k 24), 1.05-1.2x at 192 and 288.
     */
    static final int NARROW_MAX_N = 18 * MicroKernel.L;
    /** Rows of A swept by every column group in turn in {@link #gemmNarrow} ({@code 144 * k} floats, in L2). */
    static final int NARROW_MC = roundUp(144, NarrowKernel.ROWS);

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private BlockedGemm() {}

    /** Per-thread scratch: packed A block, packed B block and one edge tile. */
    private static final class Buffers {
        final float[] a = new float[MC * KC];       // [MC / MR][KC][MR]
        float[] b = new float[0];                   // [nc / NR][kc][NR], grown on demand up to KC * NC
        final float[] tile = new float[MicroKernel.MR * MicroKernel.NR]; // [MR, NR]

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C} on the calling thread; m, n, k > 0, arguments checked. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (!transA && beta == 0f && k <= KC && takesNarrow(n) && narrowPays(transB, n)) {
            gemmNarrow(transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        } else {
            gemmTiles(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * Whether {@link #gemmNarrow} covers n columns ({@link #narrowGroups}): n is a multiple of three
     * vectors plus 0, 2, 1.5 or 1 vector, no wider than {@link #NARROW_MAX_N}. Only with 16 lanes or more (AVX-512,
     * 32 vector registers): the tiles keep up to 28 vectors live, which 16 AVX2 registers would spill.
     */
    static boolean takesNarrow(int n) {
        if (MicroKernel.L < 16 || n > NARROW_MAX_N) {
            return false;
        }
        int t = n % NarrowKernel.V3_COLS;
        return t == 0 || t == NarrowKernel.VH_COLS || t == NarrowKernel.V2_COLS || t == MicroKernel.L;
    }

    /**
     * Whether the narrow path pays for packing all of op(B) on every call. Always for widths of
     * three-vector groups with none or a one-and-a-half-vector group left (the widths it was
     * measured on, 4160 rows). Where the last group is of one or two vectors, only for a transposed
     * B (a linear layer's {@code x · Wᵀ}, which the tiles pack too). A row-major B is a convolution's
     * GEMM, whose few rows the tiles read B in place for: one-thread harness, 16 x 144 x 64 took
     * 1.46 us through the tiles and 2.04 us through the narrow path, 8 x 72 x 64 0.37 and 0.72 us,
     * 4 x 36 x 256 1.30 and 1.42 us; so convolutions keep the paths they had.
     */
    static boolean narrowPays(boolean transB, int n) {
        int t = n % NarrowKernel.V3_COLS;
        return t == 0 || t == NarrowKernel.VH_COLS || transB;
    }

    /**
     * {@code C = alpha * A * op(B)} for a row-major A, beta 0 and {@code k <= KC} (one K slice),
     * when {@link #takesNarrow}(n): op(B) packed whole in the column groups of {@link #narrowGroups},
     * then for each
     * block of {@link #NARROW_MC} rows, each group swept down the block by {@link NarrowKernel}
     * tiles reading A in place. Package-private so tests can hold it to {@link #gemmTiles} at every
     * vector width.
     */
    static void gemmNarrow(boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc) {
        float[] bp = BUFFERS.get().b(k * n);
        packNarrow(transB, n, k, b, bOff, ldb, bp);
        narrowTiles(m, n, k, alpha, a, aOff, lda, bp, c, cOff, ldc);
    }

    /** op(B) {@code [k, n]} packed for {@link #narrowTiles} into bp from 0: its column groups, left to right, each {@code [k, width]}. */
    static void packNarrow(boolean transB, int n, int k, float[] b, int bOff, int ldb, float[] bp) {
        for (int g = 0, j0 = 0, groups = narrowGroups(n); g < groups; j0 += narrowWidth(n, g), g++) {
            int w = narrowWidth(n, g);
            Packing.packB(transB, b, bOff, ldb, 0, k, j0, w, bp, k * j0, w);
        }
    }

    /** {@code C = alpha * A * B} over B packed by {@link #packNarrow}: the tiles of {@link #gemmNarrow}. */
    static void narrowTiles(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] bp, float[] c, int cOff, int ldc) {
        int groups = narrowGroups(n);
        for (int ic = 0; ic < m; ic += NARROW_MC) {
            int mc = Math.min(NARROW_MC, m - ic);
            for (int g = 0, j0 = 0; g < groups; j0 += narrowWidth(n, g), g++) {
                int w = narrowWidth(n, g);
                int bo = k * j0;
                int cj = cOff + ic * ldc + j0;
                int ai = aOff + ic * lda;
                for (int i = 0; i < mc; i += NarrowKernel.ROWS) {
                    int rows = Math.min(NarrowKernel.ROWS, mc - i);
                    if (w == NarrowKernel.V3_COLS) {
                        NarrowKernel.threeVectors(k, a, ai + i * lda, lda, rows, bp, bo, c, cj + i * ldc, ldc, alpha);
                    } else if (w == NarrowKernel.V2_COLS) {
                        NarrowKernel.twoVectors(k, a, ai + i * lda, lda, rows, bp, bo, c, cj + i * ldc, ldc, alpha);
                    } else if (w == NarrowKernel.VH_COLS) {
                        NarrowKernel.vectorAndHalf(k, a, ai + i * lda, lda, rows, bp, bo, c, cj + i * ldc, ldc, alpha);
                    } else {
                        NarrowKernel.oneVector(k, a, ai + i * lda, lda, rows, bp, bo, c, cj + i * ldc, ldc, alpha);
                    }
                }
            }
        }
    }

    /**
     * Column groups of {@link #gemmNarrow} for n columns ({@link #takesNarrow}): three vectors each, the
     * last one narrower; but where one vector would be left over after a three-vector group, the
     * last four vectors are two groups of two (a one-vector tile broadcasts each A element for a
     * single multiply-add).
     */
    static int narrowGroups(int n) {
        return (n + NarrowKernel.V3_COLS - 1) / NarrowKernel.V3_COLS;
    }

    /** The width of column group g of {@link #narrowGroups}. */
    static int narrowWidth(int n, int g) {
        int full = n / NarrowKernel.V3_COLS, t = n % NarrowKernel.V3_COLS;
        if (t == MicroKernel.L && full > 0 && g >= full - 1) {
            return NarrowKernel.V2_COLS; // ... 3L + L as ... 2L + 2L
        }
        return g < full ? NarrowKernel.V3_COLS : t;
    }

    /** The general path: packed, cache-blocked {@link MicroKernel} tiles; any shape, any beta. */
    static void gemmTiles(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float beta, float[] c, int cOff, int ldc) {
        final int mrT = MicroKernel.MR;
        final int nrT = MicroKernel.NR;
        Buffers buf = BUFFERS.get();
        // Split K into equal slices no deeper than KC (e.g. 300 -> 150 + 150, not 256 + 44).
        int kSlices = (k + KC - 1) / KC;
        int kcMax = (k + kSlices - 1) / kSlices;
        float[] ap = buf.a;
        float[] bp = buf.b(kcMax * Math.min(NC, roundUp(n, nrT)));
        float[] tile = buf.tile;
        boolean directB = readsBInPlace(transB, m, ldb);
        if (beta != 0f && beta != 1f) {
            // C = beta * C up front, then every K slice accumulates: alpha * acc + (beta * c),
            // the same operations as the reference.
            scale(m, n, beta, c, cOff, ldc);
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                // The first K slice overwrites C when beta == 0 (NaNs in C must not leak); every
                // other slice adds onto C.
                boolean accumulate = pc > 0 || beta != 0f;
                int nFull = nc / nrT * nrT;
                if (!directB) {
                    Packing.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                } else if (nFull < nc) {
                    // Read in place, except the last partial panel: padded so the kernel never
                    // reads past column n.
                    Packing.packB(false, b, bOff, ldb, pc, kc, jc + nFull, nc - nFull, bp);
                }
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    Packing.packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += nrT) {
                        int nr = Math.min(nrT, nc - jr);
                        float[] bSrc = bp;
                        int bo = directB ? 0 : jr * kc; // (jr / NR) panels of kc * NR floats
                        int bs = nrT;
                        if (directB && nr == nrT) {
                            bSrc = b;
                            bo = bOff + pc * ldb + jc + jr;
                            bs = ldb;
                        }
                        int cj = cOff + ic * ldc + jc + jr;
                        for (int ir = 0; ir < mc; ir += mrT) {
                            int mr = Math.min(mrT, mc - ir);
                            int ao = ir * kc; // (ir / MR) panels of kc * MR floats
                            int ci = cj + ir * ldc;
                            if (mr < mrT || nr < nrT) {
                                MicroKernel.edge(kc, ap, ao, bSrc, bo, bs, c, ci, ldc, mr, nr, alpha, accumulate, tile);
                            } else if (accumulate) {
                                MicroKernel.accumulate(kc, ap, ao, bSrc, bo, bs, c, ci, ldc, alpha);
                            } else {
                                MicroKernel.overwrite(kc, ap, ao, bSrc, bo, bs, c, ci, ldc, alpha);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Whether the kernel reads B's micro-panels in place (row stride ldb) instead of packing them.
     * Packing costs a pass over B that only pays off when each B panel is reused by many rows of
     * A; with few rows (small matrices, convolution-shaped GEMMs with many columns) reading in
     * place measured 10-25% faster (64 x 64 x 64, 64 x 576 x 3136). Not when ldb is a multiple of
     * 128 floats (512 bytes): the kc rows of a panel then fall into a few L1 sets and evict each
     * other (128 x 128 x 128 measured 15% slower in place than packed).
     */
    static boolean readsBInPlace(boolean transB, int m, int ldb) {
        return !transB && m <= DIRECT_B_MAX_M && ldb % 128 != 0;
    }

    /** {@code C = beta * C} over the {@code [m, n]} window of C. */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[ci + j] = beta * c[ci + j];
            }
        }
    }

    static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }
}
