package dev.sprig.ops;

/** Per-row kernels for softmax-style ops; each works on {@code cols} elements at {@code off}. */
final class RowKernels {
    private RowKernels() {}

    static void softmaxRow(float[] x, float[] y, int off, int cols) {
        if (cols == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, x[off + j]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            max = 0f; // an all -inf row: exp(-inf - 0) = 0 everywhere, the sum is 0, the result NaN as in PyTorch
        }
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            float e = (float) Math.exp(x[off + j] - max);
            y[off + j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < cols; j++) {
            y[off + j] *= inv;
        }
    }

    static void logSoftmaxRow(float[] x, float[] y, int off, int cols) {
        if (cols == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, x[off + j]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            max = 0f;
        }
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            sum += Math.exp(x[off + j] - max);
        }
        float lse = (float) (max + Math.log(sum));
        for (int j = 0; j < cols; j++) {
            y[off + j] = x[off + j] - lse;
        }
    }

    static void softmaxBackwardRow(float[] dy, float[] y, float[] dx, int off, int cols) {
        double dot = 0;
        for (int j = 0; j < cols; j++) {
            dot += (double) dy[off + j] * y[off + j];
        }
        float d = (float) dot;
        for (int j = 0; j < cols; j++) {
            dx[off + j] = y[off + j] * (dy[off + j] - d);
        }
    }

    static void logSoftmaxBackwardRow(float[] dy, float[] logY, float[] dx, int off, int cols) {
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            sum += dy[off + j];
        }
        float s = (float) sum;
        for (int j = 0; j < cols; j++) {
            dx[off + j] = dy[off + j] - (float) Math.exp(logY[off + j]) * s;
        }
    }
}
