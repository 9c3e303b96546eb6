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
        checkPerChannel("scale", scale, s);
        checkPerChannel("shift", shift, s);
        int[] outShape = {s.n(), s.outChannels(), s.outH(), s.outW()};
        if (residual != null && !Arrays.equals(residual.shape(), outShape)) {
            throw new IllegalArgumentException("conv2dFused: residual must have the output's shape " + Shape.str(outShape)
                    + ", got " + Shape.str(residual.shape()));
        }
        float[] xd = x.detach().contiguous().rowMajorData();      // [n, inC, h, w]
        float[] wd = weight.detach().contiguous().rowMajorData(); // [outC, inC/groups, kh, kw]
        float[] sc = scale == null ? null : scale.detach().contiguous().rowMajorData();       // [outC]
        float[] sh = shift == null ? null : shift.detach().contiguous().rowMajorData();       // [outC]
        float[] rd = residual == null ? null : residual.detach().contiguous().rowMajorData(); // [n, outC, outH, outW]
        float[] y = new float[s.outputSize()];                    // [n, outC, outH, outW]
        FlopCounter.add((long) s.outputSize() * (s.inChannels() / groups) * s.kh() * s.kw());
        Conv2d.forwardFused(s, xd, wd, new ConvEpilogue(sc, sh, rd, 0, relu), y);
        return Tensor.fromStorage(y, outShape);
    }

    private static void checkPerChannel(String name, Tensor t, Conv2dShape s) {
        if (t != null && (t.dim() != 1 || t.size(0) != s.outChannels())) {
            throw new IllegalArgumentException("conv2dFused: " + name + " must be [" + s.outChannels() + "] (one per output channel),"
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
