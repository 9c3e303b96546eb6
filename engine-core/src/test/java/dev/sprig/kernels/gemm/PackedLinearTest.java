package dev.sprig.kernels.gemm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedLinear} gives bit for bit {@code Sgemm.sgemm(false, true, ..)} on the weight it
 * packed, on one thread and two, at widths the narrow kernels take (a pruned ViT's 16 to 288 columns)
 * and at others (10 classes, 40 columns, K over one slice), with offsets; and the weight is a copy.
 */
class PackedLinearTest {
    private static float[] fill(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble(-1, 1);
        }
        return x;
    }

    @ParameterizedTest(name = "rows={0} outF={1} inF={2}")
    @CsvSource({"1, 24, 24", "65, 96, 24", "65, 288, 96", "520, 72, 96", "520, 144, 72", "7, 64, 48", "301, 32, 24",
            "4160, 192, 48", "65, 10, 96", "13, 40, 24", "9, 48, 300", "0, 48, 24", "4160, 16, 96", "8000, 32, 24",
            "4160, 64, 48", "4160, 112, 24"})
    void bitForBitSgemm(int rows, int outF, int inF) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + outF * 7L + inF);
        int wOff = 5, xOff = 3, yOff = 2;
        float[] w = fill(rnd, wOff + outF * inF);
        float[] x = fill(rnd, xOff + rows * inF);
        PackedLinear p = PackedLinear.of(w, wOff, outF, inF);
        assertThat(p.outFeatures()).isEqualTo(outF);
        assertThat(p.inFeatures()).isEqualTo(inF);
        float[] want = new float[yOff + rows * outF + 1];
        Arrays.fill(want, Float.NaN);
        Sgemm.sgemm(false, true, rows, outF, inF, 1f, x, xOff, inF, w, wOff, inF, 0f, want, yOff, outF, 1);
        Arrays.fill(w, 7f); // the plan holds a copy
        for (int threads : new int[] {1, 2}) {
            float[] got = new float[want.length];
            Arrays.fill(got, Float.NaN);
            p.apply(x, xOff, rows, got, yOff, threads);
            for (int i = 0; i < got.length; i++) {
                assertThat(Float.floatToIntBits(got[i])).as("rows=%d outF=%d inF=%d, %d threads: y[%d] = %s, Sgemm %s", rows, outF,
                        inF, threads, i, got[i], want[i]).isEqualTo(Float.floatToIntBits(want[i]));
            }
        }
    }

    @Test
    void rejectsBadSizes() {
        assertThatThrownBy(() -> PackedLinear.of(new float[10], 0, 0, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outF and inF must be >= 1, got 0 and 4");
        assertThatThrownBy(() -> PackedLinear.of(new float[10], 2, 3, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 9 floats of W [3, 3] from 2, have 10");
        assertThatThrownBy(() -> PackedLinear.of(null, 0, 3, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("have none");
        PackedLinear p = PackedLinear.of(new float[48 * 24], 0, 48, 24);
        assertThatThrownBy(() -> p.apply(new float[24 * 2 - 1], 0, 2, new float[96], 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("packed linear: x.length=47 is too short: 2x24");
        assertThatThrownBy(() -> p.apply(new float[48], 0, 2, new float[95], 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("packed linear: y.length=95 is too short: 2x48");
        assertThatThrownBy(() -> p.apply(null, 0, 2, new float[96], 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("packed linear: x must not be null");
        assertThatThrownBy(() -> p.apply(new float[48], 0, -1, new float[96], 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows must be >= 0");
        assertThatThrownBy(() -> p.apply(new float[48], 0, 2, new float[96], 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads >= 1, got 2 and 0");
    }
}
