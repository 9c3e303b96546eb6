package dev.sprig.onnx.conformance;

import static dev.sprig.onnx.conformance.OpFn.out;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/** Reductions, argmax and (log-)softmax on Sprig's {@code sum/mean/max/argmax} and {@code Functional.softmax}. */
final class ReduceOps {
    private ReduceOps() {}

    static void register(Map<String, OpFn> table) {
        table.put("ReduceSum", c -> reduce(c, Kind.SUM));
        table.put("ReduceMean", c -> reduce(c, Kind.MEAN));
        table.put("ReduceMax", c -> reduce(c, Kind.MAX));
        table.put("ArgMax", ReduceOps::argmax);
        table.put("Softmax", c -> softmax(c, false));
        table.put("LogSoftmax", c -> softmax(c, true));
    }

    private enum Kind { SUM, MEAN, MAX }

    /** The axes come as an attribute before ReduceSum-13 / other reductions' opset 18, as input 1 from then on. */
    private static Value[] reduce(NodeCall c, Kind kind) throws Unsupported {
        boolean axesAsInput = c.opset() >= (kind == Kind.SUM ? 13 : 18);
        Attrs a = c.attrs();
        long[] axes;
        if (axesAsInput) {
            a.allow("keepdims", "noop_with_empty_axes");
            axes = c.ints(1, "axes");
        } else {
            a.allow("keepdims", "axes");
            int[] attr = a.ints("axes", null);
            axes = attr == null ? null : Arrays.stream(attr).asLongStream().toArray();
        }
        boolean keep = a.i("keepdims", 1) == 1;
        Tensor x = c.x(0);
        int rank = x.dim();
        if (axes == null || axes.length == 0) {
            if (a.i("noop_with_empty_axes", 0) == 1) {
                return out(x);
            }
            axes = new long[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
        }
        int[] dims = Arrays.stream(axes).mapToInt(ax -> NodeCall.axis(ax, rank)).sorted().distinct().toArray();
        return out(switch (kind) {
            case SUM -> x.sum(dims, keep);
            case MEAN -> x.mean(dims, keep);
            case MAX -> max(x, dims, keep);
        });
    }

    /** Sprig's max reduces one dimension: several are reduced one at a time (max is exact in any order). */
    private static Tensor max(Tensor x, int[] dims, boolean keep) {
        Tensor y = x;
        for (int d : dims) {
            y = y.max(d, true);
        }
        if (keep) {
            return y;
        }
        int[] shape = y.shape();
        int[] kept = new int[shape.length - dims.length];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (Arrays.binarySearch(dims, i) < 0) {
                kept[k++] = shape[i];
            }
        }
        return y.reshape(kept);
    }

    private static Value[] argmax(NodeCall c) throws Unsupported {
        c.attrs().allow("axis", "keepdims", "select_last_index");
        if (c.attrs().i("select_last_index", 0) == 1) {
            throw new Unsupported("ArgMax select_last_index=1: Sprig's argmax returns the first maximum");
        }
        Tensor x = c.x(0);
        int axis = NodeCall.axis(c.attrs().i("axis", 0L), x.dim());
        Tensor idx = x.argmax(axis, c.attrs().i("keepdims", 1) == 1);
        float[] f = idx.toArray();
        long[] v = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = (long) f[i];
        }
        return new Value[] {new Value.Ints(v, idx.shape())};
    }

    /**
     * From opset 13 (log-)softmax runs along one axis (default -1); before, the input is coerced to
     * 2-d {@code [prod before axis, prod from axis]} (default axis 1) and normalised over the rows.
     */
    private static Value[] softmax(NodeCall c, boolean log) throws Unsupported {
        c.attrs().allow("axis");
        Tensor x = c.x(0);
        int rank = x.dim();
        if (c.opset() >= 13) {
            int axis = NodeCall.axis(c.attrs().i("axis", -1L), rank);
            return out(log ? Functional.logSoftmax(x, axis) : Functional.softmax(x, axis));
        }
        int axis = NodeCall.axis(c.attrs().i("axis", 1L), rank);
        int[] s = x.shape();
        int outer = dev.sprig.tensor.Shape.numel(Arrays.copyOfRange(s, 0, axis));
        Tensor x2 = x.reshape(outer, -1);
        Tensor y = log ? Functional.logSoftmax(x2, 1) : Functional.softmax(x2, 1);
        return out(y.reshape(s));
    }
}
