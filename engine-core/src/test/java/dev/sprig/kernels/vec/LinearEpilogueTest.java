package dev.sprig.kernels.vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearEpilogueTest {
    private static final int L = KernelConfig.FLOATS.length();

    /** The three passes the epilogue replaces: bias add, GELU over the whole array, elementwise add. */
    private static float[] threePasses(float[] y, int yOff, float[] bias, boolean gelu, float[] res, int resOff, int rows, int cols) {
        float[] out = Arrays.copyOfRange(y, yOff, yOff + rows * cols);
        if (bias != null) {
            Elementwise.addRowVector(out, 0, bias, 0, out, 0, rows, cols);
        }
        if (gelu) {
            Activations.gelu(out, 0, out, 0, rows * cols);
        }
        if (res != null) {
            Elementwise.add(out, 0, res, resOff, out, 0, rows * cols);
        }
        return out;
    }

    @Test
    void oneFusedPassIsBitForBitTheThreePassesAndTheTwinsAgree() {
        SplittableRandom rnd = new SplittableRandom(70);
        for (int cols : new int[] {1, 5, L - 1, L, L + 8, 24, 48, 3 * L + 1}) {
            for (int rows : new int[] {1, 3, 17}) {
                float[] y = VecTestSupport.uniform(rnd, 2, rows * cols, -4, 4);
                y[2] = Float.NaN;
                float[] bias = VecTestSupport.uniform(rnd, 0, cols, -1, 1);
                float[] res = VecTestSupport.uniform(rnd, 3, rows * cols, -1, 1);
                for (int parts = 0; parts < 8; parts++) {
                    float[] b = (parts & 1) != 0 ? bias : null;
                    boolean gelu = (parts & 2) != 0;
                    float[] r = (parts & 4) != 0 ? res : null;
                    String what = rows + "x" + cols + " bias=" + (b != null) + " gelu=" + gelu + " residual=" + (r != null);
                    float[] want = threePasses(y, 2, b, gelu, r, 3, rows, cols);
                    float[] vector = y.clone();
                    float[] scalar = y.clone();
                    float[] dispatched = y.clone();
                    Activations.linearEpilogueVector(vector, 2, b, gelu, r, 3, rows, cols);
                    Activations.linearEpilogueScalar(scalar, 2, b, gelu, r, 3, rows, cols);
                    Activations.linearEpilogue(dispatched, 2, b, gelu, r, 3, rows, cols);
                    assertThat(Arrays.copyOfRange(vector, 2, 2 + rows * cols)).as("vector, %s", what).containsExactly(want);
                    assertThat(Arrays.copyOfRange(scalar, 2, 2 + rows * cols)).as("scalar, %s", what).containsExactly(want);
                    assertThat(Arrays.copyOfRange(dispatched, 2, 2 + rows * cols)).as("dispatched, %s", what).containsExactly(want);
                    assertThat(vector[0]).isEqualTo(y[0]);
                    assertThat(vector[1]).isEqualTo(y[1]);
                }
            }
        }
    }

    /**
     * Rows split over 1-3 threads (each chunk one span of whole vectors across row boundaries) give
     * the scalar twin's bits, and nothing past the block is written.
     */
    @Test
    void spansAcrossRowsMatchTheTwinOnEveryThreadCount() {
        SplittableRandom rnd = new SplittableRandom(71);
        int before = Parallel.threads();
        try {
            for (int cols : new int[] {24, L + 3}) {
                int rows = 4160; // enough elements to be split over the threads
                float[] y = VecTestSupport.uniform(rnd, 1, rows * cols + 5, -4, 4);
                float[] bias = VecTestSupport.uniform(rnd, 0, cols, -1, 1);
                float[] res = VecTestSupport.uniform(rnd, 0, rows * cols, -1, 1);
                float[] want = y.clone();
                Activations.linearEpilogueScalar(want, 1, bias, true, res, 0, rows, cols);
                for (int threads = 1; threads <= 3; threads++) {
                    Parallel.setThreads(threads);
                    float[] got = y.clone();
                    Activations.linearEpilogue(got, 1, bias, true, res, 0, rows, cols);
                    assertThat(got).as("%d columns on %d threads", cols, threads).containsExactly(want);
                    assertThat(Arrays.copyOfRange(got, 1 + rows * cols, got.length)).as("past the block")
                            .containsExactly(Arrays.copyOfRange(y, 1 + rows * cols, y.length));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void badArgumentsNameTheValue() {
        float[] y = new float[12];
        assertThatThrownBy(() -> Activations.linearEpilogue(y, 0, new float[3], false, null, 0, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias");
        assertThatThrownBy(() -> Activations.linearEpilogue(y, 0, null, false, y, 0, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("residual");
        assertThatThrownBy(() -> Activations.linearEpilogue(y, 1, null, true, null, 0, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y");
    }
}
