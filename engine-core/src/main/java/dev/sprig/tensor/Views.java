package dev.sprig.tensor;

import java.util.Arrays;

/** View ops: new shape/strides/offset over the same storage, each with its backward. */
final class Views {
    private Views() {}

    private static Tensor view(Tensor t, int[] shape, int[] strides, int offset) {
        return new Tensor(t.storage(), shape, strides, offset);
    }

    static Tensor reshape(Tensor t, int[] newShape) {
        int[] from = t.shape();
        int[] to = Shape.inferReshape(from, newShape);
        Tensor src = t.contiguous();
        Tensor out = view(src, to, Shape.contiguousStrides(to), src.offset());
        return Autograd.record(out, "reshape", (g, needs) -> new Tensor[] {g.reshape(from)}, src);
    }

    static Tensor flatten(Tensor t, int startDim, int endDim) {
        int rank = t.dim();
        if (rank == 0) {
            return reshape(t, new int[] {1});
        }
        int s = Shape.dim(startDim, rank);
        int e = Shape.dim(endDim, rank);
        if (s > e) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " is after endDim " + endDim
                    + " for shape " + Shape.str(t.shape()));
        }
        int[] shape = t.shape();
        int[] to = new int[rank - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            to[k++] = shape[i];
        }
        int merged = 1;
        for (int i = s; i <= e; i++) {
            merged *= shape[i];
        }
        to[k++] = merged;
        for (int i = e + 1; i < rank; i++) {
            to[k++] = shape[i];
        }
        return reshape(t, to);
    }

    static Tensor permute(Tensor t, int[] order) {
        int rank = t.dim();
        if (order.length != rank) {
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " has " + order.length
                    + " entries, expected " + rank + " for shape " + Shape.str(t.shape()));
        }
        int[] shape = t.shape();
        int[] strides = t.strides();
        int[] newShape = new int[rank];
        int[] newStrides = new int[rank];
        int[] inverse = new int[rank];
        boolean[] used = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = Shape.dim(order[i], rank);
            if (used[d]) {
                throw new IllegalArgumentException("permute " + Arrays.toString(order) + " repeats dimension " + d);
            }
            used[d] = true;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
            inverse[d] = i;
        }
        int[] resolved = new int[rank];
        for (int i = 0; i < rank; i++) {
            resolved[i] = Shape.dim(order[i], rank);
        }
        Tensor out = view(t, newShape, newStrides, t.offset());
        return Autograd.record(out, "permute", new Node.Permute(resolved), (g, needs) -> new Tensor[] {g.permute(inverse)}, t);
    }

    static Tensor transpose(Tensor t, int dim0, int dim1) {
        int rank = t.dim();
        int a = Shape.dim(dim0, rank);
        int b = Shape.dim(dim1, rank);
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(t, order);
    }

    static Tensor narrow(Tensor t, int dim, int start, int length) {
        int d = Shape.dim(dim, t.dim());
        int size = t.shape()[d];
        if (start < 0 || length < 0 || start + length > size) {
            throw new IllegalArgumentException("narrow(dim=" + dim + ", start=" + start + ", length=" + length
                    + ") is out of range for size " + size + " (shape " + Shape.str(t.shape()) + ")");
        }
        return slice(t, d, start, start + length, 1);
    }

    static Tensor slice(Tensor t, int dim, int start, int end, int step) {
        int d = Shape.dim(dim, t.dim());
        int[] shape = t.shape();
        int size = shape[d];
        if (step < 1) {
            throw new IllegalArgumentException("slice: step must be >= 1, got " + step);
        }
        if (start < 0 || start > size || end < start || end > size) {
            throw new IllegalArgumentException("slice(dim=" + dim + ", start=" + start + ", end=" + end
                    + ") is out of range for size " + size + " (shape " + Shape.str(shape) + ")");
        }
        int[] strides = t.strides();
        int len = (end - start + step - 1) / step;
        int[] inShape = shape.clone();
        shape[d] = len;
        int offset = t.offset() + start * strides[d];
        strides[d] *= step;
        Tensor out = view(t, shape, strides, offset);
        return Autograd.record(out, "slice", new Node.Slice(d, start, end, step), (g, needs) -> {
            // dX is zero outside the slice and dY inside it.
            Tensor dx = Tensor.zeros(inShape);
            Tensor window = dx.slice(d, start, end, step);
            Pointwise.addInPlace(window, g);
            return new Tensor[] {dx};
        }, t);
    }

    static Tensor expand(Tensor t, int[] newShape) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        if (newShape.length < shape.length) {
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(shape) + " to fewer dimensions "
                    + Shape.str(newShape));
        }
        int lead = newShape.length - shape.length;
        int[] outShape = new int[newShape.length];
        int[] outStrides = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            int want = newShape[i];
            if (want < -1) {
                throw new IllegalArgumentException("expand: size " + want + " in " + Shape.str(newShape)
                        + " is invalid (expected >= 0, or -1 to keep a size)");
            }
            if (i < lead) {
                if (want < 0) {
                    throw new IllegalArgumentException("expand: -1 is not allowed for new leading dimension " + i);
                }
                outShape[i] = want;
                outStrides[i] = 0;
            } else {
                int have = shape[i - lead];
                if (want == -1 || want == have) {
                    outShape[i] = have;
                    outStrides[i] = strides[i - lead];
                } else if (have == 1) {
                    outShape[i] = want;
                    outStrides[i] = 0;
                } else {
                    throw new IllegalArgumentException("expand: shape " + Shape.str(shape) + " cannot be expanded to "
                            + Shape.str(newShape) + " (dimension " + i + " has size " + have + ", not 1)");
                }
            }
        }
        Tensor out = view(t, outShape, outStrides, t.offset());
        return Autograd.record(out, "expand", (g, needs) -> new Tensor[] {Reductions.sumToShape(g, shape)}, t);
    }

    static Tensor unsqueeze(Tensor t, int dim) {
        int rank = t.dim();
        int d = Shape.dim(dim, rank + 1);
        int[] shape = t.shape();
        int[] strides = t.strides();
        int[] s = new int[rank + 1];
        int[] st = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) {
                s[i] = 1;
                st[i] = i < rank ? strides[j] * shape[j] : 1;
            } else {
                s[i] = shape[j];
                st[i] = strides[j];
                j++;
            }
        }
        Tensor out = view(t, s, st, t.offset());
        return Autograd.record(out, "unsqueeze", new Node.AtDim(d), (g, needs) -> new Tensor[] {g.squeeze(d)}, t);
    }

    static Tensor squeeze(Tensor t, int dim) {
        int rank = t.dim();
        int d = Shape.dim(dim, rank);
        int[] shape = t.shape();
        if (shape[d] != 1) {
            throw new IllegalArgumentException("squeeze: dimension " + dim + " has size " + shape[d]
                    + ", expected 1 (shape " + Shape.str(shape) + ")");
        }
        int[] strides = t.strides();
        int[] s = new int[rank - 1];
        int[] st = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != d) {
                s[j] = shape[i];
                st[j] = strides[i];
                j++;
            }
        }
        Tensor out = view(t, s, st, t.offset());
        return Autograd.record(out, "squeeze", new Node.AtDim(d), (g, needs) -> new Tensor[] {g.unsqueeze(d)}, t);
    }
}
