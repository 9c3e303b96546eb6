package dev.sprig.ops;

import dev.sprig.kernels.conv.Conv2d;
import dev.sprig.kernels.conv.Conv2dShape;
import dev.sprig.kernels.conv.ConvEpilogue;
import dev.sprig.kernels.pool.AvgPool2d;
import dev.sprig.kernels.pool.GlobalAvgPool2d;
import dev.sprig.kernels.pool.MaxPool2d;
import dev.sprig.kernels.pool.Pool2dShape;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.function.Supplier;

/** Convolution and pooling over NCHW tensors, on the kernels of {@code dev.sprig.kernels.conv/pool}. */
final class ConvOps {
    private ConvOps() {}

    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW,
                         int dilationH, int dilationW, int groups) {
        Conv2dShape s = shape("conv2d", x, weight, strideH, strideW, padH, padW, dilationH, dilationW, groups);
        int[] xs = x.shape();
        int[] ws = weight.shape();
        if (bias != null && (bias.dim() != 1 || bias.size(0) != ws[0])) {
            throw new IllegalArgumentException("conv2d: bias must be [" + ws[0] + "], got " + Shape.str(bias.shape()));
        }
        float[] xd = x.detach().contiguous().rowMajorData();      // [n, inC, h, w]
        float[] wd = weight.detach().contiguous().rowMajorData(); // [outC, inC/groups, kh, kw]
        float[] bd = bias == null ? null : bias.detach().contiguous().rowMajorData();
        float[] y = new float[s.outputSize()];                    // [n, outC, outH, outW]
        FlopCounter.add((long) s.outputSize() * (s.inChannels() / groups) * s.kh() * s.kw());
        Conv2d.forward(s, xd, wd, bd, y);
        Tensor out = Tensor.fromStorage(y, s.n(), s.outChannels(), s.outH(), s.outW());
        return Autograd.record(out, "conv2d", (g, needs) -> {
            float[] dy = g.contiguous().rowMajorData();
            Tensor dx = null;
            Tensor dw = null;
            Tensor db = null;
            if (needs[0]) {
                float[] d = new float[s.inputSize()];
                Conv2d.backwardInput(s, dy, wd, d);   // dX = col2im(Wᵀ · dY)
                dx = Tensor.fromStorage(d, xs);
            }
            if (needs[1]) {
                float[] d = new float[s.weightSize()];
                Conv2d.backwardWeight(s, xd, dy, d);  // dW = Σ_n dY_n · im2col(X_n)ᵀ
                dw = Tensor.fromStorage(d, ws);
            }
            if (bias != null && needs[2]) {
                float[] d = new float[s.outChannels()];
                Conv2d.backwardBias(s, dy, d);        // db = Σ_{n, oh, ow} dY
                db = Tensor.fromStorage(d, s.outChannels());
            }
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias);
    }

    /**
     * Inference-only {@code relu?(conv2d(x, weight)·scale + shift + residual)} in one convolution
     * call ({@link Conv2d#forwardFused}); no graph is recorded, so it refuses to run where one
     * would be (grad mode on and an input requiring a gradient).
     */
    static Tensor conv2dFused(Tensor x, Tensor weight, Tensor scale, Tensor shift, Tensor residual, boolean relu,
                              int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
        InferenceOnly.check("conv2dFused", new String[] {"x", "weight", "scale", "shift", "residual"}, x, weight, scale, shift, residual);
        Conv2dShape s = shape("conv2dFused", x, weight, strideH, strideW, padH, padW, dilationH, dilationW, groups);
        checkPerChannel("conv2dFused", "scale", scale, s);
        checkPerChannel("conv2dFused", "shift", shift, s);
        int[] outShape = {s.n(), s.outChannels(), s.outH(), s.outW()};
        if (residual != null && !Arrays.equals(residual.shape(), outShape)) {
            throw new IllegalArgumentException("conv2dFused: residual must have the output's shape " + Shape.str(outShape)
                    + ", got " + Shape.str(residual.shape()));
        }
        float[] xd = x.detach().contiguous().rowMajorData();      // [n, inC, h, w]
        float[] wd = weight.detach().contiguous().rowMajorData(); // [outC, inC/groups, kh, kw]
        float[] sc = data(scale);    // [outC]
        float[] sh = data(shift);    // [outC]
        float[] rd = data(residual); // [n, outC, outH, outW]
        float[] y = new float[s.outputSize()];                    // [n, outC, outH, outW]
        FlopCounter.add((long) s.outputSize() * (s.inChannels() / groups) * s.kh() * s.kw());
        Conv2d.forwardFused(s, xd, wd, new ConvEpilogue(sc, sh, rd, 0, relu), y);
        return Tensor.fromStorage(y, outShape);
    }

    /**
     * Two fused convolutions in a row ({@link Conv2d#forwardPair}); each conv is given as
     * {@code {stride, padding, dilation, groups}} (square).
     */
    static Tensor conv2dPairFused(Tensor x, Tensor w1, Tensor scale1, Tensor shift1, boolean relu1, int[] conv1,
                                  Tensor w2, Tensor scale2, Tensor shift2, Tensor residual, boolean relu2, int[] conv2) {
        String op = "conv2dPairFused";
        InferenceOnly.check(op, new String[] {"x", "w1", "scale1", "shift1", "w2", "scale2", "shift2", "residual"},
                x, w1, scale1, shift1, w2, scale2, shift2, residual);
        Conv2dShape s1 = named(op, "conv1", conv1,
                () -> shape(op, x, w1, conv1[0], conv1[0], conv1[1], conv1[1], conv1[2], conv1[2], conv1[3]));
        int[] midShape = {s1.n(), s1.outChannels(), s1.outH(), s1.outW()};
        if (w2.dim() != 4 || w2.size(1) * conv2[3] != s1.outChannels()) {
            throw new IllegalArgumentException(op + ": w2 must read the first convolution's " + s1.outChannels()
                    + " output channels (shape [outChannels, " + s1.outChannels() + "/groups, kh, kw]), got " + Shape.str(w2.shape())
                    + " with groups " + conv2[3]);
        }
        int[] ws2 = w2.shape();
        Conv2dShape s2 = named(op, "conv2", conv2, () -> new Conv2dShape(midShape[0], midShape[1], midShape[2], midShape[3],
                ws2[0], ws2[2], ws2[3], conv2[0], conv2[0], conv2[1], conv2[1], conv2[2], conv2[2], conv2[3]));
        checkPerChannel(op, "scale1", scale1, s1);
        checkPerChannel(op, "shift1", shift1, s1);
        checkPerChannel(op, "scale2", scale2, s2);
        checkPerChannel(op, "shift2", shift2, s2);
        int[] outShape = {s2.n(), s2.outChannels(), s2.outH(), s2.outW()};
        if (residual != null && !Arrays.equals(residual.shape(), outShape)) {
            throw new IllegalArgumentException(op + ": residual must have the output's shape " + Shape.str(outShape)
                    + ", got " + Shape.str(residual.shape()));
        }
        float[] xd = x.detach().contiguous().rowMajorData();    // [n, inC, h, w]
        float[] w1d = w1.detach().contiguous().rowMajorData();  // [midC, inC/groups, kh, kw]
        float[] w2d = w2.detach().contiguous().rowMajorData();  // [outC, midC/groups, kh, kw]
        float[] rd = data(residual);                            // [n, outC, outH, outW]
        float[] y = new float[s2.outputSize()];                 // [n, outC, outH, outW]
        FlopCounter.add((long) s1.outputSize() * (s1.inChannels() / s1.groups()) * s1.kh() * s1.kw()
                + (long) s2.outputSize() * (s2.inChannels() / s2.groups()) * s2.kh() * s2.kw());
        Conv2d.forwardPair(s1, xd, w1d, new ConvEpilogue(data(scale1), data(shift1), null, 0, relu1),
                s2, w2d, new ConvEpilogue(data(scale2), data(shift2), rd, 0, relu2), y);
        return Tensor.fromStorage(y, outShape);
    }

    /** The shape {@code make} builds, or its error prefixed with which convolution of the pair and its settings. */
    private static Conv2dShape named(String op, String which, int[] conv, Supplier<Conv2dShape> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + which + " {stride, padding, dilation, groups} = " + Arrays.toString(conv)
                    + ": " + e.getMessage(), e);
        }
    }

    /** A tensor's row-major floats, or null for null. */
    private static float[] data(Tensor t) {
        return t == null ? null : t.detach().contiguous().rowMajorData();
    }

    private static void checkPerChannel(String op, String name, Tensor t, Conv2dShape s) {
        if (t != null && (t.dim() != 1 || t.size(0) != s.outChannels())) {
            throw new IllegalArgumentException(op + ": " + name + " must be [" + s.outChannels() + "] (one per output channel),"
                    + " got " + Shape.str(t.shape()));
        }
    }

    /** The kernel shape of {@code x [n, c, h, w]} convolved with {@code weight [outC, c/groups, kh, kw]}, or an error naming the shapes. */
    private static Conv2dShape shape(String op, Tensor x, Tensor weight, int strideH, int strideW, int padH, int padW,
                                     int dilationH, int dilationW, int groups) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + " expects input [n, c, h, w], got " + Shape.str(x.shape()));
        }
        if (weight.dim() != 4) {
            throw new IllegalArgumentException(op + " expects weight [outChannels, inChannels/groups, kh, kw], got "
                    + Shape.str(weight.shape()));
        }
        int[] xs = x.shape();
        int[] ws = weight.shape();
        if (groups < 1 || xs[1] != ws[1] * groups) {
            throw new IllegalArgumentException(op + " expects " + (ws[1] * Math.max(groups, 1)) + " input channels (weight "
                    + Shape.str(ws) + ", groups " + groups + "), got " + xs[1] + " (input shape " + Shape.str(xs) + ")");
        }
        return new Conv2dShape(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3],
                strideH, strideW, padH, padW, dilationH, dilationW, groups);
    }

    private static Pool2dShape poolShape(String op, Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + " expects input [n, c, h, w], got " + Shape.str(x.shape()));
        }
        int[] xs = x.shape();
        return new Pool2dShape(xs[0], xs[1], xs[2], xs[3], kh, kw, strideH, strideW, padH, padW);
    }

    static Tensor maxPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW) {
        Pool2dShape s = poolShape("maxPool2d", x, kh, kw, strideH, strideW, padH, padW);
        float[] xd = x.detach().contiguous().rowMajorData();
        float[] y = new float[s.outputSize()];
        int[] argmax = new int[s.outputSize()]; // [n, c, outH, outW]: in-plane index of each window's max
        MaxPool2d.forward(s, xd, y, argmax);
        Tensor out = Tensor.fromStorage(y, s.n(), s.c(), s.outH(), s.outW());
        int[] xs = x.shape();
        return Autograd.record(out, "maxPool2d", (g, needs) -> {
            float[] dx = new float[s.inputSize()];
            MaxPool2d.backward(s, g.contiguous().rowMajorData(), argmax, dx); // dX[argmax] += dY
            return new Tensor[] {Tensor.fromStorage(dx, xs)};
        }, x);
    }

    static Tensor avgPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {
        Pool2dShape s = poolShape("avgPool2d", x, kh, kw, strideH, strideW, padH, padW);
        float[] xd = x.detach().contiguous().rowMajorData();
        float[] y = new float[s.outputSize()];
        AvgPool2d.forward(s, countIncludePad, xd, y);
        Tensor out = Tensor.fromStorage(y, s.n(), s.c(), s.outH(), s.outW());
        int[] xs = x.shape();
        return Autograd.record(out, "avgPool2d", (g, needs) -> {
            float[] dx = new float[s.inputSize()];
            AvgPool2d.backward(s, countIncludePad, g.contiguous().rowMajorData(), dx); // dY / count over each window
            return new Tensor[] {Tensor.fromStorage(dx, xs)};
        }, x);
    }

    static Tensor globalAvgPool2d(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("globalAvgPool2d expects input [n, c, h, w], got " + Shape.str(x.shape()));
        }
        int[] xs = x.shape();
        int n = xs[0];
        int c = xs[1];
        float[] xd = x.detach().contiguous().rowMajorData();
        float[] y = new float[n * c]; // [n, c]
        GlobalAvgPool2d.forward(n, c, xs[2], xs[3], xd, 0, y, 0);
        Tensor out = Tensor.fromStorage(y, n, c);
        return Autograd.record(out, "globalAvgPool2d", (g, needs) -> {
            float[] dx = new float[xd.length];
            GlobalAvgPool2d.backward(n, c, xs[2], xs[3], g.contiguous().rowMajorData(), 0, dx, 0); // dY / (h·w)
            return new Tensor[] {Tensor.fromStorage(dx, xs)};
        }, x);
    }
}
