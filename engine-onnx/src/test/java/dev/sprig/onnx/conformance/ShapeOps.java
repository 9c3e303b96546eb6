package dev.sprig.onnx.conformance;

import static dev.sprig.onnx.conformance.OpFn.out;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Layout ONNX operators on Sprig's views ({@code permute, reshape, slice, expand, ...}), concat and indexSelect. */
final class ShapeOps {
    private ShapeOps() {}

    static void register(Map<String, OpFn> table) {
        table.put("Transpose", ShapeOps::transpose);
        table.put("Reshape", ShapeOps::reshape);
        table.put("Flatten", ShapeOps::flatten);
        table.put("Concat", ShapeOps::concat);
        table.put("Slice", ShapeOps::slice);
        table.put("Gather", ShapeOps::gather);
        table.put("Unsqueeze", ShapeOps::unsqueeze);
        table.put("Squeeze", ShapeOps::squeeze);
        table.put("Expand", ShapeOps::expand);
        table.put("Constant", ShapeOps::constant);
    }

    private static Value[] transpose(NodeCall c) throws Unsupported {
        c.attrs().allow("perm");
        Tensor x = c.x(0);
        int rank = x.dim();
        int[] reversed = new int[rank];
        for (int i = 0; i < rank; i++) {
            reversed[i] = rank - 1 - i;
        }
        return out(x.permute(c.attrs().ints("perm", reversed)));
    }

    /** ONNX shape entries: 0 copies the input's size there (unless allowzero), -1 is inferred. */
    private static Value[] reshape(NodeCall c) throws Unsupported {
        c.attrs().allow("allowzero");
        boolean allowZero = c.attrs().i("allowzero", 0) == 1;
        Tensor x = c.x(0);
        long[] spec = c.ints(1, "shape");
        int[] from = x.shape();
        int[] to = new int[spec.length];
        for (int i = 0; i < spec.length; i++) {
            to[i] = spec[i] == 0 && !allowZero ? from[i] : Math.toIntExact(spec[i]);
        }
        return out(x.reshape(to));
    }

