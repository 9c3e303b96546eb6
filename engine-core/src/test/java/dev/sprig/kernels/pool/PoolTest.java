package dev.sprig.kernels.pool;

import dev.sprig.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Pooling kernels against {@link Pool2dReference}, argmax ties, thread determinism and validation. */
class PoolTest {
    private static final int DEFAULT_THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    static List<Pool2dShape> shapes() {
        return List.of(
                Pool2dShape.of(1, 1, 1, 1, 1, 1, 0),                 // trivial
                Pool2dShape.of(2, 3, 8, 8, 2, 2, 0),                 // 2x2 stride 2
                Pool2dShape.of(3, 2, 9, 11, 3, 2, 1),                // ResNet stem 3x3 s2 p1, odd sizes
                Pool2dShape.of(1, 7, 17, 15, 3, 1, 1),               // stride 1 same size
                new Pool2dShape(2, 3, 13, 7, 3, 2, 3, 1, 1, 1),      // non-square window / strides
                new Pool2dShape(1, 5, 31, 16, 5, 4, 2, 4, 2, 2),     // 5x4, pad 2
                Pool2dShape.of(1, 2, 5, 5, 5, 1, 0),                 // output 1x1
                Pool2dShape.of(1, 2, 4, 4, 3, 3, 1),                 // windows mostly padding
                Pool2dShape.of(0, 3, 4, 4, 2, 2, 0));                // empty batch
    }

