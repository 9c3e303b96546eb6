package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@link Conv2d#forwardFused}: its epilogue kernel's twins agree, and on every shape of
 * {@link Conv2dTest#shapes} and every combination of epilogue parts the fused forward is bit for
 * bit the plain forward followed by the epilogue as a separate scalar pass.
 */
class ConvEpilogueTest {
    private static final int DEFAULT_THREADS = Parallel.threads();
    private static final int L = KernelConfig.FLOATS.length();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    /** Which parts of the epilogue are present: all 16 combinations. */
    record Parts(boolean scale, boolean shift, boolean residual, boolean relu) {
        static Stream<Parts> all() {
            return Stream.iterate(0, m -> m < 16, m -> m + 1)
                    .map(m -> new Parts((m & 1) != 0, (m & 2) != 0, (m & 4) != 0, (m & 8) != 0));
        }

        ConvEpilogue make(Conv2dShape s, long seed) {
            return new ConvEpilogue(scale ? Conv2dTest.random(s.outChannels(), seed) : null, shift ? Conv2dTest.random(s.outChannels(), seed + 1) : null,
                    residual ? Conv2dTest.random(s.outputSize(), seed + 2) : null, 0, relu);
        }
    }

    static Stream<Object[]> shapesAndParts() {
        return Conv2dTest.shapes().stream().flatMap(s -> Parts.all().map(p -> new Object[] {s, p}));
    }

    /** The plain bias-free forward, then the epilogue plane by plane with the scalar twin: what the fused forward must equal. */
    private static float[] unfused(Conv2dShape s, float[] x, float[] w, ConvEpilogue e) {
        float[] y = new float[s.outputSize()];
        Conv2d.forward(s, x, w, null, y);
        int p = s.outH() * s.outW();
        for (int q = 0; q < s.n() * s.outChannels(); q++) {
            int c = q % s.outChannels();
            ConvEpilogue.applyScalar(y, q * p, e.scaleAt(c), e.shiftAt(c), e.residual(), q * p, e.relu(), y, q * p, p);
        }
        return y;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapesAndParts")
    void fusedForwardIsThePlainForwardThenTheEpilogue(Conv2dShape s, Parts parts) {
        float[] x = Conv2dTest.random(s.inputSize(), 1);
        float[] w = Conv2dTest.random(s.weightSize(), 2);
        ConvEpilogue e = parts.make(s, 3);
        float[] expected = unfused(s, x, w, e);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            float[] y = new float[s.outputSize()];
            Arrays.fill(y, Float.NaN); // proves y is overwritten
            Conv2d.forwardFused(s, x, w, e, y);
            assertArrayEquals(expected, y, "fused vs plain + epilogue on " + threads + " threads, " + s + " " + parts);
        }
    }

    /** Against the scalar reference convolution too, so the oracle above is not only the fast kernel checking itself. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.sprig.kernels.conv.Conv2dTest#shapeStream")
    void fusedForwardMatchesTheReference(Conv2dShape s) {
        float[] x = Conv2dTest.random(s.inputSize(), 4);
        float[] w = Conv2dTest.random(s.weightSize(), 5);
        float[] scale = Conv2dTest.random(s.outChannels(), 6);
        float[] shift = Conv2dTest.random(s.outChannels(), 7);
        float[] res = Conv2dTest.random(s.outputSize(), 8);
        float[] expected = new float[s.outputSize()];
        Conv2dReference.forward(s, x, 0, w, 0, null, 0, expected, 0);
        int p = s.outH() * s.outW();
        for (int i = 0; i < expected.length; i++) {
            int c = (i / p) % s.outChannels();
            expected[i] = Math.max(0f, expected[i] * scale[c] + shift[c] + res[i]);
        }
        float[] y = new float[s.outputSize()];
        Conv2d.forwardFused(s, x, w, new ConvEpilogue(scale, shift, res, 0, true), y);
        float tol = 2e-6f * (s.patchSize() + 1) + 1e-5f;
        for (int i = 0; i < y.length; i++) {
            assertThat(Math.abs(y[i] - expected[i])).as("element %d of %s: %s vs %s", i, s, y[i], expected[i])
                    .isLessThanOrEqualTo(tol);
        }
    }

    /**
     * With only a shift, the fused forward is the plain forward with that shift as bias, bit for bit
     * (fma(x, 1, b) = x + b), except depthwise and the scalar reference: those start each sum at
     * the bias.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.sprig.kernels.conv.Conv2dTest#shapeStream")
    void aShiftAloneIsTheBias(Conv2dShape s) {
        assumeFalse(KernelConfig.SCALAR, "the scalar reference adds the bias first");
        if (s.isDepthwise()) {
            return;
        }
        float[] x = Conv2dTest.random(s.inputSize(), 9);
        float[] w = Conv2dTest.random(s.weightSize(), 10);
        float[] b = Conv2dTest.random(s.outChannels(), 11);
        float[] plain = new float[s.outputSize()];
        float[] fused = new float[s.outputSize()];
        Conv2d.forward(s, x, w, b, plain);
        Conv2d.forwardFused(s, x, w, ConvEpilogue.affine(null, b, false), fused);
        assertArrayEquals(plain, fused, "plain with bias vs fused with shift, " + s);
    }

    /** The direct path's epilogues (row by row after the buffered GEMM, or in the GEMM's store by whole output rows) and the im2col path's plane-wise one agree bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.sprig.kernels.conv.Conv2dTest#shapeStream")
    void directAndIm2colEpiloguesAgree(Conv2dShape s) {
        if (!DirectConv2d.applies(s)) {
            return;
        }
        float[] x = Conv2dTest.random(s.inputSize(), 12);
        float[] w = Conv2dTest.random(s.weightSize(), 13);
        ConvEpilogue e = new Parts(true, true, true, true).make(s, 14);
        for (int threads : new int[] {1, 2}) {
            // The buffered path (weights packed), and the whole-output-rows path where the shape allows it.
            for (boolean fused : new boolean[] {false, true}) {
                float[] viaIm2col = new float[s.outputSize()];
                float[] viaDirect = new float[s.outputSize()];
                DirectConv2d.Plan plan = DirectConv2d.plan(s, w, 0, fused);
                for (int i = 0; i < s.n(); i++) {
                    Conv2d.im2colForwardImage(s, i, x, 0, w, 0, null, 0, e, viaIm2col, 0, threads);
                    DirectConv2d.forwardImage(s, plan, i, x, 0, null, 0, e, viaDirect, 0, threads);
                }
                assertArrayEquals(viaIm2col, viaDirect, "direct (" + (plan.rows() != null ? "by rows" : "buffered")
                        + ") vs im2col epilogue on " + threads + " threads, " + s);
            }
        }
    }

    @Test
    void honoursOffsets() {
        Conv2dShape s = new Conv2dShape(2, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = Conv2dTest.random(s.inputSize(), 15);
        float[] w = Conv2dTest.random(s.weightSize(), 16);
        ConvEpilogue e = new Parts(true, true, true, true).make(s, 17);
        float[] expected = unfused(s, x, w, e);
        float[] xo = new float[5 + x.length];
        float[] wo = new float[3 + w.length];
        float[] ro = new float[7 + s.outputSize()];
        float[] yo = new float[11 + s.outputSize()];
        System.arraycopy(x, 0, xo, 5, x.length);
        System.arraycopy(w, 0, wo, 3, w.length);
        System.arraycopy(e.residual(), 0, ro, 7, s.outputSize());
        Conv2d.forwardFused(s, xo, 5, wo, 3, new ConvEpilogue(e.scale(), e.shift(), ro, 7, true), yo, 11);
        assertArrayEquals(expected, Arrays.copyOfRange(yo, 11, yo.length));
    }

    /** Lengths around the vector width, every part on and off, special values included. */
    @Test
    void vectorAndScalarTwinsAgree() {
        Random r = new Random(18);
        int[] lengths = {0, 1, L - 1, L, L + 1, 2 * L + 3, 3 * L - 1, 100};
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE};
        for (int n : lengths) {
            float[] acc = new float[n + 3];
            float[] res = new float[n + 2];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = i % 5 == 4 ? specials[r.nextInt(specials.length)] : (float) r.nextGaussian();
            }
            for (int i = 0; i < res.length; i++) {
                res[i] = i % 7 == 6 ? specials[r.nextInt(specials.length)] : (float) r.nextGaussian();
            }
            for (float[] scaleShift : new float[][] {{1f, 0f}, {0.7f, -0.3f}, {-2.5f, 1.25f}, {0f, -0f}}) {
                for (boolean withRes : new boolean[] {false, true}) {
                    for (boolean relu : new boolean[] {false, true}) {
                        float[] v = new float[n + 4];
                        float[] sc = new float[n + 4];
                        float[] rr = withRes ? res : null;
                        ConvEpilogue.applyVector(acc, 3, scaleShift[0], scaleShift[1], rr, 2, relu, v, 4, n);
                        ConvEpilogue.applyScalar(acc, 3, scaleShift[0], scaleShift[1], rr, 2, relu, sc, 4, n);
                        String what = "n=" + n + " scale/shift=" + Arrays.toString(scaleShift) + " residual=" + withRes + " relu=" + relu;
                        assertArrayEquals(sc, v, what);
                        for (int i = 0; i < n; i++) {
                            float want = Math.fma(acc[3 + i], scaleShift[0], scaleShift[1]);
                            if (withRes) {
                                want += res[2 + i]; // without a residual nothing is added (+0 would turn -0 into +0)
                            }
                            want = relu ? Math.max(want, 0f) : want;
                            assertThat(Float.floatToIntBits(sc[4 + i])).as("%s element %d", what, i)
                                    .isEqualTo(Float.floatToIntBits(want));
                        }
                    }
                }
            }
        }
    }

    /**
     * The per-channel block the conv paths call: rows on a padded accumulator stride (the direct
     * path; partial vectors are written whole into later rows) or contiguous and in place (im2col).
     * Bit-identical to the scalar twin, and nothing outside the block's rows of y is written.
     */
    @Test
    void rowBlocksMatchTheScalarTwinAndStayInsideTheBlock() {
        for (int cols : new int[] {1, 3, 8, L - 1, L, L + 1, 2 * L + 5}) {
            for (int rows : new int[] {1, 2, 5}) {
                for (int pad : new int[] {0, 2, L + 1}) {
                    int stride = cols + pad;
                    float[] acc = Conv2dTest.random(7 + rows * stride + L, cols * 31L + rows + pad);
                    float[] res = Conv2dTest.random(5 + rows * cols, cols + 7L * rows);
                    for (boolean withRes : new boolean[] {false, true}) {
                        float[] rr = withRes ? res : null;
                        float[] v = new float[3 + rows * cols + 4];
                        float[] sc = new float[3 + rows * cols + 4];
                        Arrays.fill(v, 99f);
                        Arrays.fill(sc, 99f);
                        ConvEpilogue.rowsVector(acc, 7, stride, 0.75f, -0.5f, rr, 5, true, v, 3, rows, cols);
                        ConvEpilogue.rowsScalar(acc, 7, stride, 0.75f, -0.5f, rr, 5, true, sc, 3, rows, cols);
                        String what = "rows=" + rows + " cols=" + cols + " stride=" + stride + " residual=" + withRes;
                        assertArrayEquals(sc, v, what);
                        for (int i : new int[] {0, 1, 2, 3 + rows * cols, v.length - 1}) {
                            assertThat(v[i]).as("%s, element %d outside the block", what, i).isEqualTo(99f);
                        }
                    }
                    // in place, rows contiguous in the accumulator (the im2col path)
                    float[] inPlace = Conv2dTest.random(rows * cols, cols + rows);
                    float[] want = inPlace.clone();
                    ConvEpilogue.rowsScalar(want, 0, cols, 1.5f, 0.25f, null, 0, false, want, 0, rows, cols);
                    ConvEpilogue.rowsVector(inPlace, 0, cols, 1.5f, 0.25f, null, 0, false, inPlace, 0, rows, cols);
                    assertArrayEquals(want, inPlace, "in place, rows=" + rows + " cols=" + cols);
                }
            }
        }
    }

    @Test
    void reluGivesPositiveZeroAndKeepsNaN() {
        float[] acc = {-0f, -3f, Float.NaN, 2f};
        float[] y = new float[4];
        ConvEpilogue.applyVector(acc, 0, 1f, 0f, null, 0, true, y, 0, 4);
        assertThat(Float.floatToIntBits(y[0])).isEqualTo(Float.floatToIntBits(0f));
        assertThat(y[1]).isEqualTo(0f);
        assertThat(y[2]).isNaN();
        assertThat(y[3]).isEqualTo(2f);
    }

    @Test
    void rejectsBadArguments() {
        Conv2dShape s = new Conv2dShape(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = new float[s.inputSize()];
        float[] w = new float[s.weightSize()];
        float[] y = new float[s.outputSize()];
        assertThatThrownBy(() -> Conv2d.forwardFused(s, x, w, null, y)).hasMessageContaining("epilogue must not be null");
        assertThatThrownBy(() -> Conv2d.forwardFused(s, x, w, ConvEpilogue.affine(new float[2], null, false), y))
                .hasMessageContaining("scale.length=2").hasMessageContaining("outChannels=3");
        assertThatThrownBy(() -> Conv2d.forwardFused(s, x, w, ConvEpilogue.affine(null, new float[1], false), y))
                .hasMessageContaining("shift.length=1");
        assertThatThrownBy(() -> Conv2d.forwardFused(s, x, w, new ConvEpilogue(null, null, new float[s.outputSize() - 1], 0, false), y))
                .hasMessageContaining("residual.length=" + (s.outputSize() - 1)).hasMessageContaining("n*outChannels*outH*outW=" + s.outputSize());
        assertThatThrownBy(() -> Conv2d.forwardFused(s, x, w, new ConvEpilogue(null, null, y, 0, false), y))
                .hasMessageContaining("must not be the output array");
        assertThatThrownBy(() -> ConvEpilogue.applyVector(new float[4], 0, 1f, 0f, new float[3], 0, false, new float[4], 0, 4))
                .hasMessageContaining("residual.length=3");
    }
}
