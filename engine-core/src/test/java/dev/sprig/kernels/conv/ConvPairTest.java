package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link Conv2d#forwardPair}: two convolutions in a row are bit for bit two
 * {@link Conv2d#forwardFused} calls through a temporary, on the shapes that run through the padded
 * buffer ({@link DirectConv2d#pairs}) and on those that fall back; and {@link ConvEpilogue#paddedVector},
 * the piece that writes the first convolution's output as the second's padded input, agrees with
 * its scalar twin and with the epilogue followed by {@link DirectConv2d#pad}.
 */
class ConvPairTest {
    private static final int DEFAULT_THREADS = Parallel.threads();
    private static final int L = KernelConfig.FLOATS.length();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    /** The first conv (from x) and the second (reading its output), and whether they take the fused path. */
    record Pair(Conv2dShape s1, Conv2dShape s2, boolean fused) {
        @Override
        public String toString() {
            return s1 + " -> " + s2 + (fused ? " (paired)" : " (fallback)");
        }
    }

    /** s2 reading s1's output with the given kernel, stride, padding, dilation and groups. */
    private static Conv2dShape next(Conv2dShape s1, int out, int k, int stride, int pad, int dil, int groups) {
        return new Conv2dShape(s1.n(), s1.outChannels(), s1.outH(), s1.outW(), out, k, k, stride, stride, pad, pad, dil, dil, groups);
    }

    private static Conv2dShape conv(int n, int in, int h, int w, int out, int k, int stride, int pad, int dil, int groups) {
        return new Conv2dShape(n, in, h, w, out, k, k, stride, stride, pad, pad, dil, dil, groups);
    }

    static Stream<Pair> pairs() {
        List<Conv2dShape> firsts = List.of(
                conv(1, 3, 32, 32, 8, 3, 1, 1, 1, 1),   // a CIFAR stem-sized block
                conv(2, 16, 16, 16, 16, 3, 1, 1, 1, 1), // ResNet-20, stage 2
                conv(3, 4, 8, 8, 8, 3, 1, 1, 1, 1),     // a pruned stage 3: rows of half a vector
                conv(2, 5, 7, 9, 6, 3, 1, 1, 1, 1),     // odd sizes
                conv(1, 2, 5, 3, 3, 5, 1, 2, 1, 1),     // 5x5, padded width below the vector length
                conv(2, 3, 9, 9, 4, 3, 1, 2, 2, 1),     // dilated "same"
                conv(2, 4, 12, 12, 8, 3, 2, 1, 1, 1),   // stride 2: falls back
                conv(1, 4, 10, 10, 4, 3, 1, 0, 1, 1),   // not "same": falls back
                conv(2, 4, 6, 6, 4, 3, 1, 1, 1, 2));    // grouped: falls back
        return firsts.stream().flatMap(s1 -> Stream.of(
                next(s1, s1.outChannels() + 3, 3, 1, 1, 1, 1),
                next(s1, 8, s1.kh(), 1, s1.padH(), s1.dilationH(), 1), // padded as s1
                next(s1, 5, 3, 1, s1.padH(), 1, 1),                    // padded as s1, another kernel: its output differs in size
                next(s1, 4, 3, 2, 1, 1, 1),                            // second conv strided: falls back
                next(s1, 6, 1, 1, 0, 1, 1))                            // second conv 1x1: falls back
                .map(s2 -> new Pair(s1, s2, DirectConv2d.pairs(s1, s2))));
    }

    @Test
    void theShapesExerciseBothPaths() {
        List<Pair> all = pairs().toList();
        assertThat(all).anyMatch(Pair::fused);
        assertThat(all).anyMatch(p -> !p.fused());
        assertThat(all.stream().filter(Pair::fused).count()).isGreaterThanOrEqualTo(10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void aPairIsTwoFusedConvolutions(Pair p) {
        Conv2dShape s1 = p.s1(), s2 = p.s2();
        float[] x = Conv2dTest.random(s1.inputSize(), 1);
        float[] w1 = Conv2dTest.random(s1.weightSize(), 2);
        float[] w2 = Conv2dTest.random(s2.weightSize(), 3);
        ConvEpilogue e1 = ConvEpilogue.affine(Conv2dTest.random(s1.outChannels(), 4), Conv2dTest.random(s1.outChannels(), 5), true);
        ConvEpilogue e2 = new ConvEpilogue(Conv2dTest.random(s2.outChannels(), 6), Conv2dTest.random(s2.outChannels(), 7),
                Conv2dTest.random(s2.outputSize(), 8), 0, true);
        ConvEpilogue e2Plain = ConvEpilogue.affine(null, Conv2dTest.random(s2.outChannels(), 9), false);
        for (ConvEpilogue[] es : new ConvEpilogue[][] {{e1, e2}, {ConvEpilogue.affine(null, null, false), e2Plain}}) {
            float[] h = new float[s1.outputSize()];
            float[] expected = new float[s2.outputSize()];
            Conv2d.forwardFused(s1, x, w1, es[0], h);
            Conv2d.forwardFused(s2, h, w2, es[1], expected);
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                float[] y = new float[s2.outputSize()];
                Arrays.fill(y, Float.NaN); // proves y is overwritten
                Conv2d.forwardPair(s1, x, w1, es[0], s2, w2, es[1], y);
                assertArrayEquals(expected, y, p + " on " + threads + " threads, relu " + es[0].relu());
            }
        }
    }

    /** The identity shortcut of a BasicBlock: the second convolution adds the pair's own input x as its residual. */
    @Test
    void theResidualMayBeTheInput() {
        Conv2dShape s1 = conv(2, 8, 16, 16, 8, 3, 1, 1, 1, 1);
        Conv2dShape s2 = next(s1, 8, 3, 1, 1, 1, 1);
        assertThat(DirectConv2d.pairs(s1, s2)).isTrue();
        float[] x = Conv2dTest.random(s1.inputSize(), 40);
        float[] w1 = Conv2dTest.random(s1.weightSize(), 41);
        float[] w2 = Conv2dTest.random(s2.weightSize(), 42);
        ConvEpilogue e1 = ConvEpilogue.affine(Conv2dTest.random(8, 43), Conv2dTest.random(8, 44), true);
        ConvEpilogue e2 = new ConvEpilogue(Conv2dTest.random(8, 45), Conv2dTest.random(8, 46), x, 0, true);
        float[] h = new float[s1.outputSize()];
        float[] expected = new float[s2.outputSize()];
        Conv2d.forwardFused(s1, x, w1, e1, h);
        Conv2d.forwardFused(s2, h, w2, e2, expected);
        float[] before = x.clone();
        float[] y = new float[s2.outputSize()];
        Conv2d.forwardPair(s1, x, w1, e1, s2, w2, e2, y);
        assertArrayEquals(expected, y);
        assertArrayEquals(before, x, "x is only read");
    }

    /** Junk in the padded-width accumulator (NaN, infinities) never reaches the border, which must be exact zeros. */
    @Test
    void paddedTwinsAgreeAndTheBorderIsZero() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, -0f};
        for (int[] hw : new int[][] {{1, 1}, {3, 5}, {8, 8}, {4, L - 1}, {2, L}, {5, L + 3}, {7, 2 * L + 1}, {16, 16}, {32, 32}}) {
            for (int[] pads : new int[][] {{1, 1}, {0, 1}, {2, 2}, {1, 3}}) {
                int h = hw[0], w = hw[1], ph = pads[0], pw = pads[1];
                int wp = w + 2 * pw;
                int plane = (h + 2 * ph) * wp;
                int q = (h - 1) * wp + w;
                float[] acc = Conv2dTest.random(3 + q + wp, h * 31L + w + ph);
                for (int j = 0; j < q + wp; j++) {
                    if (j % wp >= w) {
                        acc[3 + j] = specials[j % specials.length]; // the junk columns
                    }
                }
                for (boolean relu : new boolean[] {false, true}) {
                    float[] v = new float[5 + plane + 2];
                    float[] sc = new float[5 + plane + 2];
                    Arrays.fill(v, 99f);
                    Arrays.fill(sc, 99f);
                    ConvEpilogue.paddedVector(acc, 3, 0.75f, -0.25f, relu, ConvEpilogue.interior(w, wp), v, 5, h, w, ph, pw);
                    ConvEpilogue.paddedScalar(acc, 3, 0.75f, -0.25f, relu, sc, 5, h, w, ph, pw);
                    String what = h + "x" + w + " pad " + ph + "x" + pw + " relu " + relu;
                    assertArrayEquals(sc, v, what);
                    // The epilogue into a plain plane, then padded as the direct path pads its input.
                    float[] rows = new float[h * w];
                    ConvEpilogue.rowsScalar(acc, 3, wp, 0.75f, -0.25f, null, 0, relu, rows, 0, h, w);
                    float[] want = new float[plane];
                    DirectConv2d.pad(rows, 0, 1, h, w, ph, pw, want);
                    for (int i = 0; i < plane; i++) {
                        assertThat(Float.floatToIntBits(v[5 + i])).as("%s cell %d", what, i).isEqualTo(Float.floatToIntBits(want[i]));
                    }
                    for (int i : new int[] {0, 4, 5 + plane, v.length - 1}) {
                        assertThat(v[i]).as("%s, element %d outside the plane", what, i).isEqualTo(99f);
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        Conv2dShape s1 = conv(1, 2, 6, 6, 3, 3, 1, 1, 1, 1);
        Conv2dShape s2 = next(s1, 4, 3, 1, 1, 1, 1);
        float[] x = new float[s1.inputSize()];
        float[] w1 = new float[s1.weightSize()];
        float[] w2 = new float[s2.weightSize()];
        float[] y = new float[s2.outputSize()];
        ConvEpilogue none = ConvEpilogue.affine(null, null, false);
        Conv2dShape wrong = conv(1, 5, 6, 6, 4, 3, 1, 1, 1, 1);
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, w1, none, wrong, new float[wrong.weightSize()], none, y))
                .hasMessageContaining("must read the first's output [1, 3, 6, 6]").hasMessageContaining("got input [1, 5, 6, 6]");
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, w1, new ConvEpilogue(null, null, new float[s1.outputSize()], 0, false), s2, w2, none, y))
                .hasMessageContaining("must not add a residual");
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, w1, null, s2, w2, none, y)).hasMessageContaining("non-null");
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, new float[3], none, s2, w2, none, y)).hasMessageContaining("w1.length=3");
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, w1, none, s2, w2, none, new float[2])).hasMessageContaining("y.length=2");
        assertThatThrownBy(() -> Conv2d.forwardPair(s1, x, w1, none, s2, w2, new ConvEpilogue(null, null, y, 0, false), y))
                .hasMessageContaining("must not be the output array");
    }
}
