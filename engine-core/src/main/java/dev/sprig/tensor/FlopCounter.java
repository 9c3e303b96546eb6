package dev.sprig.tensor;

/**
 * Counts the multiply-accumulates (MACs) of the matrix products and convolutions that a piece of
 * code runs on the calling thread, as fvcore/thop count a model's forward: conv2d, linear and
 * matmul, the ops that hold all but a sliver of a CNN's or a transformer's arithmetic. FLOPs are
 * reported by convention as 2 x MACs. Counting follows the tensors' actual shapes, so a shrunk model
 * with uneven widths is counted as it runs.
 */
public final class FlopCounter {
    private static final ThreadLocal<long[]> ACTIVE = new ThreadLocal<>();

    private FlopCounter() {}

    /** Runs {@code work} (typically a forward under no-grad) and returns the MACs it performed. Nests. */
    public static long countMacs(Runnable work) {
        long[] outer = ACTIVE.get();
        long[] mine = new long[1];
        ACTIVE.set(mine);
        try {
            work.run();
        } finally {
            if (outer == null) {
                ACTIVE.remove();
            } else {
                outer[0] += mine[0];
                ACTIVE.set(outer);
            }
        }
        return mine[0];
    }

    /** Called by the ops: records {@code macs} if a count is running on this thread. */
    public static void add(long macs) {
        long[] c = ACTIVE.get();
        if (c != null) {
            c[0] += macs;
        }
    }
}
