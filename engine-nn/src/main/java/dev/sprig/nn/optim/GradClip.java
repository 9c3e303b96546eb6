package dev.sprig.nn.optim;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.Collection;

/** Gradient clipping by global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales every gradient by {@code maxNorm / (norm + 1e-6)} when the global norm exceeds
     * {@code maxNorm}; returns the norm before clipping.
     */
    public static double clipByNorm(Collection<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double sq = 0;
        for (Parameter p : params) {
            Tensor g = p.get().grad();
            if (g != null) {
                for (float v : g.rowMajorData()) {
                    sq += (double) v * v;
                }
            }
        }
        double norm = Math.sqrt(sq);
        if (norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : params) {
                Tensor g = p.get().grad();
                if (g != null) {
                    p.get().setGrad(g.mul(scale));
                }
            }
        }
        return norm;
    }
}
