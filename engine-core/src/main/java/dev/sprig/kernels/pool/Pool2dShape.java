package dev.sprig.kernels.pool;

/**
 * The geometry of a windowed 2-D pooling over NCHW tensors, validated on construction.
 * Input {@code [n, c, h, w]}, output {@code [n, c, outH(), outW()]} with PyTorch's floor-mode size
 * {@code (h + 2*padH - kh) / strideH + 1}. As in PyTorch, padding may be at most half the kernel,
 * so every window holds at least one real input element.
 *
 * @param n       batch size (>= 0)
 * @param c       channels (>= 1)
 * @param h       input height (>= 1)
 * @param w       input width (>= 1)
 * @param kh      window height (>= 1)
 * @param kw      window width (>= 1)
 * @param strideH vertical stride (>= 1)
 * @param strideW horizontal stride (>= 1)
 * @param padH    implicit padding rows above and below (0 <= padH <= kh/2)
 * @param padW    implicit padding columns left and right (0 <= padW <= kw/2)
 */
public record Pool2dShape(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW, int padH, int padW) {

    public Pool2dShape {
        atLeast("n", n, 0);
        atLeast("c", c, 1);
        atLeast("h", h, 1);
        atLeast("w", w, 1);
        atLeast("kh", kh, 1);
        atLeast("kw", kw, 1);
        atLeast("strideH", strideH, 1);
        atLeast("strideW", strideW, 1);
        atLeast("padH", padH, 0);
        atLeast("padW", padW, 0);
        if (padH > kh / 2 || padW > kw / 2) {
            throw new IllegalArgumentException("pool2d: padding " + padH + "x" + padW
                    + " must be at most half the window " + kh + "x" + kw);
        }
        if (kh > (long) h + 2L * padH || kw > (long) w + 2L * padW) {
            throw new IllegalArgumentException("pool2d: window " + kh + "x" + kw + " is bigger than the padded input "
                    + ((long) h + 2L * padH) + "x" + ((long) w + 2L * padW) + " (h=" + h + ", w=" + w
                    + ", padH=" + padH + ", padW=" + padW + ")");
        }
        if ((long) n * c * h * w > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("pool2d: input of " + ((long) n * c * h * w)
                    + " elements does not fit in a Java array");
        }
    }

    /** A square window with equal stride and padding on both axes. */
    public static Pool2dShape of(int n, int c, int h, int w, int kernel, int stride, int pad) {
        return new Pool2dShape(n, c, h, w, kernel, kernel, stride, stride, pad, pad);
    }

    /** Output height: {@code (h + 2*padH - kh) / strideH + 1}. */
    public int outH() {
        return (h + 2 * padH - kh) / strideH + 1;
    }

    /** Output width: {@code (w + 2*padW - kw) / strideW + 1}. */
    public int outW() {
        return (w + 2 * padW - kw) / strideW + 1;
    }

    /** Number of planes, {@code n * c}. */
    public int planes() {
        return n * c;
    }

    /** Elements of the input: {@code n * c * h * w}. */
    public int inputSize() {
        return n * c * h * w;
    }

    /** Elements of the output: {@code n * c * outH * outW}. */
    public int outputSize() {
        return n * c * outH() * outW();
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("pool2d: " + name + "=" + value + " must be >= " + min);
        }
    }
}
