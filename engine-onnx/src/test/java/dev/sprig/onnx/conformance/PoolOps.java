package dev.sprig.onnx.conformance;

import static dev.sprig.onnx.conformance.OpFn.out;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.Map;

/**
 * MaxPool and AveragePool on Sprig's pooling kernels. Sprig pads symmetrically by at most half the
 * window and rounds the output size down (PyTorch's contract); ONNX's asymmetric, larger, SAME and
 * ceil-mode paddings run as an explicit pad and an unpadded pool: −∞ for max; for average, the sum
 * over the window divided by the number of counted elements, both from the same average pool
 * (padded input, and a padded 0/1 mask of what counts).
 */
final class PoolOps {
    private PoolOps() {}

    static void register(Map<String, OpFn> table) {
        table.put("MaxPool", c -> pool(c, true));
        table.put("AveragePool", c -> pool(c, false));
    }

    private static Value[] pool(NodeCall c, boolean max) throws Unsupported {
        Attrs a = c.attrs();
        String op = c.op();
        a.allow("auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "storage_order", "strides");
        if (max) {
            c.maxOutputs(1, "Indices");
        }
        Tensor x = c.x(0);
        boolean oneD = x.dim() == 3;
        if (x.dim() != 4 && !oneD) {
            throw new Unsupported(op + " over " + (x.dim() - 2) + " spatial dims: Sprig's pooling is 2-d");
        }
        int[] dilations = NnOps.twoD(a.ints("dilations", null), oneD);
        if (dilations[0] != 1 || dilations[1] != 1) {
            throw new Unsupported(op + " dilations " + java.util.Arrays.toString(a.ints("dilations", null))
                    + ": Sprig's pooling has no dilation");
        }
        if (oneD) {
            x = x.unsqueeze(2);
        }
        int[] kernel = NnOps.twoD(a.ints("kernel_shape", null), oneD);
        int[] strides = NnOps.twoD(a.ints("strides", null), oneD);
        int h = x.size(2);
        int w = x.size(3);
        Padding p = oneD ? NnOps.oneDPadding(op, a, w, kernel[1], strides[1])
                : Padding.resolve(op, a, h, w, kernel[0], kernel[1], strides[0], strides[1]);
        // Ceil mode: the last window may reach past the padded input; that overhang is extra end padding.
        Padding full = p;
        if (a.i("ceil_mode", 0) == 1) {
            full = p.plusEnd(ceilOverhang(h + p.top() + p.bottom(), kernel[0], strides[0]),
                    ceilOverhang(w + p.left() + p.right(), kernel[1], strides[1]));
        }
        boolean countPad = a.i("count_include_pad", 0) == 1;
        boolean direct = full.symmetric() && full.top() <= kernel[0] / 2 && full.left() <= kernel[1] / 2;
        Tensor y;
        if (direct) {
            y = max ? Functional.maxPool2d(x, kernel[0], kernel[1], strides[0], strides[1], full.top(), full.left())
                    : Functional.avgPool2d(x, kernel[0], kernel[1], strides[0], strides[1], full.top(), full.left(), countPad);
        } else if (max) {
            y = Functional.maxPool2d(full.pad(x, Float.NEGATIVE_INFINITY), kernel[0], kernel[1], strides[0], strides[1], 0, 0);
        } else {
            // Counted elements: the input, and the explicit padding when count_include_pad (never the ceil overhang).
            Tensor ones = Tensor.ones(1, 1, h, w);
            Tensor mask = countPad ? p.pad(ones, 1f) : p.pad(ones, 0f);
            mask = new Padding(0, full.bottom() - p.bottom(), 0, full.right() - p.right()).pad(mask, 0f);
            Tensor sum = Functional.avgPool2d(full.pad(x, 0f), kernel[0], kernel[1], strides[0], strides[1], 0, 0, true);
            Tensor count = Functional.avgPool2d(mask, kernel[0], kernel[1], strides[0], strides[1], 0, 0, true);
            y = sum.div(count);
        }
        return out(oneD ? y.squeeze(2) : y);
    }

    /** Rows past {@code padded} that ceil mode's last window covers: {@code (ceil((padded − k)/s)·s + k) − padded}. */
    private static int ceilOverhang(int padded, int k, int s) {
        int outCeil = Padding.ceilDiv(padded - k, s) + 1;
        return Math.max(0, (outCeil - 1) * s + k - padded);
    }
}
