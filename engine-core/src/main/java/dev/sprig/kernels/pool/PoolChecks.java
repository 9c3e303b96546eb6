package dev.sprig.kernels.pool;

/** Array-length checks shared by the pooling kernels and their references. */
final class PoolChecks {
    private PoolChecks() {}

    static void require(String op, String name, float[] a, int off, long size, String sizeExpr) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        check(op, name, a.length, off, size, sizeExpr);
    }

    static void require(String op, String name, int[] a, int off, long size, String sizeExpr) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        check(op, name, a.length, off, size, sizeExpr);
    }

    private static void check(String op, String name, int length, int off, long size, String sizeExpr) {
        if (off < 0) {
            throw new IllegalArgumentException(op + ": " + name + " offset=" + off + " must be >= 0");
        }
        if ((long) off + size > length) {
            throw new IllegalArgumentException(op + ": " + name + ".length=" + length + " is too short for offset="
                    + off + " + " + sizeExpr + "=" + size);
        }
    }

    static void input(String op, Pool2dShape s, String name, float[] x, int off) {
        require(op, name, x, off, s.inputSize(), "n*c*h*w");
    }

    static void output(String op, Pool2dShape s, String name, float[] y, int off) {
        require(op, name, y, off, s.outputSize(), "n*c*outH*outW");
    }

    static void argmax(String op, Pool2dShape s, int[] a, int off) {
        require(op, "argmax", a, off, s.outputSize(), "n*c*outH*outW");
    }
}
