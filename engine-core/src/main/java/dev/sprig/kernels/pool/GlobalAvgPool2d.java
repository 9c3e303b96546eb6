package dev.sprig.kernels.pool;

import dev.sprig.kernels.vec.VecMath;
import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Global average pooling {@code [n, c, h, w] -> [n, c]}: the mean of each plane.
 *
 * <p>Here the Vector API pays: each plane is one contiguous span, summed with lane-wise
 * accumulation, one lane reduction and a scalar tail. Planes are split over {@link Parallel};
 * each plane's sum is computed by one thread in a fixed order, so results do not depend on the
 * thread count. The scalar twin is {@link Pool2dReference#globalAvgForward}.
 */
public final class GlobalAvgPool2d {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;

    private GlobalAvgPool2d() {}

    /**
     * {@code y[n, c] = (1 / (h*w)) Σ_{ih, iw} x[n, c, ih, iw]}.
     *
     * @param x      input {@code [n, c, h, w]} at {@code xOff}
     * @param y      output {@code [n, c]} at {@code yOff}, overwritten
     */
    public static void forward(int n, int c, int h, int w, float[] x, int xOff, float[] y, int yOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.globalAvgForward(n, c, h, w, x, xOff, y, yOff);
            return;
        }
        checkSizes("global avgpool2d", n, c, h, w);
        int planes = n * c;
        int plane = h * w;
        PoolChecks.require("global avgpool2d", "x", x, xOff, (long) planes * plane, "n*c*h*w");
        PoolChecks.require("global avgpool2d", "y", y, yOff, planes, "n*c");
        float inv = 1f / plane;
        Parallel.forRange(planes, (from, to) -> {
            for (int p = from; p < to; p++) {
                y[yOff + p] = sum(x, xOff + p * plane, plane) * inv;
            }
        });
    }

    /**
     * {@code dX[n, c, ih, iw] = dY[n, c] / (h*w)}: the gradient of a mean spreads evenly.
     *
     * @param dy output gradient {@code [n, c]} at {@code dyOff}
     * @param dx input gradient {@code [n, c, h, w]} at {@code dxOff}, overwritten
     */
    public static void backward(int n, int c, int h, int w, float[] dy, int dyOff, float[] dx, int dxOff) {
        if (KernelConfig.SCALAR) {
            Pool2dReference.globalAvgBackward(n, c, h, w, dy, dyOff, dx, dxOff);
            return;
        }
        checkSizes("global avgpool2d backward", n, c, h, w);
        int planes = n * c;
        int plane = h * w;
        PoolChecks.require("global avgpool2d backward", "dy", dy, dyOff, planes, "n*c");
        PoolChecks.require("global avgpool2d backward", "dx", dx, dxOff, (long) planes * plane, "n*c*h*w");
        float inv = 1f / plane;
        Parallel.forRange(planes, (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = dxOff + p * plane;
                Arrays.fill(dx, base, base + plane, dy[dyOff + p] * inv);
            }
        });
    }

    /** Validates {@code n >= 0}, {@code c, h, w >= 1} and that {@code n*c*h*w} fits an array. */
    static void checkSizes(String op, int n, int c, int h, int w) {
        if (n < 0) {
            throw new IllegalArgumentException(op + ": n=" + n + " must be >= 0");
        }
        if (c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": c=" + c + ", h=" + h + ", w=" + w + " must all be >= 1");
        }
        if ((long) n * c * h * w > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(op + ": n*c*h*w=" + ((long) n * c * h * w)
                    + " does not fit in a Java array");
        }
    }

    private static float sum(float[] a, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = VecMath.sumLanes(acc);
        for (; i < len; i++) {
            s += a[off + i];
        }
        return s;
    }
}
