package dev.sprig.kernels.conv;

import dev.sprig.kernels.Parallel;

import java.util.Arrays;

/**
 * Direct kernels for depthwise convolution ({@code groups == inChannels == outChannels}): each
 * channel is filtered by its own {@code kh x kw} kernel. Through im2col + GEMM this would be a GEMM
 * with M = 1 per channel, all overhead and no reuse; directly it is kh*kw shifted row updates.
 *
 * <p>Every (kernel tap, output row) is one contiguous span of the output row (from
 * {@link Vec#lo}/{@link Vec#hi}, so no bounds tests inside the loop); for stride 1 the span is a
 * Vector API axpy / dot, for larger strides a scalar loop (the input side is strided).
 * Work is split over whole planes (forward, backwardInput) or whole channels (backwardWeight),
 * so results are bit-identical for every thread count.
 *
 * <p>Shapes as in {@link Conv2dShape}; the scalar twin is {@link Conv2dReference}.
 * {@link Conv2d} dispatches here for depthwise shapes.
 */
public final class DepthwiseConv2d {
    private DepthwiseConv2d() {}

    private static void requireDepthwise(Conv2dShape s) {
        if (!s.isDepthwise()) {
            throw new IllegalArgumentException("depthwise conv2d: needs groups == inChannels == outChannels > 1, got groups="
                    + s.groups() + ", inChannels=" + s.inChannels() + ", outChannels=" + s.outChannels());
        }
    }

    /** {@code y[n, c] = bias[c] + Σ_{i,j} w[c, 0, i, j] * shift_{i,j}(x[n, c])}; x {@code [n, C, h, w]}, w {@code [C, 1, kh, kw]}, y overwritten. */
    public static void forward(Conv2dShape s, float[] x, int xOff, float[] w, int wOff,
                               float[] bias, int bOff, float[] y, int yOff) {
        requireDepthwise(s);
        ConvChecks.input("depthwise conv2d", s, "x", x, xOff);
        ConvChecks.weight("depthwise conv2d", s, "weight", w, wOff);
        if (bias != null) {
            ConvChecks.bias("depthwise conv2d", s, "bias", bias, bOff);
        }
        ConvChecks.output("depthwise conv2d", s, "y", y, yOff);
        int planes = s.n() * s.outChannels();
        Parallel.forRange(planes, (from, to) -> {
            for (int p = from; p < to; p++) {
                forwardPlane(s, p, x, xOff, w, wOff, bias, bOff, y, yOff);
            }
        });
    }

