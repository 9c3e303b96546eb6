package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic on {@code float[]} ranges: binary ops, ops with a scalar operand, BLAS-1
 * style updates and the row/channel broadcasts the tensor ops need most.
 *
 * <p>Every range is {@code (array, offset)} of length {@code n} (vectors) or a row-major
 * {@code [rows, cols]} block (broadcasts). A destination may alias a source exactly. Each kernel is
 * a single IEEE operation (or one fused multiply-add) per element, so the vector path, its scalar
 * twin and any thread count give bit-identical results.
 */
public final class Elementwise {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final int L = S.length();

    private Elementwise() {}

    private static void check3(String op, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        Checks.range(op, "x", x, xOff, n);
        Checks.range(op, "y", y, yOff, n);
        Checks.range(op, "out", out, outOff, n);
    }

    private static void check2(String op, float[] x, int xOff, float[] out, int outOff, int n) {
        Checks.range(op, "x", x, xOff, n);
        Checks.range(op, "out", out, outOff, n);
    }

    // ---------------------------------------------------------------- out = x + y

    /** {@code out[i] = x[i] + y[i]} for i in [0, n). */
    public static void add(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("add", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                addScalar(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            } else {
                addVector(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #add}. */
    public static void addVector(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("add", x, xOff, y, yOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).add(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        addScalar(x, xOff + i, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #add}. */
    public static void addScalar(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("add", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] + y[yOff + i];
        }
    }

    // ---------------------------------------------------------------- out = x - y

    /** {@code out[i] = x[i] - y[i]}. */
    public static void sub(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("sub", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                subScalar(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            } else {
                subVector(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #sub}. */
    public static void subVector(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("sub", x, xOff, y, yOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).sub(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        subScalar(x, xOff + i, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #sub}. */
    public static void subScalar(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("sub", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] - y[yOff + i];
        }
    }

    // ---------------------------------------------------------------- out = x * y

    /** {@code out[i] = x[i] * y[i]}. */
    public static void mul(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mul", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                mulScalar(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            } else {
                mulVector(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #mul}. */
    public static void mulVector(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mul", x, xOff, y, yOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        mulScalar(x, xOff + i, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #mul}. */
    public static void mulScalar(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mul", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    // ---------------------------------------------------------------- out = x / y

    /** {@code out[i] = x[i] / y[i]} (IEEE: x/0 = ±inf, 0/0 = NaN). */
    public static void div(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("div", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                divScalar(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            } else {
                divVector(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #div}. */
    public static void divVector(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("div", x, xOff, y, yOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).div(FloatVector.fromArray(S, y, yOff + i)).intoArray(out, outOff + i);
        }
        divScalar(x, xOff + i, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #div}. */
    public static void divScalar(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("div", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] / y[yOff + i];
        }
    }

    // ---------------------------------------------------------------- out = x + s

    /** {@code out[i] = x[i] + s}. ({@code x - s} is {@code addConst(x, -s)}, exactly.) */
    public static void addConst(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("addConst", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                addConstScalar(x, xOff + f, s, out, outOff + f, t - f);
            } else {
                addConstVector(x, xOff + f, s, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #addConst}. */
    public static void addConstVector(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("addConst", x, xOff, out, outOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).add(vs).intoArray(out, outOff + i);
        }
        addConstScalar(x, xOff + i, s, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #addConst}. */
    public static void addConstScalar(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("addConst", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] + s;
        }
    }

    // ---------------------------------------------------------------- out = s - x

    /** {@code out[i] = s - x[i]} (reversed subtraction, e.g. {@code 1 - p}). */
    public static void rsubConst(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rsubConst", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                rsubConstScalar(s, x, xOff + f, out, outOff + f, t - f);
            } else {
                rsubConstVector(s, x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #rsubConst}. */
    public static void rsubConstVector(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rsubConst", x, xOff, out, outOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            vs.sub(FloatVector.fromArray(S, x, xOff + i)).intoArray(out, outOff + i);
        }
        rsubConstScalar(s, x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #rsubConst}. */
    public static void rsubConstScalar(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rsubConst", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = s - x[xOff + i];
        }
    }

    // ---------------------------------------------------------------- out = x * s

    /** {@code out[i] = x[i] * s}. */
    public static void mulConst(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("mulConst", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                mulConstScalar(x, xOff + f, s, out, outOff + f, t - f);
            } else {
                mulConstVector(x, xOff + f, s, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #mulConst}. */
    public static void mulConstVector(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("mulConst", x, xOff, out, outOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(vs).intoArray(out, outOff + i);
        }
        mulConstScalar(x, xOff + i, s, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #mulConst}. */
    public static void mulConstScalar(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("mulConst", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * s;
        }
    }

    /** {@code out[i] = a * x[i]}: the BLAS name for {@link #mulConst}, same kernel. */
    public static void scaleInto(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        mulConst(x, xOff, a, out, outOff, n);
    }

    // ---------------------------------------------------------------- out = x / s

    /** {@code out[i] = x[i] / s} (a true division, not a multiply by 1/s). */
    public static void divConst(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("divConst", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                divConstScalar(x, xOff + f, s, out, outOff + f, t - f);
            } else {
                divConstVector(x, xOff + f, s, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #divConst}. */
    public static void divConstVector(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("divConst", x, xOff, out, outOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).div(vs).intoArray(out, outOff + i);
        }
        divConstScalar(x, xOff + i, s, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #divConst}. */
    public static void divConstScalar(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        check2("divConst", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] / s;
        }
    }

    // ---------------------------------------------------------------- out = s / x

    /** {@code out[i] = s / x[i]} (reversed division). */
    public static void rdivConst(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rdivConst", x, xOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                rdivConstScalar(s, x, xOff + f, out, outOff + f, t - f);
            } else {
                rdivConstVector(s, x, xOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #rdivConst}. */
    public static void rdivConstVector(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rdivConst", x, xOff, out, outOff, n);
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            vs.div(FloatVector.fromArray(S, x, xOff + i)).intoArray(out, outOff + i);
        }
        rdivConstScalar(s, x, xOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #rdivConst}. */
    public static void rdivConstScalar(float s, float[] x, int xOff, float[] out, int outOff, int n) {
        check2("rdivConst", x, xOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = s / x[xOff + i];
        }
    }

    // ---------------------------------------------------------------- y += a * x

    /** BLAS axpy: {@code y[i] = fma(a, x[i], y[i])}. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        check2("axpy", x, xOff, y, yOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                axpyScalar(a, x, xOff + f, y, yOff + f, t - f);
            } else {
                axpyVector(a, x, xOff + f, y, yOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #axpy}. */
    public static void axpyVector(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        check2("axpy", x, xOff, y, yOff, n);
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        axpyScalar(a, x, xOff + i, y, yOff + i, n - i);
    }

    /** Scalar twin of {@link #axpy}. */
    public static void axpyScalar(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        check2("axpy", x, xOff, y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
        }
    }

    // ---------------------------------------------------------------- out = x + a * y

    /** {@code out[i] = fma(a, y[i], x[i])}, i.e. {@code x + a*y}. */
    public static void addScaled(float[] x, int xOff, float a, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("addScaled", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                addScaledScalar(x, xOff + f, a, y, yOff + f, out, outOff + f, t - f);
            } else {
                addScaledVector(x, xOff + f, a, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #addScaled}. */
    public static void addScaledVector(float[] x, int xOff, float a, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("addScaled", x, xOff, y, yOff, out, outOff, n);
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, y, yOff + i).fma(va, FloatVector.fromArray(S, x, xOff + i)).intoArray(out, outOff + i);
        }
        addScaledScalar(x, xOff + i, a, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #addScaled}. */
    public static void addScaledScalar(float[] x, int xOff, float a, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("addScaled", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma(y[yOff + i], a, x[xOff + i]);
        }
    }

    // ---------------------------------------------------------------- out += x * y

    /** {@code out[i] = fma(x[i], y[i], out[i])} (accumulating product, e.g. a gradient of a mul). */
    public static void mulAdd(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mulAdd", x, xOff, y, yOff, out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                mulAddScalar(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            } else {
                mulAddVector(x, xOff + f, y, yOff + f, out, outOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #mulAdd}. */
    public static void mulAddVector(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mulAdd", x, xOff, y, yOff, out, outOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i)
                    .fma(FloatVector.fromArray(S, y, yOff + i), FloatVector.fromArray(S, out, outOff + i))
                    .intoArray(out, outOff + i);
        }
        mulAddScalar(x, xOff + i, y, yOff + i, out, outOff + i, n - i);
    }

    /** Scalar twin of {@link #mulAdd}. */
    public static void mulAddScalar(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int n) {
        check3("mulAdd", x, xOff, y, yOff, out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma(x[xOff + i], y[yOff + i], out[outOff + i]);
        }
    }

    // ---------------------------------------------------------------- dst += src

    /** {@code dst[i] += src[i]} (gradient accumulation). */
    public static void accumulate(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check2("accumulate", src, srcOff, dst, dstOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                accumulateScalar(src, srcOff + f, dst, dstOff + f, t - f);
            } else {
                accumulateVector(src, srcOff + f, dst, dstOff + f, t - f);
            }
        });
    }

    /** Vector path of {@link #accumulate}. */
    public static void accumulateVector(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check2("accumulate", src, srcOff, dst, dstOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dst, dstOff + i).add(FloatVector.fromArray(S, src, srcOff + i)).intoArray(dst, dstOff + i);
        }
        accumulateScalar(src, srcOff + i, dst, dstOff + i, n - i);
    }

    /** Scalar twin of {@link #accumulate}. */
    public static void accumulateScalar(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check2("accumulate", src, srcOff, dst, dstOff, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] += src[srcOff + i];
        }
    }

    // ---------------------------------------------------------------- out = value

    /** {@code out[i] = value}. */
    public static void fill(float[] out, int outOff, int n, float value) {
        Checks.range("fill", "out", out, outOff, n);
        Split.elements(n, (f, t) -> {
            if (KernelConfig.SCALAR) {
                fillScalar(out, outOff + f, t - f, value);
            } else {
                fillVector(out, outOff + f, t - f, value);
            }
        });
    }

    /** Vector path of {@link #fill}. */
    public static void fillVector(float[] out, int outOff, int n, float value) {
        Checks.range("fill", "out", out, outOff, n);
        FloatVector v = FloatVector.broadcast(S, value);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            v.intoArray(out, outOff + i);
        }
        fillScalar(out, outOff + i, n - i, value);
    }

    /** Scalar twin of {@link #fill}. */
    public static void fillScalar(float[] out, int outOff, int n, float value) {
        Checks.range("fill", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = value;
        }
    }

    // ---------------------------------------------------------------- row-vector broadcasts

    /**
     * Bias add: {@code out[r, c] = x[r, c] + v[c]}.
     *
     * @param x   {@code [rows, cols]} at xOff
     * @param v   {@code [cols]} at vOff
     * @param out {@code [rows, cols]} at outOff (may alias x)
     */
    public static void addRowVector(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("addRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            if (KernelConfig.SCALAR) {
                for (int r = r0; r < r1; r++) {
                    addScalar(x, xOff + r * cols, v, vOff, out, outOff + r * cols, cols);
                }
            } else {
                addRowVectorRows(x, xOff, v, vOff, out, outOff, r0, r1, cols);
            }
        });
    }

    /** Vector path of {@link #addRowVector}. */
    public static void addRowVectorVector(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("addRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        addRowVectorRows(x, xOff, v, vOff, out, outOff, 0, rows, cols);
    }

    /**
     * Rows {@code [r0, r1)} of {@link #addRowVector}, arguments already checked. A width that is
     * not whole vectors (a pruned 24 or 72) would leave a partial vector on every row: then the
     * rows, contiguous in x and out, are one span of whole vectors, v read from a copy repeated
     * past its end at the span's column, and only the span's last partial vector is scalar. No
     * masked loads or stores: C2 has compiled those to their slow fallback in some JVM starts
     * (the linear epilogue's masked tail ran 4.5x slow that way).
     */
    private static void addRowVectorRows(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int r0, int r1, int cols) {
        if (cols % L == 0) {
            for (int r = r0; r < r1; r++) {
                int xo = xOff + r * cols;
                int oo = outOff + r * cols;
                for (int i = 0; i < cols; i += L) {
                    FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, v, vOff + i)).intoArray(out, oo + i);
                }
            }
            return;
        }
        float[] repeated = repeat(v, vOff, cols, cols + L);
        int n = (r1 - r0) * cols;
        int xo = xOff + r0 * cols;
        int oo = outOff + r0 * cols;
        int j = 0;
        for (int col = 0; j + L <= n; j += L) { // col = j % cols
            FloatVector.fromArray(S, x, xo + j).add(FloatVector.fromArray(S, repeated, col)).intoArray(out, oo + j);
            col += L;
            while (col >= cols) {
                col -= cols;
            }
        }
        for (; j < n; j++) {
            out[oo + j] = x[xo + j] + v[vOff + j % cols];
        }
    }

    /**
     * {@code p[f] = v[vOff + f % cols]} for {@code f < length}: a per-column vector laid end to end,
     * so that a span of contiguous rows can read it at any column in whole vectors (the bias adds
     * here and in {@link Activations#linearEpilogue}, gamma and beta in the narrow layer norm).
     */
    static float[] repeat(float[] v, int vOff, int cols, int length) {
        float[] p = new float[length];
        for (int c = 0; c < length; c += cols) {
            System.arraycopy(v, vOff, p, c, Math.min(cols, length - c));
        }
        return p;
    }

    /** Scalar twin of {@link #addRowVector}. */
    public static void addRowVectorScalar(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("addRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            addScalar(x, xOff + r * cols, v, vOff, out, outOff + r * cols, cols);
        }
    }

    /**
     * Column scaling: {@code out[r, c] = x[r, c] * v[c]}.
     *
     * @param x   {@code [rows, cols]} at xOff
     * @param v   {@code [cols]} at vOff
     * @param out {@code [rows, cols]} at outOff (may alias x)
     */
    public static void mulRowVector(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("mulRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        Split.rows(rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (KernelConfig.SCALAR) {
                    mulScalar(x, xOff + o, v, vOff, out, outOff + o, cols);
                } else {
                    mulVector(x, xOff + o, v, vOff, out, outOff + o, cols);
                }
            }
        });
    }

    /** Vector path of {@link #mulRowVector}. */
    public static void mulRowVectorVector(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("mulRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            mulVector(x, xOff + r * cols, v, vOff, out, outOff + r * cols, cols);
        }
    }

    /** Scalar twin of {@link #mulRowVector}. */
    public static void mulRowVectorScalar(float[] x, int xOff, float[] v, int vOff, float[] out, int outOff, int rows, int cols) {
        checkRowVector("mulRowVector", x, xOff, v, vOff, out, outOff, rows, cols);
        for (int r = 0; r < rows; r++) {
            mulScalar(x, xOff + r * cols, v, vOff, out, outOff + r * cols, cols);
        }
    }

    private static void checkRowVector(String op, float[] x, int xOff, float[] v, int vOff, float[] out, int outOff,
                                       int rows, int cols) {
        Checks.matrix(op, "x", x, xOff, rows, cols);
        Checks.range(op, "v", v, vOff, cols);
        Checks.matrix(op, "out", out, outOff, rows, cols);
    }

    // ---------------------------------------------------------------- per-row / per-channel affine

    /**
     * Per-row affine map: {@code out[r, c] = fma(x[r, c], a[r], b[r])}.
     *
     * @param x   {@code [rows, cols]} at xOff
     * @param a   {@code [rows]} scales, offset 0
     * @param b   {@code [rows]} shifts, offset 0, or null for no shift
     * @param out {@code [rows, cols]} at outOff (may alias x)
     */
    public static void affinePerRow(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff, int rows, int cols) {
        affinePerChannel(x, xOff, a, b, out, outOff, 1, rows, cols);
    }

    /**
     * Per-channel affine map over an NCHW-style block, as BatchNorm applies it:
     * {@code out[n, c, s] = fma(x[n, c, s], a[c], b[c])}.
     *
     * @param x        {@code [batch, channels, spatial]} at xOff
     * @param a        {@code [channels]} scales, offset 0
     * @param b        {@code [channels]} shifts, offset 0, or null for no shift
     * @param out      {@code [batch, channels, spatial]} at outOff (may alias x)
     */
    public static void affinePerChannel(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff,
                                        int batch, int channels, int spatial) {
        checkAffine(x, xOff, a, b, out, outOff, batch, channels, spatial);
        int rows = batch * channels;
        Split.rows(rows, spatial, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r % channels;
                float shift = b == null ? 0f : b[c];
                int o = r * spatial;
                if (KernelConfig.SCALAR) {
                    affineRowScalar(x, xOff + o, a[c], shift, out, outOff + o, spatial);
                } else {
                    affineRowVector(x, xOff + o, a[c], shift, out, outOff + o, spatial);
                }
            }
        });
    }

    /** Vector path of {@link #affinePerChannel}. */
    public static void affinePerChannelVector(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff,
                                              int batch, int channels, int spatial) {
        checkAffine(x, xOff, a, b, out, outOff, batch, channels, spatial);
        for (int r = 0; r < batch * channels; r++) {
            int c = r % channels;
            affineRowVector(x, xOff + r * spatial, a[c], b == null ? 0f : b[c], out, outOff + r * spatial, spatial);
        }
    }

    /** Scalar twin of {@link #affinePerChannel}. */
    public static void affinePerChannelScalar(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff,
                                              int batch, int channels, int spatial) {
        checkAffine(x, xOff, a, b, out, outOff, batch, channels, spatial);
        for (int r = 0; r < batch * channels; r++) {
            int c = r % channels;
            affineRowScalar(x, xOff + r * spatial, a[c], b == null ? 0f : b[c], out, outOff + r * spatial, spatial);
        }
    }

    private static void checkAffine(float[] x, int xOff, float[] a, float[] b, float[] out, int outOff,
                                    int batch, int channels, int spatial) {
        String op = "affinePerChannel";
        if (batch < 0) {
            throw new IllegalArgumentException(op + ": batch=" + batch + " must be >= 0");
        }
        Checks.dims(op, channels, spatial);
        long total = (long) batch * channels * spatial;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": batch*channels*spatial=" + total + " exceeds the int range");
        }
        Checks.range(op, "x", x, xOff, total);
        Checks.range(op, "out", out, outOff, total);
        Checks.range(op, "a", a, 0, channels);
        if (b != null) {
            Checks.range(op, "b", b, 0, channels);
        }
    }

    private static void affineRowVector(float[] x, int xOff, float a, float b, float[] out, int outOff, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, vb).intoArray(out, outOff + i);
        }
        affineRowScalar(x, xOff + i, a, b, out, outOff + i, n - i);
    }

    private static void affineRowScalar(float[] x, int xOff, float a, float b, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma(x[xOff + i], a, b);
        }
    }
}
