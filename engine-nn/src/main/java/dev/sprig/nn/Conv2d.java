package dev.sprig.nn;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.Random;

/** 2-D convolution over {@code [n, inChannels, h, w]}; channel counts follow the weight's shape. */
public final class Conv2d extends Module {
    private final Parameter weight; // [outChannels, inChannels / groups, kh, kw]
    private final Parameter bias;   // [outChannels] or null
    private final int stride;
    private final int padding;
    private final int dilation;
    private int groups;

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, Random rng) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1 || groups < 1) {
            throw new IllegalArgumentException("Conv2d(" + inChannels + " -> " + outChannels + ", kernel " + kernel + ", stride "
                    + stride + ", padding " + padding + ", dilation " + dilation + ", groups " + groups + "): every size must be >= 1 (padding >= 0)");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: inChannels=" + inChannels + " and outChannels=" + outChannels
                    + " must both be divisible by groups=" + groups);
        }
        int fanIn = inChannels / groups * kernel * kernel;
        this.weight = registerParameter("weight", Init.defaultWeight(rng, fanIn, outChannels, inChannels / groups, kernel, kernel));
        this.bias = bias ? registerParameter("bias", Init.defaultBias(rng, fanIn, outChannels)) : null;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
    }

    /** Dense, undilated. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias, Random rng) {
        this(inChannels, outChannels, kernel, stride, padding, 1, 1, bias, rng);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public int outChannels() {
        return weight.shape()[0];
    }

    public int inChannels() {
        return weight.shape()[1] * groups;
    }

    public int kernel() {
        return weight.shape()[2];
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public int dilation() {
        return dilation;
    }

    public int groups() {
        return groups;
    }

    /** Changes the group count (pruning a depthwise conv keeps groups == channels). */
    public void setGroups(int groups) {
        if (groups < 1 || outChannels() % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must divide outChannels=" + outChannels());
        }
        this.groups = groups;
    }

    /** Output spatial size for an input of size {@code size}. */
    public int outSize(int size) {
        return (size + 2 * padding - dilation * (kernel() - 1) - 1) / stride + 1;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.conv2d(x, weight.get(), bias == null ? null : bias.get(), stride, stride, padding, padding,
                dilation, dilation, groups);
    }

    @Override
    protected String describe() {
        return "Conv2d(" + inChannels() + " -> " + outChannels() + ", k" + kernel() + ", s" + stride + ", p" + padding
                + (dilation != 1 ? ", d" + dilation : "") + (groups != 1 ? ", g" + groups : "") + (bias == null ? ", no bias" : "") + ")";
    }
}
