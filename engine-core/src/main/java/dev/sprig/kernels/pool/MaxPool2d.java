package dev.sprig.kernels.pool;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

import java.util.Arrays;

/**
 * Max pooling over NCHW planes, with the argmax kept for the backward pass.
 *
 * <p><b>Argmax convention:</b> {@code argmax[n, c, oh, ow]} is the flat index {@code ih*w + iw}
 * of the winning element <i>within its input plane</i>. Windows are scanned row-major and a later
 * element wins only if strictly greater, so among equal maxima the <b>first</b> (topmost, then
 * leftmost) wins. Padding counts as -inf (it never wins; every window has a real element). A NaN
 * wins over every number and the first NaN is kept, so NaNs propagate as in PyTorch.
 *
 * <p><b>Why plain loops, no Vector API:</b> the argmax must travel with the max, and the usual
 * shapes (3x3 stride 2 in a ResNet stem, 2x2 stride 2) read the input with a stride, so there
 * is no contiguous lane-parallel work; the kernel is memory-bound. What the fast path does over
 * {@link Pool2dReference} is clip each window to the valid input once per output row / column
 * (no per-element bounds tests) and split planes over {@link Parallel} (planes are
 * independent, so results do not depend on the thread count).
 */
public final class MaxPool2d {
    private MaxPool2d() {}

    /** {@link #forward(Pool2dShape, float[], int, float[], int, int[], int)} with all offsets 0. */
    public static void forward(Pool2dShape s, float[] x, float[] y, int[] argmax) {
        forward(s, x, 0, y, 0, argmax, 0);
    }

    /**
     * {@code y[n, c, oh, ow] = max over the window of x[n, c]}.
     *
     * @param x      input {@code [n, c, h, w]} at {@code xOff}
     * @param y      output {@code [n, c, outH, outW]} at {@code yOff}, overwritten
     * @param argmax {@code [n, c, outH, outW]} at {@code aOff}, overwritten with in-plane indices; null when no backward follows
     */
    public static void forward(Pool2dShape s, float[] x, int xOff, float[] y, int yOff, int[] argmax, int aOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.maxForward(s, x, xOff, y, yOff, argmax, aOff);
            return;
        }
        PoolChecks.input("maxpool2d", s, "x", x, xOff);
        PoolChecks.output("maxpool2d", s, "y", y, yOff);
        if (argmax != null) {
            PoolChecks.argmax("maxpool2d", s, argmax, aOff);
        }
        Parallel.forRange(s.planes(), (from, to) -> {
            for (int p = from; p < to; p++) {
                forwardPlane(s, p, x, xOff, y, yOff, argmax, aOff);
            }
        });
    }

    private static void forwardPlane(Pool2dShape s, int p, float[] x, int xOff, float[] y, int yOff,
                                     int[] argmax, int aOff) {
        int h = s.h(), w = s.w(), outH = s.outH(), outW = s.outW();
        int xp = xOff + p * h * w;
        int op = p * outH * outW;
        for (int oh = 0; oh < outH; oh++) {
            int ih0 = oh * s.strideH() - s.padH();
            int ih1 = Math.min(ih0 + s.kh(), h);
            ih0 = Math.max(ih0, 0);
            for (int ow = 0; ow < outW; ow++) {
                int iw0 = ow * s.strideW() - s.padW();
                int iw1 = Math.min(iw0 + s.kw(), w);
                iw0 = Math.max(iw0, 0);
                float best = Float.NEGATIVE_INFINITY;
                int bestIdx = ih0 * w + iw0;
                for (int ih = ih0; ih < ih1; ih++) {
                    int row = ih * w;
                    for (int iw = iw0; iw < iw1; iw++) {
                        float v = x[xp + row + iw];
                        // strict '>' keeps the first of equal maxima; a NaN beats any number, and the first NaN stays
                        if (v > best || (v != v && best == best)) {
                            best = v;
                            bestIdx = row + iw;
                        }
                    }
                }
                int o = op + oh * outW + ow;
                y[yOff + o] = best;
                if (argmax != null) {
                    argmax[aOff + o] = bestIdx;
                }
            }
        }
    }

    /** {@link #backward(Pool2dShape, float[], int, int[], int, float[], int)} with all offsets 0. */
    public static void backward(Pool2dShape s, float[] dy, int[] argmax, float[] dx) {
        backward(s, dy, 0, argmax, 0, dx, 0);
    }

    /**
     * {@code dX[n, c, argmax[n, c, oh, ow]] += dY[n, c, oh, ow]}: each output gradient goes to the
     * element that won its window (overlapping windows add up).
     *
     * @param dy     output gradient {@code [n, c, outH, outW]} at {@code dyOff}
     * @param argmax in-plane indices from {@link #forward} {@code [n, c, outH, outW]} at {@code aOff}
     * @param dx     input gradient {@code [n, c, h, w]} at {@code dxOff}, overwritten
     */
    public static void backward(Pool2dShape s, float[] dy, int dyOff, int[] argmax, int aOff, float[] dx, int dxOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.maxBackward(s, dy, dyOff, argmax, aOff, dx, dxOff);
            return;
        }
        PoolChecks.output("maxpool2d backward", s, "dy", dy, dyOff);
        PoolChecks.argmax("maxpool2d backward", s, argmax, aOff);
        PoolChecks.input("maxpool2d backward", s, "dx", dx, dxOff);
        int plane = s.h() * s.w();
        int outPlane = s.outH() * s.outW();
        Parallel.forRange(s.planes(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xp = dxOff + p * plane;
                Arrays.fill(dx, xp, xp + plane, 0f);
                int o = p * outPlane;
                for (int i = 0; i < outPlane; i++) {
                    int idx = argmax[aOff + o + i];
                    if (idx < 0 || idx >= plane) {
                        throw new IllegalArgumentException("maxpool2d backward: argmax[" + (o + i) + "]=" + idx
                                + " is outside the input plane [0, " + plane + ")");
                    }
                    dx[xp + idx] += dy[dyOff + o + i];
                }
            }
        });
    }
}