    private static void forwardPlane(Conv2dShape s, int p, float[] x, int xOff, float[] w, int wOff,
                                     float[] bias, int bOff, float[] y, int yOff) {
        int c = p % s.outChannels();
        int h = s.h(), wd = s.w(), kh = s.kh(), kw = s.kw(), outH = s.outH(), outW = s.outW(), sw = s.strideW();
        int xp = xOff + p * h * wd;
        int yp = yOff + p * outH * outW;
        int wp = wOff + c * kh * kw;
        float b = bias == null ? 0f : bias[bOff + c];
        Arrays.fill(y, yp, yp + outH * outW, b);
        for (int oh = 0; oh < outH; oh++) {
            int yr = yp + oh * outW;
            for (int i = 0; i < kh; i++) {
                int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                if (ih < 0 || ih >= h) {
                    continue;
                }
                int xr = xp + ih * wd;
                for (int j = 0; j < kw; j++) {
                    float wv = w[wp + i * kw + j];
                    int shift = j * s.dilationW() - s.padW();
                    int lo = Vec.lo(shift, sw);
                    int hi = Vec.hi(shift, sw, wd, outW);
                    if (sw == 1) {
                        if (hi > lo) {
                            Vec.axpy(wv, x, xr + shift + lo, y, yr + lo, hi - lo);
                        }
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            y[yr + ow] += wv * x[xr + ow * sw + shift];
                        }
                    }
                }
            }
        }
    }

    /** {@code dX[n, c] = Σ_{i,j} w[c, 0, i, j] * shiftᵀ_{i,j}(dY[n, c])}; dy {@code [n, C, outH, outW]}, dx {@code [n, C, h, w]} overwritten. */
    public static void backwardInput(Conv2dShape s, float[] dy, int dyOff, float[] w, int wOff,
                                     float[] dx, int dxOff) {
        requireDepthwise(s);
        ConvChecks.output("depthwise conv2d backwardInput", s, "dy", dy, dyOff);
        ConvChecks.weight("depthwise conv2d backwardInput", s, "weight", w, wOff);
        ConvChecks.input("depthwise conv2d backwardInput", s, "dx", dx, dxOff);
        int planes = s.n() * s.inChannels();
        Parallel.forRange(planes, (from, to) -> {
            for (int p = from; p < to; p++) {
                backwardInputPlane(s, p, dy, dyOff, w, wOff, dx, dxOff);
            }
        });
    }

    private static void backwardInputPlane(Conv2dShape s, int p, float[] dy, int dyOff, float[] w, int wOff,
                                           float[] dx, int dxOff) {
        int c = p % s.inChannels();
        int h = s.h(), wd = s.w(), kh = s.kh(), kw = s.kw(), outH = s.outH(), outW = s.outW(), sw = s.strideW();
        int xp = dxOff + p * h * wd;
        int yp = dyOff + p * outH * outW;
        int wp = wOff + c * kh * kw;
        Arrays.fill(dx, xp, xp + h * wd, 0f);
        for (int oh = 0; oh < outH; oh++) {
            int yr = yp + oh * outW;
            for (int i = 0; i < kh; i++) {
                int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                if (ih < 0 || ih >= h) {
                    continue;
                }
                int xr = xp + ih * wd;
                for (int j = 0; j < kw; j++) {
                    float wv = w[wp + i * kw + j];
                    int shift = j * s.dilationW() - s.padW();
                    int lo = Vec.lo(shift, sw);
                    int hi = Vec.hi(shift, sw, wd, outW);
                    if (sw == 1) {
                        if (hi > lo) {
                            Vec.axpy(wv, dy, yr + lo, dx, xr + shift + lo, hi - lo);
                        }
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            dx[xr + ow * sw + shift] += wv * dy[yr + ow];
                        }
                    }
                }
            }
        }
    }

    /** {@code dW[c, 0, i, j] = Σ_{n, oh, ow} dY[n, c, oh, ow] * x[n, c, ih, iw]}; dw {@code [C, 1, kh, kw]} overwritten. */
    public static void backwardWeight(Conv2dShape s, float[] x, int xOff, float[] dy, int dyOff,
                                      float[] dw, int dwOff) {
        requireDepthwise(s);
        ConvChecks.input("depthwise conv2d backwardWeight", s, "x", x, xOff);
        ConvChecks.output("depthwise conv2d backwardWeight", s, "dy", dy, dyOff);
        ConvChecks.weight("depthwise conv2d backwardWeight", s, "dw", dw, dwOff);
        Parallel.forRange(s.inChannels(), (from, to) -> {
            for (int c = from; c < to; c++) {
                backwardWeightChannel(s, c, x, xOff, dy, dyOff, dw, dwOff);
            }
        });
    }

    private static void backwardWeightChannel(Conv2dShape s, int c, float[] x, int xOff, float[] dy, int dyOff,
                                              float[] dw, int dwOff) {
        int h = s.h(), wd = s.w(), kh = s.kh(), kw = s.kw(), outH = s.outH(), outW = s.outW(), sw = s.strideW();
        int channels = s.inChannels();
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                int shift = j * s.dilationW() - s.padW();
                int lo = Vec.lo(shift, sw);
                int hi = Vec.hi(shift, sw, wd, outW);
                float acc = 0f;
                for (int n = 0; n < s.n() && hi > lo; n++) {
                    int p = n * channels + c;
                    int xp = xOff + p * h * wd;
                    int yp = dyOff + p * outH * outW;
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int xr = xp + ih * wd + shift;
                        int yr = yp + oh * outW;
                        if (sw == 1) {
                            acc += Vec.dot(dy, yr + lo, x, xr + lo, hi - lo);
                        } else {
                            for (int ow = lo; ow < hi; ow++) {
                                acc += dy[yr + ow] * x[xr + ow * sw];
                            }
                        }
                    }
                }
                dw[dwOff + c * kh * kw + i * kw + j] = acc;
            }
        }
    }
}
