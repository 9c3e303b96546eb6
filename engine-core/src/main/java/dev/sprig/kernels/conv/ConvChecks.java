package dev.sprig.kernels.conv;

/** Array-length checks shared by {@link Conv2d} and {@link Conv2dReference}. */
final class ConvChecks {
    private ConvChecks() {}

    /** Throws unless {@code a[off, off + size)} lies inside {@code a}. */
    static void require(String op, String name, float[] a, int off, long size, String sizeExpr) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        if (off < 0) {
            throw new IllegalArgumentException(op + ": " + name + " offset=" + off + " must be >= 0");
        }
        if ((long) off + size > a.length) {
            throw new IllegalArgumentException(op + ": " + name + ".length=" + a.length + " is too short for offset="
                    + off + " + " + sizeExpr + "=" + size);
        }
    }

    static void input(String op, Conv2dShape s, String name, float[] x, int off) {
        require(op, name, x, off, (long) s.inputSize(), "n*inChannels*h*w");
    }

    static void weight(String op, Conv2dShape s, String name, float[] w, int off) {
        require(op, name, w, off, (long) s.weightSize(), "outChannels*(inChannels/groups)*kh*kw");
    }

    static void output(String op, Conv2dShape s, String name, float[] y, int off) {
        require(op, name, y, off, (long) s.outputSize(), "n*outChannels*outH*outW");
    }

    static void bias(String op, Conv2dShape s, String name, float[] b, int off) {
        require(op, name, b, off, s.outChannels(), "outChannels");
    }
}