    /** {@code [d0..d(axis-1), d(axis)..]} to 2-d {@code [prod before axis, prod from axis]}. */
    private static Value[] flatten(NodeCall c) throws Unsupported {
        c.attrs().allow("axis");
        Tensor x = c.x(0);
        int rank = x.dim();
        long a = c.attrs().i("axis", 1L);
        int axis = (int) (a < 0 ? a + rank : a);
        int[] s = x.shape();
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, axis));
        int inner = Shape.numel(Arrays.copyOfRange(s, axis, rank));
        return out(x.reshape(outer, inner));
    }

    private static Value[] concat(NodeCall c) throws Unsupported {
        c.attrs().allow("axis");
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < c.inputs().length; i++) {
            parts.add(c.x(i));
        }
        int axis = NodeCall.axis(c.attrs().i("axis", 0L), parts.get(0).dim());
        return out(Functional.concat(parts, axis));
    }

    /** Starts and ends are clamped into the dimension as ONNX says; Sprig's slice takes steps >= 1. */
    private static Value[] slice(NodeCall c) throws Unsupported {
        c.attrs().allow();
        if (c.opset() < 10) {
            throw new Unsupported("Slice before opset 10 (starts/ends as attributes) is not mapped");
        }
        Tensor x = c.x(0);
        int rank = x.dim();
        long[] starts = c.ints(1, "starts");
        long[] ends = c.ints(2, "ends");
        long[] axes = c.ints(3, "axes");
        long[] steps = c.ints(4, "steps");
        int[] shape = x.shape();
        Tensor y = x;
        for (int k = 0; k < starts.length; k++) {
            int axis = NodeCall.axis(axes == null ? k : axes[k], rank);
            long step = steps == null ? 1 : steps[k];
            if (step < 1) {
                throw new Unsupported("Slice step " + step + ": Sprig's slice takes steps >= 1 (no reversed views)");
            }
            int dim = shape[axis];
            int start = clamp(starts[k], dim);
            int end = Math.max(start, clamp(ends[k], dim));
            y = y.slice(axis, start, end, (int) step);
        }
        return out(y);
    }

    private static int clamp(long index, int dim) {
        long i = index < 0 ? index + dim : index;
        return (int) Math.max(0, Math.min(dim, i));
    }

    /** {@code out = data[:, ..., indices, ...]}: indexSelect on the flattened indices, reshaped to their shape. */
    private static Value[] gather(NodeCall c) throws Unsupported {
        c.attrs().allow("axis");
        Tensor x = c.x(0);
        int axis = NodeCall.axis(c.attrs().i("axis", 0L), x.dim());
        long[] raw = c.ints(1, "indices");
        Value.Ints idx = (Value.Ints) c.in(1);
        int size = x.size(axis);
        int[] index = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            index[i] = (int) (raw[i] < 0 ? raw[i] + size : raw[i]);
        }
        Tensor picked = Functional.indexSelect(x, axis, index);
        int[] s = x.shape();
        int[] is = idx.shape();
        int[] outShape = new int[s.length - 1 + is.length];
        System.arraycopy(s, 0, outShape, 0, axis);
        System.arraycopy(is, 0, outShape, axis, is.length);
        System.arraycopy(s, axis + 1, outShape, axis + is.length, s.length - axis - 1);
        return out(picked.reshape(outShape));
    }

    private static long[] axesOf(NodeCall c) throws Unsupported {
        if (c.opset() >= 13) {
            c.attrs().allow();
            return c.ints(1, "axes");
        }
        c.attrs().allow("axes");
        int[] a = c.attrs().ints("axes", null);
        return a == null ? null : Arrays.stream(a).asLongStream().toArray();
    }

    private static Value[] unsqueeze(NodeCall c) throws Unsupported {
        long[] axes = axesOf(c);
        Tensor x = c.x(0);
        int outRank = x.dim() + axes.length;
        int[] sorted = Arrays.stream(axes).mapToInt(a -> NodeCall.axis(a, outRank)).sorted().toArray();
        Tensor y = x;
        for (int a : sorted) {
            y = y.unsqueeze(a);
        }
        return out(y);
    }

    private static Value[] squeeze(NodeCall c) throws Unsupported {
        long[] axes = axesOf(c);
        Tensor x = c.x(0);
        int rank = x.dim();
        int[] dims;
        if (axes == null) {
            dims = java.util.stream.IntStream.range(0, rank).filter(i -> x.size(i) == 1).toArray();
        } else {
            dims = Arrays.stream(axes).mapToInt(a -> NodeCall.axis(a, rank)).sorted().toArray();
        }
        Tensor y = x;
        for (int k = dims.length - 1; k >= 0; k--) {
            y = y.squeeze(dims[k]);
        }
        return out(y);
    }

    /** ONNX Expand broadcasts both ways: the output is the broadcast of the input's shape and the given one. */
    private static Value[] expand(NodeCall c) throws Unsupported {
        c.attrs().allow();
        Tensor x = c.x(0);
        int[] target = Arrays.stream(c.ints(1, "shape")).mapToInt(Math::toIntExact).toArray();
        return out(x.expand(Shape.broadcast(x.shape(), target)));
    }

    private static Value[] constant(NodeCall c) throws Unsupported {
        c.attrs().allow("value", "value_float", "value_floats", "value_int", "value_ints");
        Attrs a = c.attrs();
        if (a.has("value")) {
            return new Value[] {TensorProtos.read(a.t("value"))};
        }
        if (a.has("value_float")) {
            return out(Tensor.scalar(a.f("value_float", 0f)));
        }
        if (a.has("value_int")) {
            return new Value[] {new Value.Ints(new long[] {a.i("value_int", 0L)}, new int[0])};
        }
        if (a.has("value_ints")) {
            int[] v = a.ints("value_ints", null);
            return new Value[] {new Value.Ints(Arrays.stream(v).asLongStream().toArray(), new int[] {v.length})};
        }
        throw new Unsupported("Constant with value_floats (or no value) is not mapped");
    }
}
