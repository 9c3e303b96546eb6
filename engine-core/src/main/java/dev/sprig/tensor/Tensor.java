package dev.sprig.tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * A float32 N-d tensor: a shape, strides and an offset over a shared {@code float[]} storage,
 * plus what reverse-mode autograd needs (whether it requires a gradient, its accumulated
 * gradient, and the op that produced it).
 *
 * <p>Views ({@link #reshape}, {@link #permute}, {@link #transpose}, {@link #narrow},
 * {@link #expand}, {@link #unsqueeze}, {@link #squeeze}) share storage without copying;
 * {@link #contiguous()} copies only when the layout is not already row-major.
 *
 * <p>Dimension names used throughout Sprig: {@code n, c, h, w} for images (NCHW),
 * {@code inChannels, outChannels} for convolutions, {@code b, t, d} for token sequences.
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    Tensor(float[] data, int[] shape, int[] strides, int offset) {
        this.data = data;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A contiguous tensor over {@code data} (not copied) with the given shape. */
    static Tensor wrap(float[] data, int... shape) {
        return new Tensor(data, shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    // ------------------------------------------------------------------ factories

    /** A tensor holding a copy of {@code values} with the given shape; the counts must agree. */
    public static Tensor of(float[] values, int... shape) {
        int n = Shape.numel(shape);
        if (values.length != n) {
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + n + " values, got " + values.length);
        }
        return wrap(values.clone(), shape);
    }

    /** A 1-d tensor of the given values. */
    public static Tensor vector(float... values) {
        return wrap(values.clone(), values.length);
    }

    /** A 0-d (scalar) tensor. */
    public static Tensor scalar(float value) {
        return wrap(new float[] {value});
    }

    /** A contiguous tensor that takes ownership of {@code storage} (no copy) — for kernels and loaders. */
    public static Tensor fromStorage(float[] storage, int... shape) {
        int n = Shape.numel(shape);
        if (storage.length != n) {
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + n + " values, got " + storage.length);
        }
        return wrap(storage, shape);
    }

    public static Tensor zeros(int... shape) {
        return wrap(new float[Shape.numel(shape)], shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        Arrays.fill(d, value);
        return wrap(d, shape);
    }

    /** A tensor of zeros with the shape of {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        return zeros(like.shape);
    }

    /** {@code [0, 1, ..., n-1]}. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** {@code start, start+step, ...} below {@code end} (above it for a negative step). */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0 || Float.isNaN(step)) {
            throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = start + i * step;
        }
        return wrap(d, n);
    }

    /** Uniform in [lo, hi) from {@code rng}. */
    public static Tensor uniform(Random rng, float lo, float hi, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return wrap(d, shape);
    }

    /** Uniform in [0, 1) from a generator seeded with {@code seed}. */
    public static Tensor rand(long seed, int... shape) {
        return uniform(new Random(seed), 0f, 1f, shape);
    }

    /** Normal(mean, std) from {@code rng}. */
    public static Tensor normal(Random rng, float mean, float std, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = mean + std * (float) rng.nextGaussian();
        }
        return wrap(d, shape);
    }

    /** Standard normal from a generator seeded with {@code seed}. */
    public static Tensor randn(long seed, int... shape) {
        return normal(new Random(seed), 0f, 1f, shape);
    }

    // ------------------------------------------------------------------ layout

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return shape[Shape.dim(dim, shape.length)];
    }

    public int dim() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    /** A copy of the strides, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** Offset of element {@code [0, ..., 0]} in {@link #storage()}. */
    public int offset() {
        return offset;
    }

    /**
     * The shared backing array. Element {@code [i0, ..., ik]} is at
     * {@code offset() + Σ ij * strides()[j]}. Writing to it bypasses autograd.
     */
    public float[] storage() {
        return data;
    }

    /** True when elements are laid out row-major with no gaps (strides of size-1 dims are ignored). */
    public boolean isContiguous() {
        if (numel() == 0) {
            return true;
        }
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** This tensor if contiguous, else a contiguous copy (differentiable). */
    public Tensor contiguous() {
        if (isContiguous()) {
            return this;
        }
        Tensor out = wrap(toArray(), shape);
        return Autograd.record(out, "contiguous", (g, needs) -> new Tensor[] {g}, this);
    }

    /**
     * The elements in row-major order as a new array; a contiguous tensor that spans its whole
     * storage still gets a copy.
     */
    public float[] toArray() {
        float[] out = new float[numel()];
        Strided.copy(this, out, 0);
        return out;
    }

    /**
     * The elements in row-major order without copying when the storage is exactly that (contiguous,
     * offset 0, no spare capacity), else a copy. For kernels: treat the result as read-only.
     */
    public float[] rowMajorData() {
        if (isContiguous() && offset == 0 && data.length == numel()) {
            return data;
        }
        return toArray();
    }

    // ------------------------------------------------------------------ element access

    /** The element at {@code index} (one entry per dimension). */
    public float get(int... index) {
        return data[flatIndex(index)];
    }

    /** Sets the element at {@code index}; bypasses autograd (for tests, initialisers and loaders). */
    public void set(float value, int... index) {
        data[flatIndex(index)] = value;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + Shape.str(shape));
        }
        return data[offset];
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " entries, expected " + shape.length + " for shape " + Shape.str(shape));
        }
        int flat = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is out of bounds for shape "
                        + Shape.str(shape) + " at dimension " + i);
            }
            flat += index[i] * strides[i];
        }
        return flat;
    }

    // ------------------------------------------------------------------ autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as requiring a gradient; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("cannot clear requiresGrad of a non-leaf tensor (produced by '"
                    + gradFn.name() + "'); use detach()");
        }
        this.requiresGrad = value;
        return this;
    }

    /** The accumulated gradient (null before any backward reaches this leaf or after zeroGrad). */
    public Tensor grad() {
        return grad;
    }

    /** Drops the accumulated gradient. */
    public void zeroGrad() {
        grad = null;
    }

    /** Replaces the accumulated gradient (e.g. after shrinking a parameter); null clears it. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("gradient shape " + Shape.str(g.shape) + " does not match tensor shape " + Shape.str(shape));
        }
        // A private, compact copy: later accumulation adds into it in place.
        grad = g == null ? null : wrap(g.toArray(), shape);
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** True for tensors not produced by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** A tensor sharing this one's storage, cut from the graph (no gradient flows through it). */
    public Tensor detach() {
        return new Tensor(data, shape, strides, offset);
    }

    /** Backward from a one-element tensor (dL/dL = 1). */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward() without a gradient needs a one-element tensor, got shape "
                    + Shape.str(shape) + "; pass the gradient explicitly");
        }
        backward(Tensor.full(1f, shape));
    }

    /** Backward with {@code gradient} as dL/d(this). */
    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient);
    }

    void setGradFn(Node node) {
        this.gradFn = node;
        this.requiresGrad = true;
    }

    void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = wrap(g.toArray(), shape);
        } else {
            Pointwise.addInPlace(grad, g);
        }
    }

    // ------------------------------------------------------------------ views

    /** A view (or, for non-contiguous data, a copy) with a new shape; one entry may be -1. */
    public Tensor reshape(int... newShape) {
        return Views.reshape(this, newShape);
    }

    /** Flattens dimensions {@code startDim..endDim} (inclusive) into one. */
    public Tensor flatten(int startDim, int endDim) {
        return Views.flatten(this, startDim, endDim);
    }

    /** Flattens everything after dimension 0: {@code [n, ...] -> [n, rest]}. */
    public Tensor flatten() {
        return shape.length <= 1 ? reshape(numel()) : flatten(1, -1);
    }

    /** A view with dimensions reordered: output dim i is input dim {@code order[i]}. */
    public Tensor permute(int... order) {
        return Views.permute(this, order);
    }

    /** A view with two dimensions swapped. */
    public Tensor transpose(int dim0, int dim1) {
        return Views.transpose(this, dim0, dim1);
    }

    /** The transpose of a 2-d tensor. */
    public Tensor t() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("t() needs a 2-d tensor, got shape " + Shape.str(shape));
        }
        return transpose(0, 1);
    }

    /** A view of {@code length} entries of {@code dim} starting at {@code start}. */
    public Tensor narrow(int dim, int start, int length) {
        return Views.narrow(this, dim, start, length);
    }

    /** Entries {@code start, start+step, ...} below {@code end} along {@code dim} (a view). */
    public Tensor slice(int dim, int start, int end, int step) {
        return Views.slice(this, dim, start, end, step);
    }

    /** A view broadcasting size-1 dimensions (and new leading ones) to {@code newShape}; -1 keeps a size. */
    public Tensor expand(int... newShape) {
        return Views.expand(this, newShape);
    }

    /** Inserts a size-1 dimension at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    /** Removes dimension {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    // ------------------------------------------------------------------ pointwise math

    public Tensor add(Tensor other) {
        return Pointwise.binary(Pointwise.Binary.ADD, this, other);
    }

    public Tensor sub(Tensor other) {
        return Pointwise.binary(Pointwise.Binary.SUB, this, other);
    }

    public Tensor mul(Tensor other) {
        return Pointwise.binary(Pointwise.Binary.MUL, this, other);
    }

    public Tensor div(Tensor other) {
        return Pointwise.binary(Pointwise.Binary.DIV, this, other);
    }

    public Tensor add(float s) {
        return Pointwise.affine(this, 1f, s);
    }

    public Tensor sub(float s) {
        return Pointwise.affine(this, 1f, -s);
    }

    public Tensor mul(float s) {
        return Pointwise.affine(this, s, 0f);
    }

    public Tensor div(float s) {
        return Pointwise.divScalar(this, s);
    }

    /** {@code s - this}. */
    public Tensor rsub(float s) {
        return Pointwise.affine(this, -1f, s);
    }

    public Tensor neg() {
        return Pointwise.affine(this, -1f, 0f);
    }

    public Tensor exp() {
        return Pointwise.unary(Pointwise.Unary.EXP, this, 0f);
    }

    public Tensor log() {
        return Pointwise.unary(Pointwise.Unary.LOG, this, 0f);
    }

    public Tensor sqrt() {
        return Pointwise.unary(Pointwise.Unary.SQRT, this, 0f);
    }

    /** Elementwise {@code this^exponent}. */
    public Tensor pow(float exponent) {
        return Pointwise.unary(Pointwise.Unary.POW, this, exponent);
    }

    public Tensor abs() {
        return Pointwise.unary(Pointwise.Unary.ABS, this, 0f);
    }

    public Tensor relu() {
        return Pointwise.unary(Pointwise.Unary.RELU, this, 0f);
    }

    /** GELU, exact (erf) form as PyTorch's default. */
    public Tensor gelu() {
        return Pointwise.unary(Pointwise.Unary.GELU, this, 0f);
    }

    public Tensor sigmoid() {
        return Pointwise.unary(Pointwise.Unary.SIGMOID, this, 0f);
    }

    public Tensor tanh() {
        return Pointwise.unary(Pointwise.Unary.TANH, this, 0f);
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (a 0-d tensor). */
    public Tensor sum() {
        return Reductions.sum(this, allDims(), false);
    }

    /** Sum over {@code dims}. */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Reductions.sum(this, dims, keepDim);
    }

    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.sum(this, new int[] {dim}, keepDim);
    }

    /** Mean of all elements (a 0-d tensor). */
    public Tensor mean() {
        return Reductions.mean(this, allDims(), false);
    }

    public Tensor mean(int[] dims, boolean keepDim) {
        return Reductions.mean(this, dims, keepDim);
    }

    public Tensor mean(int dim, boolean keepDim) {
        return Reductions.mean(this, new int[] {dim}, keepDim);
    }

    /** Maximum along {@code dim}; the gradient flows to the first maximal entry. */
    public Tensor max(int dim, boolean keepDim) {
        return Reductions.max(this, dim, keepDim);
    }

    /** Maximum of all elements (a 0-d tensor). */
    public Tensor max() {
        return Reductions.max(reshape(-1), 0, false);
    }

    /** Index of the first maximum along {@code dim}, as float values (not differentiable). */
    public Tensor argmax(int dim, boolean keepDim) {
        return Reductions.argmax(this, dim, keepDim);
    }

    private int[] allDims() {
        int[] d = new int[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        return d;
    }

    // ------------------------------------------------------------------ linear algebra

    /**
     * Matrix product: 2-d {@code [m, k] x [k, n]}, or batched {@code [..., m, k] x [..., k, n]} with
     * the batch dimensions broadcast; a 1-d right operand is treated as a column.
     */
    public Tensor matmul(Tensor other) {
        return MatMul.matmul(this, other);
    }

    // ------------------------------------------------------------------ text

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ');
        int n = numel();
        float[] v = toArray();
        int show = Math.min(n, 6);
        sb.append('[');
        for (int i = 0; i < show; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(v[i]);
        }
        if (n > show) {
            sb.append(", ... (").append(n).append(" values)");
        }
        sb.append(']');
        if (gradFn != null) {
            sb.append(" gradFn=").append(gradFn.name());
        } else if (requiresGrad) {
            sb.append(" requiresGrad");
        }
        return sb.toString();
    }
}
