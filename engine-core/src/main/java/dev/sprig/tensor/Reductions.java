package dev.sprig.tensor;

import java.util.Arrays;

/** Sum, mean, max and argmax over dimensions, and the broadcast-undoing {@link #sumToShape}. */
final class Reductions {
    private Reductions() {}

    /** The layout of a reduction: kept dims first, reduced dims last, as a [rows, len] matrix. */
    private record Plan(Tensor rowMajor, int rows, int len, int[] outShape, int[] keepShape) {}

    private static Plan plan(Tensor x, int[] dims, boolean keepDim) {
        return plan(x, dims, keepDim, false);
    }

    /**
     * With {@code allowLeading}, a reduction over a leading block of dims returns a plan with a
     * null {@code rowMajor}: the caller sums columns of the contiguous input instead of permuting.
     */
    private static Plan plan(Tensor x, int[] dims, boolean keepDim, boolean allowLeading) {
        int rank = x.dim();
        boolean[] reduce = new boolean[rank];
        for (int d : dims) {
            int nd = Shape.dim(d, rank);
            if (reduce[nd]) {
                throw new IllegalArgumentException("reduction dimension " + d + " is listed twice in " + Arrays.toString(dims));
            }
            reduce[nd] = true;
        }
        int[] shape = x.shape();
        int[] order = new int[rank];
        int k = 0;
        int rows = 1;
        int len = 1;
        int kept = 0;
        for (int i = 0; i < rank; i++) {
            if (!reduce[i]) {
                order[k++] = i;
                rows *= shape[i];
                kept++;
            }
        }
        for (int i = 0; i < rank; i++) {
            if (reduce[i]) {
                order[k++] = i;
                len *= shape[i];
            }
        }
        int[] keepShape = shape.clone();
        int[] outShape = new int[keepDim ? rank : kept];
        for (int i = 0, j = 0; i < rank; i++) {
            if (reduce[i]) {
                keepShape[i] = 1;
                if (keepDim) {
                    outShape[j++] = 1;
                }
            } else {
                outShape[j++] = shape[i];
            }
        }
        if (allowLeading && rows > 1) {
            boolean leading = true;
            for (int i = 0; i < rank; i++) {
                leading &= reduce[i] == (i < rank - kept);
            }
            if (leading) {
                return new Plan(null, rows, len, outShape, keepShape);
            }
        }
        Tensor p = x.detach();
        boolean identity = true;
        for (int i = 0; i < rank; i++) {
            identity &= order[i] == i;
        }
        if (!identity) {
            p = p.permute(order);
        }
        return new Plan(p.contiguous(), rows, len, outShape, keepShape);
    }

    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        Plan p = plan(x, dims, keepDim, true);
        float[] out = new float[p.rows];
        int[] inShape = x.shape();
        int[] keepShape = p.keepShape;
        if (p.rowMajor == null) {
            // The reduced dims lead: column sums of the contiguous [len, rows] block, no permutation.
            Tensor c = x.detach().contiguous();
            dev.sprig.kernels.vec.Reductions.sumOuterInto(c.storage(), c.offset(), p.len, p.rows, out, 0);
            Tensor result = Tensor.wrap(out, p.outShape);
            return Autograd.record(result, "sum", reduceAttrs(x, dims, keepDim), (g, needs) -> new Tensor[] {g.reshape(keepShape).expand(inShape)}, x);
        }
        float[] src = p.rowMajor.storage();
        int base = p.rowMajor.offset();
        for (int r = 0; r < p.rows; r++) {
            out[r] = sumRange(src, base + r * p.len, p.len);
        }
        Tensor result = Tensor.wrap(out, p.outShape);
        // d(sum)/dx = 1 for every reduced element: broadcast dY back over the reduced dims.
        return Autograd.record(result, "sum", reduceAttrs(x, dims, keepDim), (g, needs) -> new Tensor[] {g.reshape(keepShape).expand(inShape)}, x);
    }

    /** The reduced dims, made non-negative, for graph walkers. */
    private static Node.Reduce reduceAttrs(Tensor x, int[] dims, boolean keepDim) {
        int[] resolved = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            resolved[i] = Shape.dim(dims[i], x.dim());
        }
        return new Node.Reduce(resolved, keepDim);
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        int count = 1;
        int[] shape = x.shape();
        for (int d : dims) {
            count *= shape[Shape.dim(d, shape.length)];
        }
        return sum(x, dims, keepDim).div((float) count);
    }

    static float sumRange(float[] a, int off, int n) {
        return dev.sprig.kernels.vec.Reductions.sum(a, off, n);
    }

    /** The argmax of every row of a reduction over one dimension, with its plan. */
    private record RowArgmax(Plan plan, int d, int[] arg) {}

    private static RowArgmax rowArgmax(String op, Tensor x, int dim, boolean keepDim) {
        int d = Shape.dim(dim, x.dim());
        if (x.shape()[d] == 0) {
            throw new IllegalArgumentException(op + " over dimension " + dim + " of size 0 (shape " + Shape.str(x.shape()) + ")");
        }
        Plan p = plan(x, new int[] {d}, keepDim);
        float[] src = p.rowMajor.storage();
        int base = p.rowMajor.offset();
        int[] arg = new int[p.rows]; // [rows]: the first maximum of each row; a NaN counts as the maximum, as in PyTorch
        for (int r = 0; r < p.rows; r++) {
            arg[r] = dev.sprig.kernels.vec.Reductions.argmax(src, base + r * p.len, p.len);
        }
        return new RowArgmax(p, d, arg);
    }

    static Tensor max(Tensor x, int dim, boolean keepDim) {
        RowArgmax ra = rowArgmax("max", x, dim, keepDim);
        Plan p = ra.plan;
        int[] arg = ra.arg;
        float[] src = p.rowMajor.storage();
        int base = p.rowMajor.offset();
        float[] out = new float[p.rows];
        for (int r = 0; r < p.rows; r++) {
            out[r] = src[base + r * p.len + arg[r]];
        }
        Tensor result = Tensor.wrap(out, p.outShape);
        int rows = p.rows;
        int len = p.len;
        int d = ra.d;
        int[] inShape = x.shape();
        int rank = inShape.length;
        return Autograd.record(result, "max", new Node.Reduce(new int[] {d}, keepDim), (g, needs) -> {
            // dX is dY at the (first) argmax of each row and 0 elsewhere, built in the permuted
            // [kept..., dim] layout and permuted back.
            Tensor gc = g.contiguous();
            float[] dxPerm = new float[rows * len];
            for (int r = 0; r < rows; r++) {
                dxPerm[r * len + arg[r]] = gc.storage()[gc.offset() + r];
            }
            int[] permShape = new int[rank];
            int[] inverse = new int[rank];
            for (int i = 0, k = 0; i < rank; i++) {
                if (i != d) {
                    inverse[i] = k;
                    permShape[k++] = inShape[i];
                }
            }
            permShape[rank - 1] = inShape[d];
            inverse[d] = rank - 1;
            return new Tensor[] {Tensor.wrap(dxPerm, permShape).permute(inverse).contiguous()};
        }, x);
    }

    static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        RowArgmax ra = rowArgmax("argmax", x, dim, keepDim);
        float[] out = new float[ra.arg.length];
        for (int r = 0; r < out.length; r++) {
            out[r] = ra.arg[r];
        }
        return Tensor.wrap(out, ra.plan.outShape);
    }

    /**
     * Sums {@code g} over the dimensions that broadcasting added or expanded so that the result has
     * {@code shape}: the gradient of a broadcast input.
     */
    static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gShape = g.shape();
        if (Arrays.equals(gShape, shape)) {
            return g;
        }
        int lead = gShape.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("cannot reduce gradient of shape " + Shape.str(gShape) + " to larger rank shape " + Shape.str(shape));
        }
        int[] dims = new int[gShape.length];
        int k = 0;
        for (int i = 0; i < gShape.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gShape[i] != 1)) {
                dims[k++] = i;
            }
        }
        Tensor s = k == 0 ? g : sum(g, Arrays.copyOf(dims, k), true);
        return s.reshape(shape);
    }
}
