package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Packing}'s four-row A panel: the vector transpose and its scalar twin write the same floats, and
 * nothing else; B packed into panels of a given width at an offset.
 */
class PackingTest {
    private static final int L = KernelConfig.FLOATS.length();

    @Test
    void fourRowPanelsMatchTheScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int kc : new int[] {0, 1, 3, L - 1, L, L + 1, 2 * L, 3 * L + 5, 100}) {
            for (int lda : new int[] {kc, kc + 3, kc + L}) {
                float[] a = new float[7 + 4 * Math.max(lda, 1) + L];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) rnd.nextGaussian();
                }
                int s0 = 7;
                float[] vector = new float[5 + 4 * kc + 3];
                float[] scalar = new float[vector.length];
                Arrays.fill(vector, Float.NaN);
                Arrays.fill(scalar, Float.NaN);
                Packing.fourRowsVector(a, s0, s0 + lda, s0 + 2 * lda, s0 + 3 * lda, kc, vector, 5);
                Packing.fourRowsScalar(a, s0, s0 + lda, s0 + 2 * lda, s0 + 3 * lda, kc, scalar, 5);
                String what = "kc=" + kc + " lda=" + lda;
                assertThat(vector).as(what).containsExactly(scalar);
                for (int p = 0; p < kc; p++) {
                    for (int r = 0; r < 4; r++) {
                        assertThat(vector[5 + 4 * p + r]).as("%s p=%d r=%d", what, p, r).isEqualTo(a[s0 + r * lda + p]);
                    }
                }
                for (int i : new int[] {0, 4, 5 + 4 * kc, vector.length - 1}) {
                    assertThat(vector[i]).as("%s: element %d outside the panel", what, i).isNaN();
                }
            }
        }
    }

    @Test
    void bPanelsOfAGivenWidthAtAnOffset() {
        SplittableRandom rnd = new SplittableRandom(6);
        int k = 7, ldb = 40, p0 = 2, kc = 4, j0 = 3, nc = 11;
        for (boolean transB : new boolean[] {false, true}) {
            for (int nr : new int[] {nc, 6, 2 * L}) {
                float[] b = new float[(transB ? j0 + nc : k) * ldb];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) rnd.nextGaussian();
                }
                int panels = (nc + nr - 1) / nr;
                float[] dst = new float[9 + panels * kc * nr + 5];
                Arrays.fill(dst, Float.NaN);
                Packing.packB(transB, b, 0, ldb, p0, kc, j0, nc, dst, 9, nr);
                String what = "transB=" + transB + " nr=" + nr;
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < panels * nr; j++) {
                        float want = j >= nc ? 0f : transB ? b[(j0 + j) * ldb + p0 + p] : b[(p0 + p) * ldb + j0 + j];
                        int at = 9 + (j / nr) * kc * nr + p * nr + j % nr;
                        assertThat(dst[at]).as("%s: op(B)[%d, %d] at %d", what, p0 + p, j0 + j, at).isEqualTo(want);
                    }
                }
                for (int i : new int[] {0, 8, 9 + panels * kc * nr, dst.length - 1}) {
                    assertThat(dst[i]).as("%s: element %d outside the panels", what, i).isNaN();
                }
            }
        }
    }
}
