package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Packing}'s four-row A panel: the vector transpose and its scalar twin write the same floats, and nothing else. */
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
}
