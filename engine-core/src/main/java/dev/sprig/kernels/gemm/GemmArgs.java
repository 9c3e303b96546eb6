package dev.sprig.kernels.gemm;

/** Argument validation shared by {@link Sgemm}: every message names the offending value. */
final class GemmArgs {
    private GemmArgs() {}

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: dimensions must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        // Stored A is [m, k], or [k, m] when transposed; stored B is [k, n], or [n, k].
        matrix("a", a, aOff, lda, transA ? k : m, transA ? m : k, transA ? "m" : "k", transA ? m : k,
                transA ? "a transposed A" : "a non-transposed A");
        matrix("b", b, bOff, ldb, transB ? n : k, transB ? k : n, transB ? "k" : "n", transB ? k : n,
                transB ? "a transposed B" : "a non-transposed B");
        matrix("c", c, cOff, ldc, m, n, "n", n, "C");
    }

    static void matrix(String name, float[] x, int off, int ld, int rows, int cols,
                               String colName, int colValue, String what) {
        matrix("sgemm", name, x, off, ld, rows, cols, colName, colValue, what);
    }

    /** As {@link #matrix(String, float[], int, int, int, int, String, int, String)}, the messages naming {@code op}. */
    static void matrix(String op, String name, float[] x, int off, int ld, int rows, int cols,
                       String colName, int colValue, String what) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": ld" + name + "=" + ld + " must be >= max(1, "
                    + colName + "=" + colValue + ") for " + what);
        }
        if (off < 0) {
            throw new IllegalArgumentException(op + ": " + name + "Off=" + off + " must be >= 0");
        }
        long needed = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
        if (needed > x.length) {
            throw new IllegalArgumentException(op + ": " + name + ".length=" + x.length + " is too short: "
                    + rows + "x" + cols + " with offset " + off + " and ld" + name + "=" + ld
                    + " needs " + needed + " elements");
        }
    }
}
