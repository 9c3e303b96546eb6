package dev.sprig.kernels.vec;

/** Cheap argument checks shared by the public entry points of this package. */
final class Checks {
    private Checks() {}

    /** Checks that {@code [off, off + n)} lies inside {@code a}; {@code n} must be >= 0. */
    static void range(String op, String name, float[] a, int off, long n) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (n < 0) {
            throw new IllegalArgumentException(op + ": length n=" + n + " must be >= 0");
        }
        if (off < 0 || off + n > a.length) {
            throw new IllegalArgumentException(op + ": " + name + " range [" + off + ", " + (off + n)
                    + ") (offset " + off + ", length " + n + ") must lie inside the array of length " + a.length);
        }
    }

    /** Checks a row-major {@code [rows, cols]} block starting at {@code off}. */
    static void matrix(String op, String name, float[] a, int off, int rows, int cols) {
        dims(op, rows, cols);
        range(op, name, a, off, (long) rows * cols);
    }

    static void dims(String op, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": rows=" + rows + " and cols=" + cols + " must be >= 0");
        }
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": rows*cols=" + (long) rows * cols + " exceeds the int range");
        }
    }
}
