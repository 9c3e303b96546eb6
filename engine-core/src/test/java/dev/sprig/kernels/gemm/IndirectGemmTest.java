package dev.sprig.kernels.gemm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** {@link IndirectGemm} against {@link Sgemm} and {@link SgemmReference} on the explicit B its offsets describe. */
class IndirectGemmTest {
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
     * With overrun allowed, whole tiles run past the last column and row into the caller's slack:
     * the m x n result is the same bit for bit, nothing is written past roundUp(m, MR) rows and
     * roundUp(n, NR) columns, and one packed A serves several products.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} threads={3}")
    @CsvSource({"1,1,9,1", "5,33,36,1", "13,100,300,1", "6,200,72,2", "4,78,144,1", "9,1054,36,2"})
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

    @Test
    void honoursLeadingDimensionsAndOffsets() {
        int m = 6, n = 40, k = 10, lda = 13, ldc = 45, aOff = 2, cOff = 7;
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
