package dev.sprig.tensor;

import java.util.Arrays;

/** Static helpers over shapes ({@code int[]} dimension sizes) and strides. */
public final class Shape {
    private Shape() {}

    /** The number of elements of a tensor of this shape (1 for a scalar shape {@code []}). */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + str(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** Row-major (C-contiguous) strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** {@code [2, 3, 4]}. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Normalises a possibly negative dimension index against a rank, naming both when out of range. */
    public static int dim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException("dimension " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected " + (-rank) + ".." + (rank - 1) + ")");
        }
        return d;
    }

    /**
     * The broadcast shape of two shapes under NumPy rules (align trailing dimensions; sizes must be
     * equal or one of them 1).
     */
    public static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast: dimension " + i + " is " + da + " vs " + db);
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Replaces a single {@code -1} entry by the size that makes the element count {@code numel}. */
    public static int[] inferReshape(int[] from, int[] to) {
        int numel = numel(from);
        int[] out = to.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape " + str(from) + " -> " + str(to) + ": only one dimension may be -1");
                }
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape " + str(from) + " -> " + str(to) + ": negative dimension " + out[i]);
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + str(from) + " (" + numel + " elements) to " + str(to));
            }
            out[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("cannot reshape " + str(from) + " (" + numel + " elements) to "
                    + str(to) + " (" + known + " elements)");
        }
        return out;
    }
}
