package dev.sprig.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in a fixed order.
 *
 * <p>{@code FloatVector.reduceLanes(ADD)} leaves the order of its additions unspecified, and in
 * practice the interpreter and the C2 intrinsic add the lanes in different orders: the same
 * kernel gives a different last bit before and after it is JIT-compiled, so a run is not
 * repeatable. Every kernel sums lanes through {@link #sum} instead: a halving tree of lanewise adds
 * (lane i + lane i+len/2, ...), which is the same arithmetic in every execution mode.
 */
public final class Lanes {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    /** shuffles[k] moves lane i + (len >> (k+1)) to lane i: the k-th halving step. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVINGS = makeHalvings();

    private Lanes() {}

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] makeHalvings() {
        int len = S.length();
        int steps = Integer.numberOfTrailingZeros(len);
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int k = 0, half = len >> 1; k < steps; k++, half >>= 1) {
            int h = half;
            out[k] = VectorShuffle.fromOp(S, i -> (i + h) % len);
        }
        return out;
    }

    /** The sum of the lanes of {@code v} of the species {@link KernelConfig#FLOATS}, in a fixed tree order. */
    public static float sum(FloatVector v) {
        FloatVector acc = v;
        for (VectorShuffle<Float> sh : HALVINGS) {
            acc = acc.add(acc.rearrange(sh));
        }
        return acc.lane(0);
    }

    /** The scalar twin of {@link #sum}: the same tree over an array of lanes. */
    public static float sumScalar(float[] lanes) {
        int len = lanes.length;
        if (Integer.bitCount(len) != 1) {
            throw new IllegalArgumentException("lane count must be a power of two, got " + len);
        }
        float[] a = lanes.clone();
        for (int half = len >> 1; half >= 1; half >>= 1) {
            for (int i = 0; i < half; i++) {
                a[i] = a[i] + a[i + half];
            }
        }
        return a[0];
    }
}
