package dev.sprig.kernels.vec;

import dev.sprig.kernels.Parallel;

/**
 * Splits large elementwise and row work over {@link Parallel} without changing any result.
 *
 * <p>Elementwise chunks start at multiples of {@link #BLOCK} elements from the range start. BLOCK
 * is a multiple of every vector length, so each element is computed by the same vector lane or the
 * same scalar-tail code as in a single-threaded call: results are bit-identical for any thread
 * count.
 */
final class Split {
    /** Ranges shorter than this run on the calling thread (the ops are memory-bound). */
    static final int MIN_PARALLEL = 1 << 16;
    /** Elementwise chunk granularity, a multiple of every Vector API species length. */
    static final int BLOCK = 1 << 12;

    private Split() {}

    /** Runs {@code task} over {@code [0, n)}, in parallel BLOCK-aligned chunks when n is large. */
    static void elements(int n, Parallel.RangeTask task) {
        int threads = Parallel.threads();
        if (n < MIN_PARALLEL || threads <= 1) {
            task.run(0, n);
            return;
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, threads, (b0, b1) -> task.run(b0 * BLOCK, Math.min(n, b1 * BLOCK)));
    }

    /** Runs {@code task} over rows {@code [0, rows)}, split over threads when rows*cols is large. */
    static void rows(int rows, int cols, Parallel.RangeTask task) {
        int threads = Parallel.threads();
        if ((long) rows * cols < MIN_PARALLEL || threads <= 1 || rows < 2) {
            task.run(0, rows);
            return;
        }
        Parallel.forRange(rows, threads, task);
    }
}
