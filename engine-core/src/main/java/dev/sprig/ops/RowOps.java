package dev.sprig.ops;

/** Row-wise helpers over {@code [rows, cols]} row-major matrices. */
final class RowOps {
    private RowOps() {}

    /** {@code m[r, :] += v} for every row. */
    static void addRowVector(float[] m, int rows, int cols, float[] v) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                m[o + j] += v[j];
            }
        }
    }

    /** {@code out[:] += Σ_r m[r, :]}. */
    static void sumRowsInto(float[] m, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) {
                out[j] += m[o + j];
            }
        }
    }
}
