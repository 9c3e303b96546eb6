package dev.sprig.kernels.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.kernels.Parallel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(1);
    }

    private static float[] random(long seed, int n) {
        Random rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    /** Softmax attention in double precision: the oracle both kernels are held to. */
    private static double[] oracle(int batch, int t, int heads, int hd, float[] qkv, int stride, int qOff, int kOff, int vOff) {
        int width = heads * hd;
        double scale = 1 / Math.sqrt(hd);
        double[] o = new double[batch * t * width];
        for (int n = 0; n < batch; n++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        double acc = 0;
                        for (int c = 0; c < hd; c++) {
                            acc += (double) qkv[qOff + (n * t + i) * stride + h * hd + c] * qkv[kOff + (n * t + j) * stride + h * hd + c];
                        }
                        s[j] = acc * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int c = 0; c < hd; c++) {
                        double acc = 0;
                        for (int j = 0; j < t; j++) {
                            acc += s[j] * qkv[vOff + (n * t + j) * stride + h * hd + c];
                        }
                        o[(n * t + i) * width + h * hd + c] = acc / sum;
                    }
                }
            }
        }
        return o;
    }

    /** q, k, v as the three column blocks of one fused [rows, 3·width] buffer, as a fused qkv projection writes them. */
    @ParameterizedTest(name = "batch {0}, tokens {1}, heads {2}, headDim {3}")
    @CsvSource({"1, 1, 1, 1", "2, 3, 2, 7", "1, 16, 1, 16", "2, 17, 3, 32", "3, 65, 3, 32", "1, 65, 1, 24", "2, 33, 2, 40",
            "1, 9, 2, 64", "1, 100, 1, 48"})
    void vectorKernelAndScalarTwinAgreeWithTheDoubleOracle(int batch, int t, int heads, int hd) {
        int width = heads * hd;
        int stride = 3 * width;
        float[] qkv = random(batch * 1000L + t * 10L + hd, batch * t * stride);
        float[] fast = new float[batch * t * width];
        float[] slow = new float[batch * t * width];
        float scale = (float) (1 / Math.sqrt(hd));
        Attention.forward(batch, t, heads, hd, scale, qkv, 0, stride, qkv, width, stride, qkv, 2 * width, stride, fast, 0, width);
        AttentionReference.forward(batch, t, heads, hd, scale, qkv, 0, stride, qkv, width, stride, qkv, 2 * width, stride, slow, 0, width);
        double[] want = oracle(batch, t, heads, hd, qkv, stride, 0, width, 2 * width);
        for (int i = 0; i < want.length; i++) {
            assertThat((double) slow[i]).as("scalar twin, element %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(2e-5));
            // Each vector lane runs the scalar twin's chains for its query row in the same order.
            assertThat(Float.floatToIntBits(fast[i])).as("vector %s vs scalar %s, element %d", fast[i], slow[i], i)
                    .isEqualTo(Float.floatToIntBits(slow[i]));
        }
    }

    /** NaN and infinities: both twins put NaN in the same places and agree elsewhere. */
    @Test
    void specialValuesPropagateAlikeInBothTwins() {
        int batch = 2;
        int t = 19;
        int heads = 2;
        int hd = 8;
        int width = heads * hd;
        float[] q = random(5, batch * t * width);
        float[] k = random(6, batch * t * width);
        float[] v = random(7, batch * t * width);
        q[3] = Float.NaN;                              // image 0, head 0, query row 0
        k[width * 5 + hd + 1] = Float.POSITIVE_INFINITY; // image 0, head 1, key 5
        k[width * (t + 2)] = 1e30f;                    // image 1, head 0, key 2: huge scores
        v[width * (t + 4) + hd] = Float.NEGATIVE_INFINITY; // image 1, head 1, value 4
        float[] fast = new float[batch * t * width];
        float[] slow = new float[batch * t * width];
        Attention.forward(batch, t, heads, hd, 0.35f, q, 0, width, k, 0, width, v, 0, width, fast, 0, width);
        AttentionReference.forward(batch, t, heads, hd, 0.35f, q, 0, width, k, 0, width, v, 0, width, slow, 0, width);
        int nans = 0;
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.isNaN(fast[i])).as("NaN at %d", i).isEqualTo(Float.isNaN(slow[i]));
            if (Float.isNaN(slow[i])) {
                nans++;
            } else if (Float.isInfinite(slow[i])) {
                assertThat(fast[i]).as("element %d", i).isEqualTo(slow[i]);
            } else {
                assertThat(Float.floatToIntBits(fast[i])).as("element %d: vector %s, scalar %s", i, fast[i], slow[i])
                        .isEqualTo(Float.floatToIntBits(slow[i]));
            }
        }
        assertThat(nans).as("NaN outputs").isPositive();
    }

    /**
     * Bit for bit against the scalar twin over token counts around the vector lengths and the kernel's
     * 5-vector query blocks (4, 8 and 16 lanes: 20, 40 and 80 rows), head dims that are and are not
     * whole vectors, q, k, v and o in separate arrays at offsets with strides wider than the heads.
     */
    @ParameterizedTest(name = "batch {0}, tokens {1}, heads {2}, headDim {3}")
    @CsvSource({"1, 1, 1, 1", "1, 2, 1, 3", "2, 4, 1, 4", "1, 5, 2, 8", "1, 7, 1, 5", "1, 8, 1, 16", "1, 9, 1, 17", "1, 15, 2, 12",
            "1, 16, 1, 32", "1, 17, 1, 32", "1, 21, 1, 8", "2, 33, 1, 32", "1, 41, 1, 24", "1, 63, 1, 32", "1, 64, 2, 32",
            "2, 65, 3, 32", "1, 65, 1, 40", "1, 79, 1, 32", "1, 80, 1, 16", "1, 81, 1, 32", "1, 97, 2, 20", "1, 161, 1, 32",
            "1, 200, 1, 64"})
    void vectorKernelMatchesTheScalarTwinBitForBit(int batch, int t, int heads, int hd) {
        int width = heads * hd;
        int stride = width + 3;
        float[] q = random(t * 31L + hd, 2 + batch * t * stride);
        float[] k = random(t * 37L + hd, 5 + batch * t * stride);
        float[] v = random(t * 41L + hd, 1 + batch * t * stride);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 3f; // sharper softmax rows: some e flush to 0
        }
        float[] fast = new float[4 + batch * t * stride];
        float[] slow = new float[4 + batch * t * stride];
        float scale = (float) (1 / Math.sqrt(hd));
        Attention.forward(batch, t, heads, hd, scale, q, 2, stride, k, 5, stride, v, 1, stride, fast, 4, stride);
        AttentionReference.forward(batch, t, heads, hd, scale, q, 2, stride, k, 5, stride, v, 1, stride, slow, 4, stride);
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.floatToIntBits(fast[i])).as("element %d: vector %s, scalar %s", i, fast[i], slow[i])
                    .isEqualTo(Float.floatToIntBits(slow[i]));
        }
    }

    /**
     * Rows whose scores span more than exp's range (e below 2^-126 is flushed to 0, the same in both twins), a row
     * of -inf scores (all NaN), a +inf score (NaN through inf − inf), ±0 scores: bit for bit against the scalar twin.
     */
    @Test
    void extremeScoresMatchTheScalarTwinBitForBit() {
        int t = 37;
        int hd = 4;
        float[] q = random(11, t * hd);
        float[] k = random(12, t * hd);
        float[] v = random(13, t * hd);
        for (int j = 0; j < t; j++) {
            k[j * hd] = j * 25f - 400f;  // query rows with a large q[0]: scores 100s apart
        }
        for (int c = 0; c < hd; c++) {
            q[3 * hd + c] = 0f;          // row 3: every score 0 but key 4's (0·inf: NaN)
            q[5 * hd + c] = c == 0 ? 1e6f : c == 2 ? -1f : 0f; // row 5: key 36 alone survives, key 4 scores -inf
        }
        v[36 * hd] = 0f; // row 5, column 0 is exactly 0 only if every other e is exactly 0 (flushed, not 2^-126)
        q[7 * hd + 1] = Float.NEGATIVE_INFINITY; // row 7: ±inf scores (-inf·negative k is +inf)
        k[4 * hd + 2] = Float.POSITIVE_INFINITY; // key 4: an inf score for most rows
        k[6 * hd + 3] = -0f;
        float[] fast = new float[t * hd];
        float[] slow = new float[t * hd];
        Attention.forward(1, t, 1, hd, 0.5f, q, 0, hd, k, 0, hd, v, 0, hd, fast, 0, hd);
        AttentionReference.forward(1, t, 1, hd, 0.5f, q, 0, hd, k, 0, hd, v, 0, hd, slow, 0, hd);
        int finite = 0;
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.floatToIntBits(fast[i])).as("element %d: vector %s, scalar %s", i, fast[i], slow[i])
                    .isEqualTo(Float.floatToIntBits(slow[i]));
            finite += Float.isFinite(slow[i]) ? 1 : 0;
        }
        assertThat(finite).as("finite outputs").isPositive().isLessThan(fast.length);
        assertThat(slow[5 * hd]).as("row 5, column 0").isEqualTo(0f);
    }

    @Test
    void rowsAreConvexCombinationsOfTheValues() {
        int batch = 2;
        int t = 21;
        int heads = 2;
        int hd = 20;
        int width = heads * hd;
        float[] q = random(1, batch * t * width);
        float[] k = random(2, batch * t * width);
        float[] v = new float[batch * t * width];
        java.util.Arrays.fill(v, 3.25f);
        float[] o = new float[batch * t * width];
        Attention.forward(batch, t, heads, hd, 0.5f, q, 0, width, k, 0, width, v, 0, width, o, 0, width);
        for (float x : o) {
            assertThat(x).isCloseTo(3.25f, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** o with a row stride wider than heads·hd, at an offset: the columns around each row's block stay as they were. */
    @Test
    void writesOnlyItsColumnsOfEachOutputRow() {
        int batch = 2;
        int t = 19;
        int heads = 3;
        int hd = 9; // 27 columns: the last vector of each row is partial
        int width = heads * hd;
        int oStride = width + 5;
        float[] qkv = random(3, batch * t * 3 * width);
        float[] o = new float[3 + batch * t * oStride];
        java.util.Arrays.fill(o, -7f);
        Attention.forward(batch, t, heads, hd, 0.3f, qkv, 0, 3 * width, qkv, width, 3 * width, qkv, 2 * width, 3 * width, o, 3, oStride);
        for (int i = 0; i < 3; i++) {
            assertThat(o[i]).isEqualTo(-7f);
        }
        for (int r = 0; r < batch * t; r++) {
            for (int c = width; c < oStride; c++) {
                assertThat(o[3 + r * oStride + c]).as("row %d column %d", r, c).isEqualTo(-7f);
            }
            for (int c = 0; c < width; c++) {
                assertThat(o[3 + r * oStride + c]).as("row %d column %d", r, c).isNotEqualTo(-7f);
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int batch = 8;
        int t = 65;
        int heads = 3;
        int hd = 32; // 2·8·3·65²·32 MACs: above the parallel threshold
        int width = heads * hd;
        float[] qkv = random(4, batch * t * 3 * width);
        float[] one = new float[batch * t * width];
        float[] two = new float[batch * t * width];
        Parallel.setThreads(1);
        Attention.forward(batch, t, heads, hd, 0.17f, qkv, 0, 3 * width, qkv, width, 3 * width, qkv, 2 * width, 3 * width, one, 0, width);
        Parallel.setThreads(2);
        Attention.forward(batch, t, heads, hd, 0.17f, qkv, 0, 3 * width, qkv, width, 3 * width, qkv, 2 * width, 3 * width, two, 0, width);
        assertThat(two).isEqualTo(one);
    }

    @Test
    void badArgumentsNameTheValue() {
        float[] a = new float[4 * 8];
        float[] o = new float[4 * 8];
        assertThatThrownBy(() -> Attention.forward(1, 4, 2, 4, 1f, a, 0, 6, a, 0, 8, a, 0, 8, o, 0, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q").hasMessageContaining("stride 6");
        assertThatThrownBy(() -> Attention.forward(1, 5, 2, 4, 1f, a, 0, 8, a, 0, 8, a, 0, 8, new float[40], 0, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 40 floats").hasMessageContaining("holds 32");
        assertThatThrownBy(() -> Attention.forward(1, 4, 2, 4, 1f, a, 0, 8, a, 0, 8, a, 0, 8, a, 0, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not share");
        assertThatThrownBy(() -> Attention.forward(1, 0, 2, 4, 1f, a, 0, 8, a, 0, 8, a, 0, 8, o, 0, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokens=0");
        assertThatThrownBy(() -> AttentionReference.forward(1, 4, 2, 4, 1f, a, 0, 8, a, 0, 8, a, 0, 8, o, 1, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("o needs 33 floats");
    }
}
