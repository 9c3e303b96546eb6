package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@link IndirectGemm} against {@link Sgemm} and {@link SgemmReference} on the explicit B its offsets describe. */
class IndirectGemmTest {
    private static final int DEFAULT_THREADS = Parallel.threads();

    private static float[] random(int size, long seed) {
        Random r = new Random(seed);
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = r.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /** Overlapping rows, in no particular order, as a convolution's shifted rows are. */
    private static int[] offsets(int k, int spread, long seed) {
        Random r = new Random(seed);
        int[] o = new int[k];
        for (int p = 0; p < k; p++) {
            o[p] = r.nextInt(spread);
        }
        return o;
    }

    private static float[] explicitB(float[] b, int bOff, int[] offsets, int k, int n) {
        float[] e = new float[k * n];
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + offsets[p], e, p * n, n);
        }
        return e;
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} threads={3}")
    @CsvSource({"1,1,1,1", "4,32,9,1", "5,33,36,1", "13,100,300,1", "16,64,576,2", "3,7,600,2", "150,70,20,1",
            "64,1000,144,2", "4,15,2,3"})
    void bitIdenticalToSgemmOnTheExplicitB(int m, int n, int k, int threads) {
        int bOff = 3;
        int[] off = offsets(k, 50, m * 31L + n);
        float[] a = random(m * k, 1);
        float[] b = random(bOff + 50 + n, 2);
        float[] expected = new float[m * n];
        Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, explicitB(b, bOff, off, k, n), 0, n, 0f, expected, 0, n, 1);
        float[] actual = new float[m * n + 5];
        Arrays.fill(actual, Float.NaN); // overwritten, NaNs included; the padding past C stays
        IndirectGemm.gemm(m, n, k, a, 0, k, b, bOff, off, actual, 0, n, threads);
        assertArrayEquals(expected, Arrays.copyOf(actual, m * n));
        for (int i = m * n; i < actual.length; i++) {
            assertThat(actual[i]).as("past C at %d", i).isNaN();
        }
        float[] reference = new float[m * n];
        IndirectGemm.reference(m, n, k, a, 0, k, b, bOff, off, reference, 0, n);
        for (int i = 0; i < reference.length; i++) {
            assertThat(actual[i]).as("element %d against the scalar twin", i)
                    .isCloseTo(reference[i], org.assertj.core.data.Offset.offset(2e-6f * (k + 1)));
        }
    }

    /**
     * Several images' products at once ({@link IndirectGemm#gemmImages}): each image's n columns are
     * bit for bit its own product, though a tile's vectors come from two images (n of 16 or 19 at
     * 16 lanes) and the row blocks and K slices are shared; nothing is written past roundUp(m, MR)
     * rows and the images' rounded-up columns.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} images={3} threads={4}")
    @CsvSource({"1,1,9,4,1", "5,16,600,3,1", "13,19,300,5,2", "4,71,144,2,1", "8,33,600,7,2", "150,24,300,3,2", "16,16,4608,8,1",
            "6,8,40,9,1", "3,200,260,2,2", "150,19,300,5,2", "150,40,600,5,2", "7,16,300,1,1", "9,70,300,1,2"})
    void imagesAreEachTheirOwnProduct(int m, int n, int k, int images, int threads) {
        int nv = IndirectGemm.imageColumns(n);
        int spread = 40;
        int imageStride = nv + spread + 3;
        int[] off = offsets(k, spread, m * 7L + n);
        float[] a = random(m * k, 3);
        // B just long enough for the last image's farthest row: a read past nv floats of a row fails.
        float[] b = random(2 + Arrays.stream(off).max().getAsInt() + (images - 1) * imageStride + nv, 4);
        IndirectGemm.PackedA pa = IndirectGemm.pack(m, k, a, 0, k);
        int ldc = IndirectGemm.imagesColumns(n, images) + 5;
        float[] bPadded = Arrays.copyOf(b, b.length + IndirectGemm.overrunColumns(n)); // gemm's own overrun, for the comparison
        int rows = IndirectGemm.overrunRows(m);
        float[] c = new float[rows * ldc + 7];
        Arrays.fill(c, Float.NaN);
        IndirectGemm.gemmImages(pa, n, images, b, 2, imageStride, off, c, 0, ldc, threads);
        int ldo = IndirectGemm.overrunColumns(n);
        for (int i = 0; i < images; i++) {
            float[] own = new float[rows * ldo];
            IndirectGemm.gemm(pa, n, bPadded, 2 + i * imageStride, off, own, 0, ldo, true, 1);
            for (int r = 0; r < m; r++) {
                for (int j = 0; j < n; j++) {
                    assertThat(c[r * ldc + i * nv + j]).as("image %d, C[%d, %d]", i, r, j).isEqualTo(own[r * ldo + j]);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int j = IndirectGemm.imagesColumns(n, images); j < ldc; j++) {
                assertThat(c[r * ldc + j]).as("past the columns in row %d at %d", r, j).isNaN();
            }
        }
        for (int i = rows * ldc; i < c.length; i++) {
            assertThat(c[i]).as("past the rows at %d", i).isNaN();
        }
    }

    @Test
    void imagesRejectBadArguments() {
        IndirectGemm.PackedA pa = IndirectGemm.pack(4, 9, random(36, 1), 0, 9);
        int[] off = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        float[] b = new float[200];
        float[] c = new float[4 * 128];
        int n = 16, nv = IndirectGemm.imageColumns(n);
        assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, n, 0, b, 0, 45, off, c, 0, 128, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("images=0");
        assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, n, 2, b, 0, nv - 1, off, c, 0, 128, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("imageStride=" + (nv - 1));
        // The last image's last row, [4·45 + 8, + nv), ends past b when nv = 16.
        if (nv == 16) {
            assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, n, 5, b, 0, 45, off, c, 0, 128, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside b (length 200)");
        }
        assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, -1, 3, b, 0, 45, off, c, 0, 128, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n=-1");
        assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, n, 3, b, 0, 45, off, c, 0, 128, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0");
        assertThatThrownBy(() -> IndirectGemm.gemmImages(pa, n, 3, b, 0, 45, off, new float[4 * 16], 0, 16, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C over 3 images");
    }

    /**
     * With overrun allowed, whole tiles run past the last column and row into the caller's slack:
     * the m x n result is the same bit for bit, nothing is written past roundUp(m, MR) rows and
     * roundUp(n, NR) columns, and one packed A serves several products.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} threads={3}")
    @CsvSource({"1,1,9,1", "5,33,36,1", "13,100,300,1", "6,200,72,2", "4,78,144,1", "9,1054,36,2", "37,16,600,1", "20,5,300,2",
            "160,80,4608,1", "16,16,100,1", "37,144,800,2", "40,48,2200,2", "181,70,600,1"})
    void overrunGivesTheSameResultInsideTheSlack(int m, int n, int k, int threads) {
        int[] off = offsets(k, 40, 7L * m + k);
        float[] a = random(m * k, 5);
        int ldc = IndirectGemm.overrunColumns(n);
        int rows = IndirectGemm.overrunRows(m);
        assertThat(ldc).isGreaterThanOrEqualTo(n);
        assertThat(rows).isGreaterThanOrEqualTo(m);
        IndirectGemm.PackedA packed = IndirectGemm.pack(m, k, a, 0, k);
        for (long seed : new long[] {6, 8}) {
            float[] b = random(40 + ldc, seed);
            float[] expected = new float[m * n];
            IndirectGemm.gemm(m, n, k, a, 0, k, b, 0, off, expected, 0, n, 1);
            float[] c = new float[rows * ldc + 3];
            Arrays.fill(c, Float.NaN);
            IndirectGemm.gemm(packed, n, b, 0, off, c, 0, ldc, true, threads);
            for (int i = 0; i < m; i++) {
                assertArrayEquals(Arrays.copyOfRange(expected, i * n, i * n + n), Arrays.copyOfRange(c, i * ldc, i * ldc + n),
                        "row " + i + ", seed " + seed);
            }
            for (int i = rows * ldc; i < c.length; i++) {
                assertThat(c[i]).as("past the slack at %d", i).isNaN();
            }
        }
    }

    /**
     * The product by output rows: row r's columns read from B at r·bRowStride (the junk columns
     * between rows skipped), through the epilogue, into C at r·cRowStride. Bit for bit the buffered
     * product over the flat columns, then fma, residual add and ReLU; nothing else in C written.
     * Vectors per row 0: rows of half a vector into a contiguous C; -1: rows of half a vector into
     * padded rows (as a convolution's output into the next one's padded planes).
     */
    @ParameterizedTest(name = "m={0} rows={1} vectors per row={2} k={3} threads={4} relu={5}")
    @CsvSource({"4,4,1,9,1,true", "6,2,2,36,2,false", "3,1,4,144,1,true", "9,8,1,27,3,true", "5,4,3,256,2,false",
            "12,4,2,72,2,true", "4,8,0,9,1,true", "7,16,0,72,2,false", "12,24,0,144,3,true", "4,8,-1,9,1,true",
            "7,16,-1,72,2,false", "16,8,-1,144,1,true", "12,24,-1,144,3,true",
            "8,8,2,45,2,true", "4,10,2,36,1,false", "5,12,1,9,2,false"})
    void byRowsIsTheProductThenTheEpilogue(int m, int rows, int vectorsPerRow, int k, int threads, boolean relu) {
        assumeFalse(KernelConfig.SCALAR, "by rows is a vector path; under the scalar kernels convolutions take the buffered one");
        boolean half = vectorsPerRow <= 0; // rows of half a vector, two to a vector
        int cols = half ? MicroKernel.L / 2 : vectorsPerRow * MicroKernel.L;
        assertThat(IndirectGemm.rowsApply(k, rows, cols)).isTrue();
        int bRowStride = cols + 2, cRowStride = vectorsPerRow == 0 ? cols : cols + 3, ldc = rows * cRowStride + 5, cOff = 4, resDelta = 7, ch = 2;
        int n = (rows - 1) * bRowStride + cols; // the flat columns, junk included
        int[] off = offsets(k, 30, 11L * m + k);
        float[] a = random(m * k, 12);
        float[] b = random(30 + n, 13);
        float[] scale = random(ch + m, 14);
        float[] shift = random(ch + m, 15);
        float[] flat = new float[m * n];
        IndirectGemm.gemm(m, n, k, a, 0, k, b, 0, off, flat, 0, n, 1);
        float[] expected = new float[cOff + m * ldc + 3];
        Arrays.fill(expected, Float.NaN);
        float[] res = random(expected.length + resDelta, 16);
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    int at = cOff + i * ldc + r * cRowStride + j;
                    float v = Math.fma(flat[i * n + r * bRowStride + j], scale[ch + i], shift[ch + i]) + res[at + resDelta];
                    expected[at] = relu ? Math.max(v, 0f) : v;
                }
            }
        }
        Parallel.setThreads(threads);
        try {
            float[] c = new float[expected.length];
            Arrays.fill(c, Float.NaN);
            IndirectGemm.gemmRows(IndirectGemm.rowsA(m, k, a, 0, k), b, 0, off, rows, cols, bRowStride, c, cOff, cRowStride, ldc,
                    scale, shift, ch, res, resDelta, relu, threads);
            assertArrayEquals(expected, c);
            // The same product with the offsets made once (bounds checked from their least and greatest entry).
            float[] c2 = new float[expected.length];
            Arrays.fill(c2, Float.NaN);
            IndirectGemm.gemmRows(IndirectGemm.rowsA(m, k, a, 0, k), b, 0, IndirectGemm.RowOffsets.of(off), rows, cols, bRowStride, c2,
                    cOff, cRowStride, ldc, scale, shift, ch, res, resDelta, relu, threads);
            assertArrayEquals(expected, c2);
        } finally {
            Parallel.setThreads(DEFAULT_THREADS);
        }
    }

    @Test
    void byRowsRejectsWhatItCannotTile() {
        assumeFalse(KernelConfig.SCALAR, "by rows is a vector path");
        int l = MicroKernel.L;
        float[] a = new float[4 * 9];
        IndirectGemm.RowsA packed = IndirectGemm.rowsA(4, 9, a, 0, 9);
        float[] ones = new float[4];
        assertThat(IndirectGemm.rowsApply(9, 3, l)).isFalse();      // three vectors: not a whole tile of four
        assertThat(IndirectGemm.rowsApply(9, 4, l + 1)).isFalse();  // rows not whole vectors
        assertThat(IndirectGemm.rowsApply(300, 4, l)).isFalse();    // two K slices
        assertThat(IndirectGemm.rowsApply(9, 4, l / 2)).isFalse();  // half rows: two vectors, not a tile of four
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 8, l / 2, l, new float[100 * l], 0,
                l / 2 - 1, 8 * l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cRowStride >= cols").hasMessageContaining("cRowStride=" + (l / 2 - 1));
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 4, l, l, new float[100 * l], 0, l,
                4 * l, null, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scale=null");
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 3, l, l, new float[100 * l], 0, l,
                3 * l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole tiles of four").hasMessageContaining("rows=3");
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 4, l, l, new float[4 * 4 * l - 1], 0, l,
                4 * l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside c");
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[4 * l - 1], 0, new int[9], 4, l, l, new float[100 * l], 0, l,
                4 * l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 0 of B");
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 4, l, l, new float[100 * l], 0, l,
                -l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs ldc >= " + 4 * l).hasMessageContaining("ldc=" + -l);
        assertThatThrownBy(() -> IndirectGemm.gemmRows(packed, new float[100 * l], 0, new int[9], 4, l, l, new float[100 * l], 0, l,
                4 * l, ones, ones, 0, null, 0, false, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads=0");
    }

    @Test
    void rowOffsetsAreCopiedAndBoundB() {
        assumeFalse(KernelConfig.SCALAR, "by rows is a vector path");
        int l = MicroKernel.L;
        int[] off = {0, 3, 7};
        IndirectGemm.RowOffsets ro = IndirectGemm.RowOffsets.of(off);
        off[2] = 1_000_000; // the table was copied: this changes nothing
        IndirectGemm.RowsA a = IndirectGemm.rowsA(4, 3, new float[12], 0, 3);
        float[] ones = {1, 1, 1, 1};
        float[] c = new float[4 * 4 * l];
        IndirectGemm.gemmRows(a, new float[7 + 4 * l], 0, ro, 4, l, l, c, 0, l, 4 * l, ones, ones, 0, null, 0, false, 1);
        assertThat(c[0]).isEqualTo(1f); // 0·b + shift 1
        assertThatThrownBy(() -> IndirectGemm.gemmRows(a, new float[6 + 4 * l], 0, ro, 4, l, l, c, 0, l, 4 * l, ones, ones, 0, null, 0,
                false, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B's rows [0, " + (7 + 4 * l) + ")")
                .hasMessageContaining("length " + (6 + 4 * l));
        assertThatThrownBy(() -> IndirectGemm.gemmRows(a, new float[100 * l], 0, IndirectGemm.RowOffsets.of(new int[] {0, 1}), 4, l, l,
                c, 0, l, 4 * l, ones, ones, 0, null, 0, false, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k=3 and 2 offsets");
        assertThatThrownBy(() -> IndirectGemm.gemmRows(a, new float[100 * l], 0, ro, 4, l, l - 1, c, 0, l, 4 * l, ones, ones, 0, null, 0,
                false, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bRowStride=" + (l - 1));
        assertThatThrownBy(() -> IndirectGemm.RowOffsets.of(new int[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none");
        assertThatThrownBy(() -> IndirectGemm.RowOffsets.of(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void overrunNeedsTheSlack() {
        float[] a = new float[4 * 2];
        IndirectGemm.PackedA packed = IndirectGemm.pack(4, 2, a, 0, 2);
        int n = 5;
        int ldc = IndirectGemm.overrunColumns(n);
        // B must hold row offset 1 plus ldc columns; ldc floats are one short at every vector length.
        assertThatThrownBy(() -> IndirectGemm.gemm(packed, n, new float[ldc], 0, new int[] {0, 1}, new float[4 * ldc], 0, ldc,
                true, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("with overrun");
        assertThatThrownBy(() -> IndirectGemm.gemm(packed, n, new float[ldc + 1], 0, new int[] {0, 1}, new float[4 * n], 0, n,
                true, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C with overrun");
    }

    /** Leading dimensions and offsets, across K slices and row blocks, with and without a partial last group of rows. */
    @ParameterizedTest(name = "m={0} n={1} k={2} lda={3}")
    @CsvSource({"6,40,10,13", "8,70,300,311", "150,70,600,607", "7,130,36,36", "4,17,257,260"})
    void honoursLeadingDimensionsAndOffsets(int m, int n, int k, int lda) {
        int ldc = n + 5, aOff = 2, cOff = 7;
        int[] off = offsets(k, 30, 9);
        float[] a = random(aOff + m * lda, 3);
        float[] b = random(30 + n, 4);
        float[] expected = new float[cOff + m * ldc];
        float[] actual = expected.clone();
        Sgemm.sgemm(false, false, m, n, k, 1f, a, aOff, lda, explicitB(b, 0, off, k, n), 0, n, 0f, expected, cOff, ldc, 1);
        IndirectGemm.gemm(m, n, k, a, aOff, lda, b, 0, off, actual, cOff, ldc, 1);
        assertArrayEquals(expected, actual);
    }

    @Test
    void rejectsRowsOutsideB() {
        float[] a = new float[4], b = new float[10], c = new float[8];
        assertThatThrownBy(() -> IndirectGemm.gemm(2, 4, 2, a, 0, 2, b, 0, new int[] {0, 7}, c, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1 of B").hasMessageContaining("rowOffsets[1]=7");
        assertThatThrownBy(() -> IndirectGemm.gemm(2, 4, 2, a, 0, 2, b, 0, new int[] {-1, 0}, c, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 0 of B");
        assertThatThrownBy(() -> IndirectGemm.gemm(2, 4, 3, new float[6], 0, 3, b, 0, new int[] {0, 1}, c, 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rowOffsets.length=2");
        assertThatThrownBy(() -> IndirectGemm.gemm(2, 4, 2, a, 0, 2, b, 0, new int[] {0, 1}, c, 0, 4, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0");
        assertThatThrownBy(() -> IndirectGemm.gemm(null, 4, b, 0, new int[] {0, 1}, c, 0, 4, false, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("packed A");
    }
}
