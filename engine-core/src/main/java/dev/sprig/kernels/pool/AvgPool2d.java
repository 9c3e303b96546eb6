package dev.sprig.kernels.pool;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

import java.util.Arrays;

/**
 * Average pooling over NCHW planes.
 *
 * <p>{@code countIncludePad} (PyTorch's default: true) divides every window by {@code kh*kw},
 * counting padding as zeros; false divides by the number of real input elements in the window.
 * (In floor mode a window never extends past the padded input, so these are the only two
 * divisors.)
 *
 * <p><b>Why plain loops, no Vector API:</b> as for {@link MaxPool2d}, typical pooling windows
 * are small and strided, so there is no contiguous span to put in lanes and the work is
 * memory-bound. The fast path clips each window once per output row / column and splits planes
 * over {@link Parallel} (planes are independent: results do not depend on the thread count).
 */
public final class AvgPool2d {
    private AvgPool2d() {}

    /** {@link #forward(Pool2dShape, boolean, float[], int, float[], int)} with all offsets 0. */
    public static void forward(Pool2dShape s, boolean countIncludePad, float[] x, float[] y) {
        forward(s, countIncludePad, x, 0, y, 0);
    }

    /**
     * {@code y[n, c, oh, ow] = (Σ over the window's real elements of x[n, c]) / divisor}.
     *
     * @param x input {@code [n, c, h, w]} at {@code xOff}
     * @param y output {@code [n, c, outH, outW]} at {@code yOff}, overwritten
     */
    public static void forward(Pool2dShape s, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.avgForward(s, countIncludePad, x, xOff, y, yOff);
            return;
        }
        PoolChecks.input("avgpool2d", s, "x", x, xOff);
        PoolChecks.output("avgpool2d", s, "y", y, yOff);
        int h = s.h(), w = s.w(), outH = s.outH(), outW = s.outW();
        Parallel.forRange(s.planes(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xp = xOff + p * h * w;
                int yp = yOff + p * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int ih0 = oh * s.strideH() - s.padH();
                    int ih1 = Math.min(ih0 + s.kh(), h);
                    ih0 = Math.max(ih0, 0);
                    for (int ow = 0; ow < outW; ow++) {
                        int iw0 = ow * s.strideW() - s.padW();
                        int iw1 = Math.min(iw0 + s.kw(), w);
                        iw0 = Math.max(iw0, 0);
                        float sum = 0f;
                        for (int ih = ih0; ih < ih1; ih++) {
                            int row = xp + ih * w;
                            for (int iw = iw0; iw < iw1; iw++) {
                                sum += x[row + iw];
                            }
                        }
                        int count = countIncludePad ? s.kh() * s.kw() : (ih1 - ih0) * (iw1 - iw0);
                        y[yp + oh * outW + ow] = sum / count;
                    }
                }
            }
        });
    }

    /** {@link #backward(Pool2dShape, boolean, float[], int, float[], int)} with all offsets 0. */
    public static void backward(Pool2dShape s, boolean countIncludePad, float[] dy, float[] dx) {
        backward(s, countIncludePad, dy, 0, dx, 0);
    }

    /**
     * {@code dX[n, c, ih, iw] = Σ over windows containing (ih, iw) of dY[n, c, oh, ow] / divisor(oh, ow)}.
     *
     * @param dy output gradient {@code [n, c, outH, outW]} at {@code dyOff}
     * @param dx input gradient {@code [n, c, h, w]} at {@code dxOff}, overwritten
     */
    public static void backward(Pool2dShape s, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.avgBackward(s, countIncludePad, dy, dyOff, dx, dxOff);
            return;
        }
        PoolChecks.output("avgpool2d backward", s, "dy", dy, dyOff);
        PoolChecks.input("avgpool2d backward", s, "dx", dx, dxOff);
        int h = s.h(), w = s.w(), outH = s.outH(), outW = s.outW();
        Parallel.forRange(s.planes(), (from, to) -> {
            for (int p = from; p < to; p++) {
                int xp = dxOff + p * h * w;
                int yp = dyOff + p * outH * outW;
                Arrays.fill(dx, xp, xp + h * w, 0f);
                for (int oh = 0; oh < outH; oh++) {
                    int ih0 = oh * s.strideH() - s.padH();
                    int ih1 = Math.min(ih0 + s.kh(), h);
                    ih0 = Math.max(ih0, 0);
                    for (int ow = 0; ow < outW; ow++) {
                        int iw0 = ow * s.strideW() - s.padW();
                        int iw1 = Math.min(iw0 + s.kw(), w);
                        iw0 = Math.max(iw0, 0);
                        int count = countIncludePad ? s.kh() * s.kw() : (ih1 - ih0) * (iw1 - iw0);
                        float g = dy[yp + oh * outW + ow] / count;
                        for (int ih = ih0; ih < ih1; ih++) {
                            int row = xp + ih * w;
                            for (int iw = iw0; iw < iw1; iw++) {
                                dx[row + iw] += g;
                            }
                        }
                    }
                }
            }
        });
    }
}
