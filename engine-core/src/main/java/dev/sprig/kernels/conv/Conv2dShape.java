package dev.sprig.kernels.conv;

/**
 * The geometry of a 2-D convolution over NCHW tensors, validated on construction.
 *
 * <p>Shapes of the arrays the kernels take:
 * <ul>
 *   <li>input {@code x}: {@code [n, inChannels, h, w]}</li>
 *   <li>weight: {@code [outChannels, inChannels / groups, kh, kw]}</li>
 *   <li>bias: {@code [outChannels]}</li>
 *   <li>output {@code y}: {@code [n, outChannels, outH(), outW()]}</li>
 * </ul>
 * Output size follows PyTorch: {@code (h + 2*padH - dilationH*(kh-1) - 1) / strideH + 1}
 * (floor division, no ceil mode). Padding is implicit zeros on both sides.
 *
 * @param n           batch size (>= 0; an empty batch is a no-op)
 * @param inChannels  input channels, divisible by {@code groups}
 * @param h           input height
 * @param w           input width
 * @param outChannels output channels, divisible by {@code groups}
 * @param kh          kernel height
 * @param kw          kernel width
 * @param strideH     vertical stride (>= 1)
 * @param strideW     horizontal stride (>= 1)
 * @param padH        zero padding rows added above and below (>= 0)
 * @param padW        zero padding columns added left and right (>= 0)
 * @param dilationH   vertical kernel dilation (>= 1)
 * @param dilationW   horizontal kernel dilation (>= 1)
 * @param groups      channel groups (1 = dense; inChannels = outChannels = groups is depthwise)
 */
public record Conv2dShape(int n, int inChannels, int h, int w, int outChannels, int kh, int kw,
                          int strideH, int strideW, int padH, int padW,
                          int dilationH, int dilationW, int groups) {

    public Conv2dShape {
        requireAtLeast("n", n, 0);
        requireAtLeast("inChannels", inChannels, 1);
        requireAtLeast("h", h, 1);
        requireAtLeast("w", w, 1);
        requireAtLeast("outChannels", outChannels, 1);
        requireAtLeast("kh", kh, 1);
        requireAtLeast("kw", kw, 1);
        requireAtLeast("strideH", strideH, 1);
        requireAtLeast("strideW", strideW, 1);
        requireAtLeast("padH", padH, 0);
        requireAtLeast("padW", padW, 0);
        requireAtLeast("dilationH", dilationH, 1);
        requireAtLeast("dilationW", dilationW, 1);
        requireAtLeast("groups", groups, 1);
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("conv2d: inChannels=" + inChannels
                    + " is not divisible by groups=" + groups);
        }
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException("conv2d: outChannels=" + outChannels
                    + " is not divisible by groups=" + groups);
        }
        long effKh = (long) dilationH * (kh - 1) + 1;
        long effKw = (long) dilationW * (kw - 1) + 1;
        if (effKh > (long) h + 2L * padH || effKw > (long) w + 2L * padW) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " (dilated " + effKh + "x"
                    + effKw + ") is bigger than the padded input " + ((long) h + 2L * padH) + "x"
                    + ((long) w + 2L * padW) + " (h=" + h + ", w=" + w + ", padH=" + padH + ", padW=" + padW + ")");
        }
        int oh = (int) (((long) h + 2L * padH - effKh) / strideH + 1);
        int ow = (int) (((long) w + 2L * padW - effKw) / strideW + 1);
        requireFits("input", (long) n * inChannels * h * w);
        requireFits("output", (long) n * outChannels * oh * ow);
        requireFits("weight", (long) outChannels * (inChannels / groups) * kh * kw);
        requireFits("im2col buffer", (long) (inChannels / groups) * kh * kw * oh * ow);
    }

    /** A square-kernel, dense (groups = 1), undilated convolution. */
    public static Conv2dShape of(int n, int inChannels, int h, int w, int outChannels,
                                 int kernel, int stride, int pad) {
        return new Conv2dShape(n, inChannels, h, w, outChannels, kernel, kernel,
                stride, stride, pad, pad, 1, 1, 1);
    }

    /** Output height: {@code (h + 2*padH - dilationH*(kh-1) - 1) / strideH + 1}. */
    public int outH() {
        return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
    }

    /** Output width: {@code (w + 2*padW - dilationW*(kw-1) - 1) / strideW + 1}. */
    public int outW() {
        return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
    }

    /** Input channels each group sees ({@code inChannels / groups}). */
    public int inPerGroup() {
        return inChannels / groups;
    }

    /** Output channels each group produces ({@code outChannels / groups}). */
    public int outPerGroup() {
        return outChannels / groups;
    }

    /** Length of one output channel's dot product: {@code inPerGroup * kh * kw} (rows of im2col). */
    public int patchSize() {
        return inPerGroup() * kh * kw;
    }

    /** Elements of {@code x}: {@code n * inChannels * h * w}. */
    public int inputSize() {
        return n * inChannels * h * w;
    }

    /** Elements of the weight: {@code outChannels * inPerGroup * kh * kw}. */
    public int weightSize() {
        return outChannels * patchSize();
    }

    /** Elements of {@code y}: {@code n * outChannels * outH * outW}. */
    public int outputSize() {
        return n * outChannels * outH() * outW();
    }

    /** True for a depthwise convolution: one filter per channel ({@code groups == inChannels == outChannels}). */
    public boolean isDepthwise() {
        return groups == inChannels && groups == outChannels && groups > 1;
    }

    /** True when the input plane already is the im2col matrix: 1x1 kernel, stride 1, no padding. */
    public boolean isPointwise() {
        return kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }

    /** Floating-point operations of the forward pass: {@code 2*n*outC*outH*outW*(inC/groups)*kh*kw}. */
    public long flops() {
        return 2L * n * outChannels * outH() * outW() * inPerGroup() * kh * kw;
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("conv2d: " + name + "=" + value + " must be >= " + min);
        }
    }

    private static void requireFits(String what, long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("conv2d: " + what + " of " + size
                    + " elements does not fit in a Java array");
        }
    }
}