    private static float[] random(int size, long seed) {
        Random r = new Random(seed);
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = r.nextFloat() * 2f - 1f;
        }
        return a;
    }

    private static float[] nan(int size) {
        float[] a = new float[size];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void maxPoolMatchesReference(Pool2dShape s) {
        float[] x = random(s.inputSize(), 1);
        // quantise so that ties occur inside windows
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(x[i] * 3f);
        }
        float[] yRef = new float[s.outputSize()];
        int[] aRef = new int[s.outputSize()];
        float[] y = nan(s.outputSize());
        int[] a = new int[s.outputSize()];
        Arrays.fill(a, -7);
        Pool2dReference.maxForward(s, x, 0, yRef, 0, aRef, 0);
        MaxPool2d.forward(s, x, y, a);
        assertArrayEquals(yRef, y, "maxpool forward " + s);
        assertArrayEquals(aRef, a, "maxpool argmax " + s);
        // argmax points at the max, in its own plane
        int plane = s.h() * s.w();
        int outPlane = s.outH() * s.outW();
        for (int o = 0; o < y.length; o++) {
            assertThat(x[(o / outPlane) * plane + a[o]]).isEqualTo(y[o]);
        }
        float[] dy = random(s.outputSize(), 2);
        float[] dxRef = new float[s.inputSize()];
        float[] dx = nan(s.inputSize());
        Pool2dReference.maxBackward(s, dy, 0, aRef, 0, dxRef, 0);
        MaxPool2d.backward(s, dy, a, dx);
        assertClose(dxRef, dx, 0f, "maxpool backward " + s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void avgPoolMatchesReference(Pool2dShape s) {
        float[] x = random(s.inputSize(), 3);
        float[] dy = random(s.outputSize(), 4);
        for (boolean includePad : new boolean[] {true, false}) {
            float[] yRef = new float[s.outputSize()];
            float[] y = nan(s.outputSize());
            Pool2dReference.avgForward(s, includePad, x, 0, yRef, 0);
            AvgPool2d.forward(s, includePad, x, y);
            assertClose(yRef, y, 1e-6f, "avgpool forward includePad=" + includePad + " " + s);
            float[] dxRef = new float[s.inputSize()];
            float[] dx = nan(s.inputSize());
            Pool2dReference.avgBackward(s, includePad, dy, 0, dxRef, 0);
            AvgPool2d.backward(s, includePad, dy, dx);
            assertClose(dxRef, dx, 1e-6f, "avgpool backward includePad=" + includePad + " " + s);
        }
    }

    @Test
    void avgPoolDivisors() {
        // 1 plane 2x2 of ones, 3x3 window pad 1 stride 1: each window holds 4 real ones (corner windows)
        Pool2dShape s = Pool2dShape.of(1, 1, 2, 2, 3, 1, 1);
        float[] x = {1, 1, 1, 1};
        float[] y = new float[4];
        AvgPool2d.forward(s, true, x, y);
        assertThat(y).containsExactly(4f / 9, 4f / 9, 4f / 9, 4f / 9);
        AvgPool2d.forward(s, false, x, y);
        assertThat(y).containsExactly(1f, 1f, 1f, 1f);
    }

    @Test
    void maxPoolTiesFirstWinsAndPaddingNeverWins() {
        // one 3x4 plane; 2x2 windows stride 2; all-equal window -> top-left element (index 0)
        Pool2dShape s = Pool2dShape.of(1, 1, 3, 4, 2, 2, 0);
        float[] x = {
                5, 5, 1, 2,
                5, 5, 2, 2,
                9, 9, 9, 9};
        float[] y = new float[s.outputSize()];
        int[] a = new int[s.outputSize()];
        MaxPool2d.forward(s, x, y, a);
        assertThat(y).containsExactly(5f, 2f);
        assertThat(a).containsExactly(0, 3);
        // all-negative input with padding: padding is -inf, so the max is a real (negative) element
        Pool2dShape p = Pool2dShape.of(1, 1, 2, 2, 3, 2, 1);
        float[] neg = {-3, -1, -2, -4};
        float[] yp = new float[p.outputSize()];
        int[] ap = new int[p.outputSize()];
        MaxPool2d.forward(p, neg, yp, ap);
        assertThat(yp).containsExactly(-1f);
        assertThat(ap).containsExactly(1);
    }

    @Test
    void maxPoolPropagatesNaN() {
        Pool2dShape s = Pool2dShape.of(1, 1, 2, 2, 2, 2, 0);
        float[] x = {1, Float.NaN, 3, Float.NaN};
        float[] y = new float[1];
        int[] a = new int[1];
        MaxPool2d.forward(s, x, y, a);
        assertThat(y[0]).isNaN();
        assertThat(a[0]).isEqualTo(1);
        float[] yRef = new float[1];
        int[] aRef = new int[1];
        Pool2dReference.maxForward(s, x, 0, yRef, 0, aRef, 0);
        assertThat(aRef[0]).isEqualTo(1);
    }

    @Test
    void globalAvgPoolMatchesReference() {
        for (int[] d : new int[][] {{1, 1, 1, 1}, {2, 3, 4, 4}, {3, 5, 7, 7}, {1, 17, 15, 1}, {2, 2, 16, 1},
                {1, 3, 17, 1}, {2, 4, 13, 31}, {0, 3, 2, 2}}) {
            int n = d[0], c = d[1], h = d[2], w = d[3];
            float[] x = random(n * c * h * w, 5);
            float[] yRef = new float[n * c];
            float[] y = nan(n * c);
            Pool2dReference.globalAvgForward(n, c, h, w, x, 0, yRef, 0);
            GlobalAvgPool2d.forward(n, c, h, w, x, 0, y, 0);
            assertClose(yRef, y, 1e-6f, "global avg forward " + Arrays.toString(d));
            float[] dy = random(n * c, 6);
            float[] dxRef = new float[n * c * h * w];
            float[] dx = nan(n * c * h * w);
            Pool2dReference.globalAvgBackward(n, c, h, w, dy, 0, dxRef, 0);
            GlobalAvgPool2d.backward(n, c, h, w, dy, 0, dx, 0);
            assertClose(dxRef, dx, 1e-7f, "global avg backward " + Arrays.toString(d));
        }
    }

    @Test
    void bitIdenticalAcrossThreadCounts() {
        Pool2dShape s = new Pool2dShape(3, 5, 13, 11, 3, 3, 2, 1, 1, 1);
        float[] x = random(s.inputSize(), 7);
        float[] dy = random(s.outputSize(), 8);
        float[][] first = null;
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            float[] y = new float[s.outputSize()];
            int[] a = new int[s.outputSize()];
            float[] dxMax = new float[s.inputSize()];
            float[] ya = new float[s.outputSize()];
            float[] dxAvg = new float[s.inputSize()];
            float[] g = new float[s.planes()];
            MaxPool2d.forward(s, x, y, a);
            MaxPool2d.backward(s, dy, a, dxMax);
            AvgPool2d.forward(s, false, x, ya);
            AvgPool2d.backward(s, false, dy, dxAvg);
            GlobalAvgPool2d.forward(s.n(), s.c(), s.h(), s.w(), x, 0, g, 0);
            float[][] r = {y, dxMax, ya, dxAvg, g};
            if (first == null) {
                first = r;
            } else {
                for (int k = 0; k < r.length; k++) {
                    assertArrayEquals(first[k], r[k], "result " + k + " on " + threads + " threads");
                }
            }
        }
    }

    @Test
    void rejectsBadShapesAndArrays() {
        assertThatThrownBy(() -> Pool2dShape.of(1, 1, 4, 4, 3, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pool2d: strideH=0 must be >= 1");
        assertThatThrownBy(() -> Pool2dShape.of(1, 1, 4, 4, 3, 1, 2))
                .hasMessage("pool2d: padding 2x2 must be at most half the window 3x3");
        assertThatThrownBy(() -> Pool2dShape.of(1, 1, 2, 2, 5, 1, 1))
                .hasMessage("pool2d: window 5x5 is bigger than the padded input 4x4 (h=2, w=2, padH=1, padW=1)");
        assertThatThrownBy(() -> Pool2dShape.of(1, 0, 2, 2, 1, 1, 0))
                .hasMessage("pool2d: c=0 must be >= 1");
        Pool2dShape s = Pool2dShape.of(2, 2, 4, 4, 2, 2, 0);
        assertThatThrownBy(() -> MaxPool2d.forward(s, new float[63], new float[16], new int[16]))
                .hasMessage("maxpool2d: x.length=63 is too short for offset=0 + n*c*h*w=64");
        assertThatThrownBy(() -> MaxPool2d.forward(s, new float[64], new float[16], new int[15]))
                .hasMessage("maxpool2d: argmax.length=15 is too short for offset=0 + n*c*outH*outW=16");
        assertThatThrownBy(() -> AvgPool2d.backward(s, true, new float[16], new float[3]))
                .hasMessage("avgpool2d backward: dx.length=3 is too short for offset=0 + n*c*h*w=64");
        int[] badArgmax = new int[16];
        badArgmax[5] = 16;
        assertThatThrownBy(() -> MaxPool2d.backward(s, new float[16], badArgmax, new float[64]))
                .hasMessage("maxpool2d backward: argmax[5]=16 is outside the input plane [0, 16)");
        assertThatThrownBy(() -> GlobalAvgPool2d.forward(1, 2, 0, 3, new float[6], 0, new float[2], 0))
                .hasMessage("global avgpool2d: c=2, h=0, w=3 must all be >= 1");
        assertThatThrownBy(() -> GlobalAvgPool2d.forward(1, 2, 2, 2, new float[8], 0, new float[1], 0))
                .hasMessage("global avgpool2d: y.length=1 is too short for offset=0 + n*c=2");
    }

    @Test
    void honoursOffsets() {
        Pool2dShape s = Pool2dShape.of(1, 2, 5, 5, 3, 2, 1);
        int off = 3;
        float[] x = random(s.inputSize() + off, 9);
        float[] yRef = new float[s.outputSize() + off];
        int[] aRef = new int[s.outputSize() + off];
        float[] y = new float[s.outputSize() + off];
        int[] a = new int[s.outputSize() + off];
        Pool2dReference.maxForward(s, x, off, yRef, off, aRef, off);
        MaxPool2d.forward(s, x, off, y, off, a, off);
        assertArrayEquals(yRef, y);
        assertArrayEquals(aRef, a);
        float[] ya = new float[s.outputSize() + off];
        float[] yaRef = new float[s.outputSize() + off];
        Pool2dReference.avgForward(s, true, x, off, yaRef, off);
        AvgPool2d.forward(s, true, x, off, ya, off);
        assertClose(yaRef, ya, 1e-6f, "avg with offsets");
        for (int i = 0; i < off; i++) {
            assertThat(y[i]).isZero();
            assertThat(ya[i]).isZero();
        }
    }
}
