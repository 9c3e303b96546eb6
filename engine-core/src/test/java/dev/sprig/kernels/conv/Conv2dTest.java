package dev.sprig.kernels.conv;

import dev.sprig.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** {@link Conv2d} against {@link Conv2dReference}, the adjoint identities, thread determinism and validation. */
class Conv2dTest {
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    private static Conv2dShape shape(int n, int inC, int h, int w, int outC, int kh, int kw, int sh, int sw,
                                     int ph, int pw, int dh, int dw, int groups) {
        return new Conv2dShape(n, inC, h, w, outC, kh, kw, sh, sw, ph, pw, dh, dw, groups);
    }

    /** Awkward shapes: every kernel size, stride, padding, dilation, group kind, odd channel counts, 1x1 outputs. */
    static List<Conv2dShape> shapes() {
        return List.of(
                shape(1, 1, 5, 5, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1),      // pointwise, single channel
                shape(3, 3, 7, 9, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1),      // pointwise, batch 3, non-square
                shape(2, 3, 8, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // 3x3 same padding
                shape(3, 7, 9, 17, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1),     // stride 2, width 17 = lanes + 1
                shape(1, 17, 6, 5, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1),     // 5x5 pad 2, 17 channels
                shape(2, 4, 7, 11, 6, 1, 3, 1, 1, 0, 1, 1, 1, 2),     // 1x3, groups 2
                shape(1, 6, 10, 10, 4, 3, 3, 3, 3, 0, 0, 1, 1, 2),    // stride 3, groups 2
                shape(2, 3, 9, 9, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1),      // dilation 2
                shape(2, 1, 16, 16, 1, 3, 3, 1, 1, 1, 1, 2, 1, 1),    // vertical dilation only, width 16 = lanes
                shape(3, 7, 17, 15, 7, 3, 3, 1, 1, 1, 1, 1, 1, 7),    // depthwise 3x3, width 15 = lanes - 1
                shape(2, 5, 12, 9, 5, 5, 5, 2, 2, 2, 2, 1, 1, 5),     // depthwise 5x5 stride 2
                shape(1, 3, 11, 13, 3, 3, 3, 1, 1, 2, 2, 2, 2, 3),    // depthwise dilated
                shape(1, 2, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2),      // channel multiplier 2 (GEMM path)
                shape(1, 3, 5, 5, 4, 5, 5, 1, 1, 0, 0, 1, 1, 1),      // output 1x1
                shape(1, 2, 3, 3, 3, 3, 3, 2, 2, 0, 0, 1, 1, 1),      // output 1x1, stride 2
                shape(1, 3, 33, 17, 2, 3, 1, 1, 2, 1, 0, 1, 1, 1),    // 3x1, mixed strides
                shape(1, 4, 6, 6, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1),      // 1x1 stride 2 (lowered)
                shape(1, 4, 6, 6, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1),      // 1x1 pad 1 (lowered)
                shape(3, 16, 10, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // small ResNet block
                shape(1, 8, 37, 31, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8),    // depthwise, primes
                shape(2, 3, 1, 7, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // height 1: kernel rows entirely in padding
                shape(1, 2, 6, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // width 1: kernel columns entirely in padding
                shape(2, 5, 20, 37, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // direct path: odd channels, full and edge column tiles
                shape(1, 40, 9, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // direct path: K = 360, two K slices; 9 rows
                shape(2, 4, 32, 32, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // direct path: a pruned ResNet-20 layer
                shape(2, 6, 12, 30, 4, 3, 3, 1, 1, 0, 0, 1, 1, 2),    // direct path without padding (reads x in place), groups 2
                shape(2, 16, 32, 32, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1),   // direct path, stride 2: a ResNet down-sampling layer
                shape(2, 3, 13, 14, 5, 3, 3, 2, 3, 2, 1, 2, 2, 1),    // direct path: strides 2x3 with dilation 2
                shape(2, 5, 16, 16, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),    // whole-row tiles (16 wide): 6 channels, 2 from the packed tail
                shape(1, 4, 16, 32, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2),    // whole-row tiles, groups 2
                shape(1, 3, 18, 18, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1),    // whole-row tiles reading x in place
                shape(1, 32, 16, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // 16 wide but K = 288, two slices: the buffered path
                shape(1, 4, 6, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),     // 6 rows of 16: not whole tiles of four vectors
                shape(2, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),      // rows of 8 (half a 16-lane vector), two to a vector
                shape(1, 4, 16, 16, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1),    // stride 2 down to 8 x 8: half rows from the phase planes
                shape(0, 2, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1));     // empty batch
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Conv2dShape s : shapes()) {
            out.add(Arguments.of(s, true));
            out.add(Arguments.of(s, false));
        }
        return out.stream();
    }

    static Stream<Conv2dShape> shapeStream() {
        return shapes().stream();
    }

    /** Uniform [-1, 1) values from {@code seed}; shared with the other conv kernel tests of this package. */
    static float[] random(int size, long seed) {
        Random r = new Random(seed);
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = r.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /** Elementwise |a - b| <= tol, with tol growing with the reduction length (values are in [-1, 1]). */
    private static void assertClose(float[] expected, float[] actual, int reductionLength, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        float tol = 2e-6f * (reductionLength + 1) + 1e-6f;
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " but was "
                        + actual[i] + " (tol " + tol + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("cases")
    void forwardMatchesReference(Conv2dShape s, boolean withBias) {
        float[] x = random(s.inputSize(), 1);
        float[] w = random(s.weightSize(), 2);
        float[] b = withBias ? random(s.outChannels(), 3) : null;
        float[] expected = new float[s.outputSize()];
        float[] actual = new float[s.outputSize()];
        java.util.Arrays.fill(actual, Float.NaN); // proves y is overwritten
        Conv2dReference.forward(s, x, 0, w, 0, b, 0, expected, 0);
        Conv2d.forward(s, x, w, b, actual);
        assertClose(expected, actual, s.patchSize(), "forward " + s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeStream")
    void backwardsMatchReference(Conv2dShape s) {
        float[] x = random(s.inputSize(), 4);
        float[] w = random(s.weightSize(), 5);
        float[] dy = random(s.outputSize(), 6);

        float[] dxRef = new float[s.inputSize()];
        float[] dx = nan(s.inputSize());
        Conv2dReference.backwardInput(s, dy, 0, w, 0, dxRef, 0);
        Conv2d.backwardInput(s, dy, w, dx);
        assertClose(dxRef, dx, s.outPerGroup() * s.kh() * s.kw(), "backwardInput " + s);

        float[] dwRef = new float[s.weightSize()];
        float[] dw = nan(s.weightSize());
        Conv2dReference.backwardWeight(s, x, 0, dy, 0, dwRef, 0);
        Conv2d.backwardWeight(s, x, dy, dw);
        assertClose(dwRef, dw, s.n() * s.outH() * s.outW(), "backwardWeight " + s);

        float[] dbRef = new float[s.outChannels()];
        float[] db = nan(s.outChannels());
        Conv2dReference.backwardBias(s, dy, 0, dbRef, 0);
        Conv2d.backwardBias(s, dy, db);
        assertClose(dbRef, db, s.n() * s.outH() * s.outW(), "backwardBias " + s);
    }

    private static float[] nan(int size) {
        float[] a = new float[size];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double absDot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs((double) a[i] * b[i]);
        }
        return s;
    }

    /**
     * {@code <conv(x, w), dy> == <x, backwardInput(dy, w)> == <w, backwardWeight(x, dy)>}: the
     * convolution is bilinear, so both backward passes are its adjoints. Checked for the
     * references (which validates the oracle itself) and for the fast kernels.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeStream")
    void adjointIdentity(Conv2dShape s) {
        float[] x = random(s.inputSize(), 7);
        float[] w = random(s.weightSize(), 8);
        float[] dy = random(s.outputSize(), 9);
        for (boolean reference : new boolean[] {true, false}) {
            float[] y = new float[s.outputSize()];
            float[] dx = new float[s.inputSize()];
            float[] dw = new float[s.weightSize()];
            if (reference) {
                Conv2dReference.forward(s, x, 0, w, 0, null, 0, y, 0);
                Conv2dReference.backwardInput(s, dy, 0, w, 0, dx, 0);
                Conv2dReference.backwardWeight(s, x, 0, dy, 0, dw, 0);
            } else {
                Conv2d.forward(s, x, w, null, y);
                Conv2d.backwardInput(s, dy, w, dx);
                Conv2d.backwardWeight(s, x, dy, dw);
            }
            double viaY = dot(y, dy);
            double viaX = dot(x, dx);
            double viaW = dot(w, dw);
            double scale = 1e-5 * (1 + absDot(y, dy) + absDot(x, dx) + absDot(w, dw));
            assertThat(viaX).as("<x, dX> vs <y, dY> reference=%s %s", reference, s).isCloseTo(viaY, org.assertj.core.data.Offset.offset(scale));
            assertThat(viaW).as("<w, dW> vs <y, dY> reference=%s %s", reference, s).isCloseTo(viaY, org.assertj.core.data.Offset.offset(scale));
        }
    }

    /**
     * The direct forward ({@link DirectConv2d}) and im2col + GEMM compute every output
     * element by the same sum in the same order, so they agree bit for bit, on one thread and on
     * several (the direct GEMM then splits its columns).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeStream")
    void directForwardIsBitIdenticalToIm2col(Conv2dShape s) {
        boolean direct = !s.isDepthwise() && s.kh() * s.kw() > 1;
        assertThat(DirectConv2d.applies(s)).as("direct path for " + s).isEqualTo(direct);
        if (!direct) {
            return;
        }
        float[] x = random(s.inputSize(), 21);
        float[] w = random(s.weightSize(), 22);
        float[] b = random(s.outChannels(), 23);
        for (int threads : new int[] {1, 2}) {
            float[] viaIm2col = new float[s.outputSize()];
            float[] viaDirect = new float[s.outputSize()];
            java.util.Arrays.fill(viaDirect, Float.NaN);
            for (int i = 0; i < s.n(); i++) {
                Conv2d.im2colForwardImage(s, i, x, 0, w, 0, b, 0, viaIm2col, 0, threads);
                DirectConv2d.forwardImage(s, DirectConv2d.plan(s, w, 0), i, x, 0, b, 0, viaDirect, 0, threads);
            }
            assertArrayEquals(viaIm2col, viaDirect, "direct vs im2col on " + threads + " threads, " + s);
        }
    }

    /** A shape whose phase planes would not fit in an array keeps the im2col path (whose buffer the shape checks). */
    @Test
    void directPathNeedsItsBuffersToFit() {
        Conv2dShape small = shape(1, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertThat(DirectConv2d.buffersFit(small)).isTrue();
        // stride 8 on a 2x2 kernel with wide padding: 64 channels of 6001 x 6001 padded planes
        // (2.3e9 floats) against a column matrix of 64 * 4 * 750 * 750 (1.4e8)
        Conv2dShape strided = shape(1, 64, 1, 1, 1, 2, 2, 8, 8, 3000, 3000, 1, 1, 1);
        assertThat(DirectConv2d.buffersFit(strided)).isFalse();
        assertThat(DirectConv2d.applies(strided)).isFalse();
    }

    /** The padded planes: the input in the middle, zeros on every border, whatever the buffer held before. */
    @Test
    void padSurroundsEachPlaneWithZeros() {
        int c = 2, h = 3, w = 4, ph = 2, pw = 1;
        float[] x = random(c * h * w, 5);
        float[] pad = new float[c * (h + 2 * ph) * (w + 2 * pw)];
        java.util.Arrays.fill(pad, Float.NaN);
        DirectConv2d.pad(x, 0, c, h, w, ph, pw, pad);
        int wp = w + 2 * pw;
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < h + 2 * ph; r++) {
                for (int col = 0; col < wp; col++) {
                    int ir = r - ph, ic = col - pw;
                    float expected = ir >= 0 && ir < h && ic >= 0 && ic < w ? x[(ch * h + ir) * w + ic] : 0f;
                    assertThat(pad[(ch * (h + 2 * ph) + r) * wp + col]).as("channel %d row %d col %d", ch, r, col)
                            .isEqualTo(expected);
                }
            }
        }
    }

    /** The phase planes of a strided convolution hold padded[r·sh + a, col·sw + b], zero outside the input. */
    @Test
    void phasesSplitThePaddedPlanes() {
        for (Conv2dShape s : List.of(shape(1, 2, 7, 9, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                shape(1, 1, 40, 37, 1, 3, 3, 3, 2, 2, 1, 1, 1, 1),
                shape(1, 3, 8, 8, 1, 3, 3, 2, 2, 0, 0, 1, 1, 1))) {
            int sh = s.strideH(), sw = s.strideW();
            int hph = (s.h() + 2 * s.padH() + sh - 1) / sh, wph = (s.w() + 2 * s.padW() + sw - 1) / sw;
            float[] x = random(s.inputSize(), 31);
            float[] dst = new float[s.inChannels() * sh * sw * hph * wph];
            java.util.Arrays.fill(dst, Float.NaN);
            DirectConv2d.phases(s, x, 0, s.inChannels(), dst);
            int d = 0;
            for (int ch = 0; ch < s.inChannels(); ch++) {
                for (int a = 0; a < sh; a++) {
                    for (int b = 0; b < sw; b++) {
                        for (int r = 0; r < hph; r++) {
                            for (int col = 0; col < wph; col++, d++) {
                                int ir = r * sh + a - s.padH(), ic = col * sw + b - s.padW();
                                float expected = ir >= 0 && ir < s.h() && ic >= 0 && ic < s.w()
                                        ? x[(ch * s.h() + ir) * s.w() + ic] : 0f;
                                assertThat(dst[d]).as("%s channel %d phase (%d, %d) row %d col %d", s, ch, a, b, r, col)
                                        .isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }

    /** All four kernels give bit-identical results on 1, 2 and 3 threads. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeStream")
    void bitIdenticalAcrossThreadCounts(Conv2dShape s) {
        float[] x = random(s.inputSize(), 10);
        float[] w = random(s.weightSize(), 11);
        float[] b = random(s.outChannels(), 12);
        float[] dy = random(s.outputSize(), 13);
        float[][] first = null;
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            float[][] r = {new float[s.outputSize()], new float[s.inputSize()], new float[s.weightSize()],
                    new float[s.outChannels()]};
            Conv2d.forward(s, x, w, b, r[0]);
            Conv2d.backwardInput(s, dy, w, r[1]);
            Conv2d.backwardWeight(s, x, dy, r[2]);
            Conv2d.backwardBias(s, dy, r[3]);
            if (first == null) {
                first = r;
            } else {
                for (int k = 0; k < r.length; k++) {
                    assertArrayEquals(first[k], r[k], "output " + k + " on " + threads + " threads, " + s);
                }
            }
        }
    }

    /** backwardWeight over several image chunks (accumulated with beta = 1) matches the reference and is thread-independent. */
    @Test
    void backwardWeightChunksMatchReference() {
        for (Conv2dShape s : List.of(shape(5, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                shape(4, 4, 5, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2))) {
            float[] x = random(s.inputSize(), 14);
            float[] dy = random(s.outputSize(), 15);
            float[] dwRef = new float[s.weightSize()];
            Conv2dReference.backwardWeight(s, x, 0, dy, 0, dwRef, 0);
            for (int chunk = 1; chunk <= s.n(); chunk++) {
                float[] single = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] dw = nan(s.weightSize());
                    Conv2d.backwardWeightGemm(s, x, 0, dy, 0, dw, 0, chunk);
                    assertClose(dwRef, dw, s.n() * s.outH() * s.outW(), "chunk=" + chunk + " " + s);
                    if (single == null) {
                        single = dw;
                    } else {
                        assertArrayEquals(single, dw, "chunk=" + chunk + " threads=" + threads);
                    }
                }
            }
        }
    }

    /** Offsets: data placed after a prefix is read and written only there. */
    @Test
    void honoursOffsets() {
        Conv2dShape s = shape(2, 4, 6, 7, 3, 3, 3, 1, 2, 1, 1, 1, 1, 1);
        int off = 5;
        float[] x = random(s.inputSize() + off, 16);
        float[] w = random(s.weightSize() + off, 17);
        float[] b = random(s.outChannels() + off, 18);
        float[] dy = random(s.outputSize() + off, 19);
        float[] yRef = new float[s.outputSize() + off];
        float[] y = new float[s.outputSize() + off];
        Conv2dReference.forward(s, x, off, w, off, b, off, yRef, off);
        Conv2d.forward(s, x, off, w, off, b, off, y, off);
        assertClose(yRef, y, s.patchSize(), "forward with offsets");
        float[] dxRef = new float[s.inputSize() + off];
        float[] dx = new float[s.inputSize() + off];
        Conv2dReference.backwardInput(s, dy, off, w, off, dxRef, off);
        Conv2d.backwardInput(s, dy, off, w, off, dx, off);
        assertClose(dxRef, dx, s.outChannels() * 9, "backwardInput with offsets");
        float[] dwRef = new float[s.weightSize() + off];
        float[] dw = new float[s.weightSize() + off];
        Conv2dReference.backwardWeight(s, x, off, dy, off, dwRef, off);
        Conv2d.backwardWeight(s, x, off, dy, off, dw, off);
        assertClose(dwRef, dw, s.n() * s.outH() * s.outW(), "backwardWeight with offsets");
        float[] dbRef = new float[s.outChannels() + off];
        float[] db = new float[s.outChannels() + off];
        Conv2dReference.backwardBias(s, dy, off, dbRef, off);
        Conv2d.backwardBias(s, dy, off, db, off);
        assertClose(dbRef, db, s.n() * s.outH() * s.outW(), "backwardBias with offsets");
        for (float[] a : new float[][] {y, dx, dw, db}) {
            for (int i = 0; i < off; i++) {
                assertThat(a[i]).as("prefix element %d", i).isZero();
            }
        }
    }

    @Test
    void derivedSizesFollowPytorch() {
        Conv2dShape s = shape(2, 6, 32, 30, 8, 3, 5, 2, 3, 1, 2, 2, 1, 2);
        assertThat(s.outH()).isEqualTo((32 + 2 - 2 * 2 - 1) / 2 + 1);
        assertThat(s.outW()).isEqualTo((30 + 4 - 1 * 4 - 1) / 3 + 1);
        assertThat(s.flops()).isEqualTo(2L * 2 * 8 * s.outH() * s.outW() * 3 * 3 * 5);
        assertThat(Conv2dShape.of(1, 3, 8, 8, 4, 3, 1, 1).outH()).isEqualTo(8);
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> shape(1, 6, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("conv2d: inChannels=6 is not divisible by groups=4");
        assertThatThrownBy(() -> shape(1, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 4))
                .hasMessage("conv2d: outChannels=6 is not divisible by groups=4");
        assertThatThrownBy(() -> shape(1, 1, 4, 4, 1, 7, 3, 1, 1, 1, 1, 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel 7x3 (dilated 7x3) is bigger than the padded input 6x6");
        assertThatThrownBy(() -> shape(1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0, 3, 1, 1))
                .hasMessageContaining("(dilated 7x3) is bigger than the padded input 4x4");
        assertThatThrownBy(() -> shape(1, 1, 4, 4, 1, 3, 3, 0, 1, 1, 1, 1, 1, 1))
                .hasMessage("conv2d: strideH=0 must be >= 1");
        assertThatThrownBy(() -> shape(1, 1, 4, 4, 1, 3, 3, 1, -2, 1, 1, 1, 1, 1))
                .hasMessage("conv2d: strideW=-2 must be >= 1");
        assertThatThrownBy(() -> shape(1, 1, 4, 4, 1, 3, 3, 1, 1, -1, 1, 1, 1, 1))
                .hasMessage("conv2d: padH=-1 must be >= 0");
        assertThatThrownBy(() -> shape(1, 0, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1))
                .hasMessage("conv2d: inChannels=0 must be >= 1");
    }

    @Test
    void rejectsShortArrays() {
        Conv2dShape s = shape(2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = new float[s.inputSize()];
        float[] w = new float[s.weightSize()];
        float[] y = new float[s.outputSize()];
        assertThatThrownBy(() -> Conv2d.forward(s, new float[s.inputSize() - 1], w, null, y))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("conv2d: x.length=149 is too short for offset=0 + n*inChannels*h*w=150");
        assertThatThrownBy(() -> Conv2d.forward(s, x, 1, w, 0, null, 0, y, 0))
                .hasMessage("conv2d: x.length=150 is too short for offset=1 + n*inChannels*h*w=150");
        assertThatThrownBy(() -> Conv2d.forward(s, x, w, new float[3], y))
                .hasMessage("conv2d: bias.length=3 is too short for offset=0 + outChannels=4");
        assertThatThrownBy(() -> Conv2d.forward(s, x, w, null, new float[10]))
                .hasMessage("conv2d: y.length=10 is too short for offset=0 + n*outChannels*outH*outW=200");
        assertThatThrownBy(() -> Conv2d.backwardInput(s, y, new float[5], x))
                .hasMessage("conv2d backwardInput: weight.length=5 is too short for offset=0 + outChannels*(inChannels/groups)*kh*kw=108");
        assertThatThrownBy(() -> Conv2d.backwardWeight(s, x, y, new float[5]))
                .hasMessage("conv2d backwardWeight: dw.length=5 is too short for offset=0 + outChannels*(inChannels/groups)*kh*kw=108");
        assertThatThrownBy(() -> Conv2d.backwardBias(s, y, null))
                .hasMessage("conv2d backwardBias: db must not be null");
        assertThatThrownBy(() -> Conv2d.forward(s, x, -1, w, 0, null, 0, y, 0))
                .hasMessage("conv2d: x offset=-1 must be >= 0");
        Conv2dShape d = shape(1, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4);
        assertThatThrownBy(() -> DepthwiseConv2d.forward(d, new float[99], 0, new float[36], 0, null, 0, new float[100], 0))
                .hasMessage("depthwise conv2d: x.length=99 is too short for offset=0 + n*inChannels*h*w=100");
        assertThatThrownBy(() -> DepthwiseConv2d.backwardWeight(d, new float[100], 0, new float[100], 0, new float[35], 0))
                .hasMessage("depthwise conv2d backwardWeight: dw.length=35 is too short for offset=0 + outChannels*(inChannels/groups)*kh*kw=36");
        assertThatThrownBy(() -> DepthwiseConv2d.forward(s, x, 0, w, 0, null, 0, y, 0))
                .hasMessage("depthwise conv2d: needs groups == inChannels == outChannels > 1, got groups=1, inChannels=3, outChannels=4");
    }
}
