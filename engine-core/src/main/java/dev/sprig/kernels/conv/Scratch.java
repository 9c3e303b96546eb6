package dev.sprig.kernels.conv;

/**
 * Per-thread growable scratch arrays, so a convolution allocates nothing per call once warm.
 * Each slot is an independent buffer; contents are garbage on return (callers overwrite).
 */
final class Scratch {
    private static final int SLOTS = 5;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    /** The im2col / column-gradient matrix. */
    static final int COL = 0;
    /** A re-laid-out copy of dY (backwardWeight over a chunk of images). */
    static final int DY = 1;
    /** The zero-padded input planes of the direct convolution. */
    static final int PAD = 2;
    /** The direct convolution's output, rows of the padded width. */
    static final int OUT = 3;
    /** The second convolution's padded input in a pair ({@link DirectConv2d#forwardPairImage}). */
    static final int MID = 4;

    private Scratch() {}

    /** This thread's buffer {@code slot}, at least {@code size} floats long. */
    static float[] get(int slot, int size) {
        float[][] slots = BUFFERS.get();
        float[] b = slots[slot];
        if (b.length < size) {
            b = new float[Math.max(size, (int) Math.min(Integer.MAX_VALUE - 16, b.length + (long) b.length / 2))];
            slots[slot] = b;
        }
        return b;
    }
}
