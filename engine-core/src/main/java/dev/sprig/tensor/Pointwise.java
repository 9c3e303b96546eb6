package dev.sprig.tensor;

import java.util.Arrays;

/** Elementwise ops with NumPy broadcasting, and their backward passes. */
final class Pointwise {
    private Pointwise() {}

    enum Binary { ADD, SUB, MUL, DIV }

    enum Unary { EXP, LOG, SQRT, POW, ABS, RELU, GELU, SIGMOID, TANH }

    // ------------------------------------------------------------------ binary

    static Tensor binary(Binary op, Tensor a, Tensor b) {
        int[] aShape = a.shape();
        int[] bShape = b.shape();
        int[] outShape = Shape.broadcast(aShape, bShape);
        float[] out = new float[Shape.numel(outShape)];
        compute(op, a, b, outShape, out);
        Tensor result = Tensor.wrap(out, outShape);
        return switch (op) {
            case ADD -> Autograd.record(result, "add", (g, needs) -> new Tensor[] {
                    needs[0] ? Reductions.sumToShape(g, aShape) : null,
                    needs[1] ? Reductions.sumToShape(g, bShape) : null}, a, b);
            case SUB -> Autograd.record(result, "sub", (g, needs) -> new Tensor[] {
                    needs[0] ? Reductions.sumToShape(g, aShape) : null,
                    needs[1] ? Reductions.sumToShape(g.neg(), bShape) : null}, a, b);
            // d(a*b)/da = b, d(a*b)/db = a
            case MUL -> Autograd.record(result, "mul", (g, needs) -> new Tensor[] {
                    needs[0] ? Reductions.sumToShape(g.mul(b), aShape) : null,
                    needs[1] ? Reductions.sumToShape(g.mul(a), bShape) : null}, a, b);
            // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -out/b
            case DIV -> Autograd.record(result, "div", (g, needs) -> new Tensor[] {
                    needs[0] ? Reductions.sumToShape(g.div(b), aShape) : null,
                    needs[1] ? Reductions.sumToShape(g.mul(result.detach()).div(b).neg(), bShape) : null}, a, b);
        };
    }

    private static void compute(Binary op, Tensor a, Tensor b, int[] outShape, float[] out) {
        int n = out.length;
        if (n == 0) {
            return;
        }
        boolean sameShape = Arrays.equals(a.shape(), outShape) && Arrays.equals(b.shape(), outShape);
        if (sameShape && a.isContiguous() && b.isContiguous()) {
            Loops.binary(op, a.storage(), a.offset(), 1, b.storage(), b.offset(), 1, out, 0, n);
            return;
        }
        if (b.numel() == 1 && Arrays.equals(a.shape(), outShape) && a.isContiguous()) {
            Loops.binary(op, a.storage(), a.offset(), 1, b.storage(), b.offset(), 0, out, 0, n);
            return;
        }
        int rank = outShape.length;
        int[] sa = Strided.broadcastStrides(a, outShape);
        int[] sb = Strided.broadcastStrides(b, outShape);
        int inner = outShape[rank - 1];
        int rows = n / inner;
        int[] idx = new int[rank];
        int baseA = a.offset();
        int baseB = b.offset();
        for (int r = 0, o = 0; r < rows; r++, o += inner) {
            Loops.binary(op, a.storage(), baseA, sa[rank - 1], b.storage(), baseB, sb[rank - 1], out, o, inner);
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                baseA += sa[d];
                baseB += sb[d];
                if (idx[d] < outShape[d]) {
                    break;
                }
                baseA -= sa[d] * outShape[d];
                baseB -= sb[d] * outShape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * {@code target += src} in place, where {@code target} may be a strided view and {@code src}
     * must broadcast to it. Bypasses autograd: for gradient accumulation and backward passes.
     */
    static void addInPlace(Tensor target, Tensor src) {
        int[] shape = target.shape();
        int[] bShape = Shape.broadcast(shape, src.shape());
        if (!Arrays.equals(bShape, shape)) {
            throw new IllegalArgumentException("in-place add: shape " + Shape.str(src.shape())
                    + " cannot be accumulated into shape " + Shape.str(shape));
        }
        int n = Shape.numel(shape);
        if (n == 0) {
            return;
        }
        float[] t = target.storage();
        if (target.isContiguous() && src.isContiguous() && Arrays.equals(src.shape(), shape)) {
            Loops.binary(Binary.ADD, t, target.offset(), 1, src.storage(), src.offset(), 1, t, target.offset(), n);
            return;
        }
        int rank = shape.length;
        int[] st = target.strides();
        int[] ss = Strided.broadcastStrides(src, shape);
        int inner = shape[rank - 1];
        int rows = n / inner;
        int[] idx = new int[rank];
        int baseT = target.offset();
        int baseS = src.offset();
        float[] s = src.storage();
        for (int r = 0; r < rows; r++) {
            for (int j = 0, it = baseT, is = baseS; j < inner; j++, it += st[rank - 1], is += ss[rank - 1]) {
                t[it] += s[is];
            }
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                baseT += st[d];
                baseS += ss[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                baseT -= st[d] * shape[d];
                baseS -= ss[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    // ------------------------------------------------------------------ scalar affine

    /** {@code scale * x + shift}. */
    static Tensor affine(Tensor x, float scale, float shift) {
        Tensor c = x.detach().contiguous();
        int n = c.numel();
        float[] out = new float[n];
        Loops.affine(c.storage(), c.offset(), out, 0, n, scale, shift);
        Tensor result = Tensor.wrap(out, x.shape());
        // d(scale*x + shift)/dx = scale
        return Autograd.record(result, "affine", (g, needs) -> new Tensor[] {scale == 1f ? g : g.mul(scale)}, x);
    }

    /** {@code x / s}, divided (not multiplied by 1/s, which overflows for subnormal s and rounds differently). */
    static Tensor divScalar(Tensor x, float s) {
        Tensor c = x.detach().contiguous();
        int n = c.numel();
        float[] out = new float[n];
        dev.sprig.kernels.vec.Elementwise.divConst(c.storage(), c.offset(), s, out, 0, n);
        Tensor result = Tensor.wrap(out, x.shape());
        // d(x/s)/dx = 1/s
        return Autograd.record(result, "divScalar", (g, needs) -> new Tensor[] {g.div(s)}, x);
    }

    // ------------------------------------------------------------------ unary

    static Tensor unary(Unary op, Tensor x, float param) {
        Tensor c = x.detach().contiguous();
        int n = c.numel();
        float[] out = new float[n];
        Loops.unary(op, c.storage(), c.offset(), out, 0, n, param);
        Tensor result = Tensor.wrap(out, x.shape());
        // Each backward keeps only what it needs: the output (exp, sqrt, relu, sigmoid, tanh) or the input.
        boolean keepsOutput = switch (op) {
            case EXP, SQRT, RELU, SIGMOID, TANH -> true;
            case LOG, POW, ABS, GELU -> false;
        };
        float[] saved = keepsOutput ? out : c.storage();
        int savedOff = keepsOutput ? 0 : c.offset();
        return Autograd.record(result, op.name().toLowerCase(java.util.Locale.ROOT), (g, needs) -> {
            Tensor gc = g.contiguous();
            float[] dx = new float[n];
            Loops.unaryBackward(op, gc.storage(), gc.offset(), saved, savedOff, dx, n, param);
            return new Tensor[] {Tensor.wrap(dx, result.shape())};
        }, x);
    }
}
