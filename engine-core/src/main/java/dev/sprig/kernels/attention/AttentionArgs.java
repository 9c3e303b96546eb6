package dev.sprig.kernels.attention;

/** Argument checks shared by {@link Attention} and {@link AttentionReference}. */
final class AttentionArgs {
    private AttentionArgs() {}

    static void check(int batch, int t, int heads, int hd, float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
                      float[] v, int vOff, int vStride, float[] o, int oOff, int oStride) {
        if (batch < 0 || t < 1 || heads < 1 || hd < 1) {
            throw new IllegalArgumentException("attention needs batch >= 0 and tokens, heads, headDim >= 1, got batch=" + batch
                    + ", tokens=" + t + ", heads=" + heads + ", headDim=" + hd);
        }
        int width = heads * hd;
        rows("q", q, qOff, qStride, batch * t, width);
        rows("k", k, kOff, kStride, batch * t, width);
        rows("v", v, vOff, vStride, batch * t, width);
        rows("o", o, oOff, oStride, batch * t, width);
        if (o == q || o == k || o == v) {
            throw new IllegalArgumentException("attention: the output must not share an array with q, k or v");
        }
    }

    private static void rows(String name, float[] a, int off, int stride, int rows, int width) {
        if (a == null) {
            throw new IllegalArgumentException("attention: " + name + " is null");
        }
        if (off < 0 || stride < width) {
            throw new IllegalArgumentException("attention: " + name + " needs offset >= 0 and a row stride >= heads x headDim = " + width
                    + ", got offset " + off + ", stride " + stride);
        }
        long end = rows == 0 ? off : off + (long) (rows - 1) * stride + width;
        if (end > a.length) {
            throw new IllegalArgumentException("attention: " + name + " needs " + end + " floats (" + rows + " rows of stride " + stride
                    + " from offset " + off + "), its array holds " + a.length);
        }
    }
}
