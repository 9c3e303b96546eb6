package dev.sprig.onnx.conformance;

import static dev.sprig.onnx.conformance.OpFn.out;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/** Layer ONNX operators on Sprig's {@code Functional} ops: conv, GEMM, matmul, batch and layer norm, global pooling. */
final class NnOps {
    private NnOps() {}

    static void register(Map<String, OpFn> table) {
        table.put("Conv", NnOps::conv);
        table.put("Gemm", NnOps::gemm);
        table.put("MatMul", c -> {
            c.attrs().allow();
            return out(c.x(0).matmul(c.x(1)));
        });
        table.put("BatchNormalization", NnOps::batchNorm);
        table.put("LayerNormalization", NnOps::layerNorm);
        table.put("GlobalAveragePool", NnOps::globalAvgPool);
    }

    /**
     * Sprig's conv2d pads symmetrically: ONNX's asymmetric or SAME paddings run as an explicit zero
     * pad then an unpadded conv (the same sums). A 1-d conv runs as a 2-d one of height 1.
     */
    private static Value[] conv(NodeCall c) throws Unsupported {
        Attrs a = c.attrs();
        a.allow("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        Tensor x = c.x(0);
        Tensor w = c.x(1);
        Tensor b = c.optionalX(2);
        boolean oneD = x.dim() == 3;
        if (x.dim() != 4 && !oneD) {
            throw new Unsupported("Conv over " + (x.dim() - 2) + " spatial dims: Sprig's conv is 2-d");
        }
        if (oneD) {
            x = x.unsqueeze(2);
            w = w.unsqueeze(2);
        }
        int[] kernel = a.ints("kernel_shape", null);
        if (kernel != null && !Arrays.equals(kernel, oneD ? new int[] {w.size(3)} : new int[] {w.size(2), w.size(3)})) {
            throw new IllegalArgumentException("Conv kernel_shape " + Arrays.toString(kernel) + " disagrees with W " + Shape.str(w.shape()));
        }
        int[] strides = twoD(a.ints("strides", null), oneD);
        int[] dilations = twoD(a.ints("dilations", null), oneD);
        int group = a.i("group", 1);
        int effKh = dilations[0] * (w.size(2) - 1) + 1;
        int effKw = dilations[1] * (w.size(3) - 1) + 1;
        Padding p = oneD ? oneDPadding("Conv", a, x.size(3), effKw, strides[1])
                : Padding.resolve("Conv", a, x.size(2), x.size(3), effKh, effKw, strides[0], strides[1]);
        Tensor y;
        if (p.symmetric()) {
            y = Functional.conv2d(x, w, b, strides[0], strides[1], p.top(), p.left(), dilations[0], dilations[1], group);
        } else {
            y = Functional.conv2d(p.pad(x, 0f), w, b, strides[0], strides[1], 0, 0, dilations[0], dilations[1], group);
        }
        return out(oneD ? y.squeeze(2) : y);
    }

    /** A 1-d attribute list as the 2-d one of a height-1 image (default all ones). */
    static int[] twoD(int[] v, boolean oneD) {
        if (v == null) {
            return new int[] {1, 1};
        }
        return oneD ? new int[] {1, v[0]} : v;
    }

    /** 1-d pads {@code [begin, end]} (or auto_pad) as 2-d ones with no vertical padding. */
    static Padding oneDPadding(String op, Attrs a, int w, int kw, int stride) throws Unsupported {
        String auto = a.s("auto_pad", "NOTSET");
        if (!auto.equals("NOTSET")) {
            Padding p = Padding.resolve(op, a, 1, w, 1, kw, 1, stride);
            return new Padding(0, 0, p.left(), p.right());
        }
        int[] pads = a.ints("pads", new int[2]);
        return new Padding(0, 0, pads[0], pads[1]);
    }

    /** {@code Y = alpha · A' · B' + beta · C}, with A', B' optionally transposed and C broadcast. */
    private static Value[] gemm(NodeCall c) throws Unsupported {
        Attrs a = c.attrs();
        a.allow("alpha", "beta", "transA", "transB");
        Tensor A = c.x(0);
        Tensor B = c.x(1);
        Tensor C = c.optionalX(2);
        if (a.i("transA", 0) == 1) {
            A = A.t();
        }
        if (a.i("transB", 0) == 1) {
            B = B.t();
        }
        float alpha = a.f("alpha", 1f);
        float beta = a.f("beta", 1f);
        Tensor y = A.matmul(B);
        if (alpha != 1f) {
            y = y.mul(alpha);
        }
        if (C != null) {
            y = y.add(beta == 1f ? C : C.mul(beta));
        }
        return out(y);
    }

    /**
     * Inference uses the given statistics. In training mode ONNX normalises with the batch statistics
     * and returns running statistics {@code r·momentum + batch·(1 − momentum)}; Sprig's momentum is the
     * weight of the batch (PyTorch's), so it is passed as {@code 1 − momentum}. The running variance
     * differs by design (ONNX blends in the biased batch variance, PyTorch and Sprig the unbiased
     * one), so a graph that asks for it is skipped.
     */
    private static Value[] batchNorm(NodeCall c) throws Unsupported {
        Attrs a = c.attrs();
        a.allow("epsilon", "momentum", "training_mode", "spatial");
        if (a.i("spatial", 1) != 1) {
            throw new Unsupported("BatchNormalization spatial=0 (per-element statistics) is not mapped");
        }
        float eps = a.f("epsilon", 1e-5f);
        Tensor x = c.x(0);
        Tensor scale = c.x(1);
        Tensor bias = c.x(2);
        Tensor mean = c.x(3);
        Tensor var = c.x(4);
        if (a.i("training_mode", 0) == 0) {
            c.maxOutputs(1, "running statistics outside training mode");
            return out(Functional.batchNorm(x, mean, var, scale, bias, false, 0.1f, eps));
        }
        if (c.outputs() >= 3) {
            throw new Unsupported("BatchNormalization training_mode running_var: ONNX updates it with the biased batch"
                    + " variance, Sprig (as PyTorch) with the unbiased one");
        }
        // Sprig updates the running statistics in place: give it copies.
        Tensor runningMean = Tensor.of(mean.toArray(), mean.shape());
        Tensor runningVar = Tensor.of(var.toArray(), var.shape());
        float momentum = a.f("momentum", 0.9f);
        Tensor y = Functional.batchNorm(x, runningMean, runningVar, scale, bias, true, 1f - momentum, eps);
        return new Value[] {new Value.Floats(y), new Value.Floats(runningMean)};
    }

    /**
     * ONNX normalises over dims {@code axis..}: as Sprig's last-dim layer norm over the input
     * reshaped to {@code [prod before axis, prod from axis]}. The optional Mean and InvStdDev
     * outputs are computed with Sprig's tensor ops.
     */
    private static Value[] layerNorm(NodeCall c) throws Unsupported {
        Attrs a = c.attrs();
        a.allow("axis", "epsilon", "stash_type");
        if (a.i("stash_type", 1) != 1) {
            throw new Unsupported("LayerNormalization stash_type=" + a.i("stash_type", 1) + ": Sprig computes in float32");
        }
        Tensor x = c.x(0);
        int rank = x.dim();
        int axis = NodeCall.axis(a.i("axis", -1L), rank);
        float eps = a.f("epsilon", 1e-5f);
        int[] s = x.shape();
        int rows = Shape.numel(Arrays.copyOfRange(s, 0, axis));
        int d = Shape.numel(Arrays.copyOfRange(s, axis, rank));
        Tensor x2 = x.reshape(rows, d);
        Tensor scale = c.x(1).reshape(d);
        Tensor bias = c.optionalX(2);
        Tensor y = Functional.layerNorm(x2, scale, bias == null ? null : bias.reshape(d), eps).reshape(s);
        int[] statShape = s.clone();
        for (int i = axis; i < rank; i++) {
            statShape[i] = 1;
        }
        Tensor mean = x2.mean(1, true);                                      // [rows, 1]
        Tensor std = x2.sub(mean).pow(2f).mean(1, true).add(eps).sqrt();   // [rows, 1]
        Value[] outs = {
                new Value.Floats(y),
                new Value.Floats(mean.reshape(statShape)),
                new Value.Floats(Tensor.scalar(1f).div(std).reshape(statShape))};
        return Arrays.copyOf(outs, Math.max(1, c.outputs()));
    }

    private static Value[] globalAvgPool(NodeCall c) throws Unsupported {
        c.attrs().allow();
        Tensor x = c.x(0);
        if (x.dim() != 4) {
            throw new Unsupported("GlobalAveragePool over " + (x.dim() - 2) + " spatial dims: Sprig's is 2-d");
        }
        return out(Functional.globalAvgPool2d(x).reshape(x.size(0), x.size(1), 1, 1));
    }
}
