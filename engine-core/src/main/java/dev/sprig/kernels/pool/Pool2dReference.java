package dev.sprig.kernels.pool;

import java.util.Arrays;

/**
 * Scalar reference twins of {@link MaxPool2d}, {@link AvgPool2d} and {@link GlobalAvgPool2d}:
 * every window position is visited and tested against the input bounds, one thread, no tricks.
 * Same conventions as the fast kernels (argmax is the in-plane index {@code ih*w + iw}; first
 * of equal maxima wins; padding is -inf for max and zero for average).
 */
public final class Pool2dReference {
    private Pool2dReference() {}

    /** Max pooling forward; x {@code [n, c, h, w]}, y and argmax {@code [n, c, outH, outW]} (argmax may be null). */
    public static void maxForward(Pool2dShape s, float[] x, int xOff, float[] y, int yOff, int[] argmax, int aOff) {
        PoolChecks.input("maxpool2d", s, "x", x, xOff);
        PoolChecks.output("maxpool2d", s, "y", y, yOff);
        if (argmax != null) {
            PoolChecks.argmax("maxpool2d", s, argmax, aOff);
        }
        int outH = s.outH(), outW = s.outW();
        for (int p = 0; p < s.planes(); p++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIdx = -1;
                    for (int i = 0; i < s.kh(); i++) {
                        for (int j = 0; j < s.kw(); j++) {
                            int ih = oh * s.strideH() - s.padH() + i;
                            int iw = ow * s.strideW() - s.padW() + j;
                            if (ih < 0 || ih >= s.h() || iw < 0 || iw >= s.w()) {
                                continue; // padding is -inf: never the max
                            }
                            float v = x[xOff + (p * s.h() + ih) * s.w() + iw];
                            if (bestIdx < 0 || v > best || (Float.isNaN(v) && !Float.isNaN(best))) {
                                best = v;
                                bestIdx = ih * s.w() + iw;
                            }
                        }
                    }
                    int o = (p * outH + oh) * outW + ow;
                    y[yOff + o] = best;
                    if (argmax != null) {
                        argmax[aOff + o] = bestIdx;
                    }
                }
            }
        }
    }

    /** Max pooling backward: {@code dX[plane, argmax] += dY}; dx {@code [n, c, h, w]} overwritten. */
    public static void maxBackward(Pool2dShape s, float[] dy, int dyOff, int[] argmax, int aOff, float[] dx, int dxOff) {
        PoolChecks.output("maxpool2d backward", s, "dy", dy, dyOff);
        PoolChecks.argmax("maxpool2d backward", s, argmax, aOff);
        PoolChecks.input("maxpool2d backward", s, "dx", dx, dxOff);
        Arrays.fill(dx, dxOff, dxOff + s.inputSize(), 0f);
        int plane = s.h() * s.w();
        int outPlane = s.outH() * s.outW();
        for (int p = 0; p < s.planes(); p++) {
            for (int i = 0; i < outPlane; i++) {
                int o = p * outPlane + i;
                int idx = argmax[aOff + o];
                if (idx < 0 || idx >= plane) {
                    throw new IllegalArgumentException("maxpool2d backward: argmax[" + o + "]=" + idx
                            + " is outside the input plane [0, " + plane + ")");
                }
                dx[dxOff + p * plane + idx] += dy[dyOff + o];
            }
        }
    }

    private static int divisor(Pool2dShape s, boolean countIncludePad, int oh, int ow) {
        if (countIncludePad) {
            return s.kh() * s.kw();
        }
        int count = 0;
        for (int i = 0; i < s.kh(); i++) {
            for (int j = 0; j < s.kw(); j++) {
                int ih = oh * s.strideH() - s.padH() + i;
                int iw = ow * s.strideW() - s.padW() + j;
                if (ih >= 0 && ih < s.h() && iw >= 0 && iw < s.w()) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Average pooling forward; x {@code [n, c, h, w]}, y {@code [n, c, outH, outW]} overwritten. */
    public static void avgForward(Pool2dShape s, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        PoolChecks.input("avgpool2d", s, "x", x, xOff);
        PoolChecks.output("avgpool2d", s, "y", y, yOff);
        int outH = s.outH(), outW = s.outW();
        for (int p = 0; p < s.planes(); p++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    float sum = 0f;
                    for (int i = 0; i < s.kh(); i++) {
                        for (int j = 0; j < s.kw(); j++) {
                            int ih = oh * s.strideH() - s.padH() + i;
                            int iw = ow * s.strideW() - s.padW() + j;
                            if (ih >= 0 && ih < s.h() && iw >= 0 && iw < s.w()) {
                                sum += x[xOff + (p * s.h() + ih) * s.w() + iw];
                            }
                        }
                    }
                    y[yOff + (p * outH + oh) * outW + ow] = sum / divisor(s, countIncludePad, oh, ow);
                }
            }
        }
    }

    /** Average pooling backward: each dY spreads {@code dY / divisor} over its window's real elements; dx overwritten. */
    public static void avgBackward(Pool2dShape s, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        PoolChecks.output("avgpool2d backward", s, "dy", dy, dyOff);
        PoolChecks.input("avgpool2d backward", s, "dx", dx, dxOff);
        Arrays.fill(dx, dxOff, dxOff + s.inputSize(), 0f);
        int outH = s.outH(), outW = s.outW();
        for (int p = 0; p < s.planes(); p++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    float g = dy[dyOff + (p * outH + oh) * outW + ow] / divisor(s, countIncludePad, oh, ow);
                    for (int i = 0; i < s.kh(); i++) {
                        for (int j = 0; j < s.kw(); j++) {
                            int ih = oh * s.strideH() - s.padH() + i;
                            int iw = ow * s.strideW() - s.padW() + j;
                            if (ih >= 0 && ih < s.h() && iw >= 0 && iw < s.w()) {
                                dx[dxOff + (p * s.h() + ih) * s.w() + iw] += g;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Global average pooling forward: x {@code [n, c, h, w]} to y {@code [n, c]}, the plane means. */
    public static void globalAvgForward(int n, int c, int h, int w, float[] x, int xOff, float[] y, int yOff) {
        GlobalAvgPool2d.checkSizes("global avgpool2d", n, c, h, w);
        PoolChecks.require("global avgpool2d", "x", x, xOff, (long) n * c * h * w, "n*c*h*w");
        PoolChecks.require("global avgpool2d", "y", y, yOff, (long) n * c, "n*c");
        int plane = h * w;
        for (int p = 0; p < n * c; p++) {
            float sum = 0f;
            for (int i = 0; i < plane; i++) {
                sum += x[xOff + p * plane + i];
            }
            y[yOff + p] = sum / plane;
        }
    }

    /** Global average pooling backward: {@code dX[n, c, ih, iw] = dY[n, c] / (h*w)}; dx overwritten. */
    public static void globalAvgBackward(int n, int c, int h, int w, float[] dy, int dyOff, float[] dx, int dxOff) {
        GlobalAvgPool2d.checkSizes("global avgpool2d backward", n, c, h, w);
        PoolChecks.require("global avgpool2d backward", "dy", dy, dyOff, (long) n * c, "n*c");
        PoolChecks.require("global avgpool2d backward", "dx", dx, dxOff, (long) n * c * h * w, "n*c*h*w");
        int plane = h * w;
        for (int p = 0; p < n * c; p++) {
            for (int i = 0; i < plane; i++) {
                dx[dxOff + p * plane + i] = dy[dyOff + p] / plane;
            }
        }
    }
}
