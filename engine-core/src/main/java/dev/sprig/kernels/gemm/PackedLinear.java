package dev.sprig.kernels.gemm;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;

/**
 * A linear layer's weight {@code W [outF, inF]}, copied and packed once for {@code y = x · Wᵀ}:
 * what a compiled inference plan keeps instead of handing W to {@link Sgemm} on every call, which
 * packs it again each time. At batch 1 a ViT's products have 65 rows, and that packing (a
 * transposing copy of every weight) cost about a fifth of the forward.
 *
 * <p>Where {@link Sgemm} would take the narrow kernels ({@code outF} a width they cover and
 * {@code inF} one K slice, on 16 lanes or more) the weight is kept in their packed layout and
 * {@link #apply} runs their tiles straight over it; otherwise it calls {@link Sgemm} with the
 * copy. Either way every element of y is computed by the same operations as
 * {@code Sgemm.sgemm(false, true, rows, outF, inF, 1, x, .., W, ..)}: bit for bit the same, for any
 * thread count. Under {@link KernelConfig#SCALAR} it is {@link SgemmReference}'s.
 */
public final class PackedLinear {
    private final int outF;
    private final int inF;
    /** W, row-major {@code [outF, inF]}, for {@link Sgemm}; null when the packed copy serves every call. */
    private final float[] w;
    /** W packed for {@link BlockedGemm#narrowTiles}, or null where the narrow kernels do not apply. */
    private final float[] packed;

    private PackedLinear(float[] w, int outF, int inF, float[] packed) {
        this.w = w;
        this.outF = outF;
        this.inF = inF;
        this.packed = packed;
    }

    /**
     * W {@code [outF, inF]}, row-major from {@code wOff}, copied.
     *
     * @throws IllegalArgumentException if a size is below 1 or w is too short
     */
    public static PackedLinear of(float[] w, int wOff, int outF, int inF) {
        if (outF < 1 || inF < 1) {
            throw new IllegalArgumentException("packed linear: outF and inF must be >= 1, got " + outF + " and " + inF);
        }
        if (w == null || wOff < 0 || wOff + (long) outF * inF > w.length) {
            throw new IllegalArgumentException("packed linear: needs " + (long) outF * inF + " floats of W [" + outF + ", " + inF
                    + "] from " + wOff + ", have " + (w == null ? "none" : w.length));
        }
        float[] copy = java.util.Arrays.copyOfRange(w, wOff, wOff + outF * inF);
        float[] packed = null;
        if (inF <= BlockedGemm.KC && BlockedGemm.takesNarrow(outF)) {
            packed = new float[outF * inF];
            BlockedGemm.packNarrow(true, outF, inF, copy, 0, inF, packed);
        }
        return new PackedLinear(packed == null || KernelConfig.SCALAR ? copy : null, outF, inF, packed);
    }

    public int outFeatures() {
        return outF;
    }

    public int inFeatures() {
        return inF;
    }

    /**
     * {@code y [rows, outF] = x [rows, inF] · Wᵀ}, rows contiguous: x from xOff, y from yOff
     * (overwritten), on at most {@code threads} threads.
     *
     * @throws IllegalArgumentException if rows is negative, x or y is too short, or threads is below 1
     */
    public void apply(float[] x, int xOff, int rows, float[] y, int yOff, int threads) {
        if (rows < 0 || threads < 1) {
            throw new IllegalArgumentException("packed linear: rows must be >= 0 and threads >= 1, got " + rows + " and " + threads);
        }
        GemmArgs.matrix("packed linear", "x", x, xOff, inF, rows, inF, "inF", inF, "x [rows, inF]");
        GemmArgs.matrix("packed linear", "y", y, yOff, outF, rows, outF, "outF", outF, "y [rows, outF]");
        if (packed == null || KernelConfig.SCALAR) {
            Sgemm.sgemm(false, true, rows, outF, inF, 1f, x, xOff, inF, w, 0, inF, 0f, y, yOff, outF, threads);
            return;
        }
        if (rows == 0) {
            return;
        }
        int t = (long) rows * outF * inF < Sgemm.PARALLEL_MIN_WORK ? 1 : threads;
        if (t == 1 || Parallel.inWorker()) {
            BlockedGemm.narrowTiles(rows, outF, inF, 1f, x, xOff, inF, packed, y, yOff, outF);
            return;
        }
        int panels = (rows + MicroKernel.MR - 1) / MicroKernel.MR;
        Parallel.forRange(panels, t, (from, to) -> {
            int i0 = from * MicroKernel.MR;
            int mc = Math.min(rows, to * MicroKernel.MR) - i0;
            BlockedGemm.narrowTiles(mc, outF, inF, 1f, x, xOff + i0 * inF, inF, packed, y, yOff + i0 * outF, outF);
        });
    }
}
