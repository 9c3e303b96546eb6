package dev.sprig.ops;

import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Node;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;

/** Concatenation, index-select (the gather that shrinking uses) and dropout. */
final class IndexOps {
    private IndexOps() {}

    static Tensor concat(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat of an empty list");
        }
        Tensor first = parts.get(0);
        int rank = first.dim();
        int d = Shape.dim(dim, rank);
        int[] outShape = first.shape();
        int total = 0;
        int[] sizes = new int[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            int[] s = parts.get(p).shape();
            boolean ok = s.length == rank;
            for (int i = 0; ok && i < rank; i++) {
                ok = i == d || s[i] == outShape[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat along dim " + dim + ": part " + p + " has shape " + Shape.str(s)
                        + ", incompatible with part 0's " + Shape.str(outShape) + " (all dims but " + d + " must match)");
            }
            sizes[p] = s[d];
            total += s[d];
        }
        outShape[d] = total;
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= outShape[i];
        }
        int inner = 1;
        for (int i = d + 1; i < rank; i++) {
            inner *= outShape[i];
        }
        float[] out = new float[Shape.numel(outShape)];
        int at = 0;
        for (int p = 0; p < parts.size(); p++) {
            float[] src = parts.get(p).detach().contiguous().rowMajorData();
            int block = sizes[p] * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(src, o * block, out, o * total * inner + at * inner, block);
            }
            at += sizes[p];
        }
        Tensor result = Tensor.fromStorage(out, outShape);
        return Autograd.record(result, "concat", new Node.AtDim(d), (g, needs) -> {
            Tensor[] grads = new Tensor[sizes.length];
            int start = 0;
            for (int p = 0; p < sizes.length; p++) {
                if (needs[p]) {
                    grads[p] = g.narrow(d, start, sizes[p]).contiguous();
                }
                start += sizes[p];
            }
            return grads;
        }, parts.toArray(new Tensor[0]));
    }

    /** Entries {@code index[0], index[1], ...} of dimension {@code dim}; indices may repeat. */
    static Tensor indexSelect(Tensor x, int dim, int[] index) {
        int rank = x.dim();
        int d = Shape.dim(dim, rank);
        int[] shape = x.shape();
        int size = shape[d];
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= size) {
                throw new IllegalArgumentException("indexSelect: index " + index[i] + " at position " + i
                        + " is out of range for dimension " + dim + " of size " + size + " (shape " + Shape.str(shape) + ")");
            }
        }
        final int outer = product(shape, 0, d);
        final int inner = product(shape, d + 1, rank);
        float[] src = x.detach().contiguous().rowMajorData();
        int[] outShape = shape.clone();
        outShape[d] = index.length;
        float[] out = new float[Shape.numel(outShape)];
        int k = index.length;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < k; i++) {
                System.arraycopy(src, (o * size + index[i]) * inner, out, (o * k + i) * inner, inner);
            }
        }
        Tensor result = Tensor.fromStorage(out, outShape);
        int[] idx = index.clone();
        return Autograd.record(result, "indexSelect", new Node.AtDim(d), (g, needs) -> {
            // dX[.., index[i], ..] += dY[.., i, ..] (repeated indices accumulate)
            float[] dy = g.contiguous().rowMajorData();
            float[] dx = new float[src.length];
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < k; i++) {
                    int to = (o * size + idx[i]) * inner;
                    int from = (o * k + i) * inner;
                    for (int j = 0; j < inner; j++) {
                        dx[to + j] += dy[from + j];
                    }
                }
            }
            return new Tensor[] {Tensor.fromStorage(dx, shape)};
        }, x);
    }

    private static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability {@code p} (drawn from
     * {@code rng}) and scales the rest by {@code 1/(1−p)}; identity in eval.
     */
    static Tensor dropout(Tensor x, float p, boolean training, Random rng) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        int n = x.numel();
        float[] mask = new float[n];
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextFloat() < p ? 0f : keep;
        }
        return x.mul(Tensor.fromStorage(mask, x.shape()));
    }
}
