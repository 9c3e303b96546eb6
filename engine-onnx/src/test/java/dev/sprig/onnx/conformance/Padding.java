package dev.sprig.onnx.conformance;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The padding ONNX's conv and pool attributes describe, per spatial axis: explicit {@code pads}
 * ({@code [h_begin, w_begin, h_end, w_end]}) or {@code auto_pad}, plus, for ceil-mode pools, the
 * extra end rows the last window reaches. Sprig's kernels pad symmetrically; other paddings are
 * applied as explicit {@link #pad} before a kernel with no padding.
 */
record Padding(int top, int bottom, int left, int right) {

    /**
     * Resolves {@code auto_pad}/{@code pads} for a window of {@code kh x kw} (already dilated) over
     * {@code h x w} with the given strides.
     */
    static Padding resolve(String op, Attrs a, int h, int w, int kh, int kw, int strideH, int strideW) throws Unsupported {
        String auto = a.s("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                int[] p = a.ints("pads", new int[4]);
                if (p.length != 4) {
                    throw new Unsupported(op + " pads " + java.util.Arrays.toString(p) + " are not 2-d");
                }
                return new Padding(p[0], p[2], p[1], p[3]);
            }
            case "VALID" -> {
                return new Padding(0, 0, 0, 0);
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                // out = ceil(in / stride); total padding reaches the last window; SAME_UPPER puts the odd one at the end.
                int totalH = Math.max(0, (ceilDiv(h, strideH) - 1) * strideH + kh - h);
                int totalW = Math.max(0, (ceilDiv(w, strideW) - 1) * strideW + kw - w);
                boolean upper = auto.equals("SAME_UPPER");
                int top = upper ? totalH / 2 : totalH - totalH / 2;
                int left = upper ? totalW / 2 : totalW - totalW / 2;
                return new Padding(top, totalH - top, left, totalW - left);
            }
            default -> throw new Unsupported(op + " auto_pad=" + auto + " is not an ONNX value");
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    boolean symmetric() {
        return top == bottom && left == right;
    }

    boolean none() {
        return top == 0 && bottom == 0 && left == 0 && right == 0;
    }

    /** This padding with {@code extraBottom} rows and {@code extraRight} columns more at the end. */
    Padding plusEnd(int extraBottom, int extraRight) {
        return new Padding(top, bottom + extraBottom, left, right + extraRight);
    }

    /** {@code x [n, c, h, w]} surrounded by {@code value}: {@code [n, c, top + h + bottom, left + w + right]}. */
    Tensor pad(Tensor x, float value) {
        Tensor rows = concat(x, 2, top, bottom, value);
        return concat(rows, 3, left, right, value);
    }

    private static Tensor concat(Tensor x, int dim, int before, int after, float value) {
        if (before == 0 && after == 0) {
            return x;
        }
        List<Tensor> parts = new ArrayList<>();
        int[] s = x.shape();
        if (before > 0) {
            s[dim] = before;
            parts.add(Tensor.full(value, s));
        }
        parts.add(x);
        if (after > 0) {
            s[dim] = after;
            parts.add(Tensor.full(value, s));
        }
        return Functional.concat(parts, dim);
    }
}
