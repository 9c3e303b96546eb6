package dev.sprig.nn;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;

/** Layer norm over the last dimension with learnable γ, β. */
public final class LayerNorm extends Module {
    private final Parameter weight; // [d]
    private final Parameter bias;   // [d]
    private final float eps;

    public LayerNorm(int d, float eps) {
        if (d < 1) {
            throw new IllegalArgumentException("LayerNorm needs d >= 1, got " + d);
        }
        this.weight = registerParameter("weight", Tensor.ones(d));
        this.bias = registerParameter("bias", Tensor.zeros(d));
        this.eps = eps;
    }

    public LayerNorm(int d) {
        this(d, 1e-5f);
    }

    /** The ε added to the variance. */
    public float eps() {
        return eps;
    }

    public int size() {
        return weight.shape()[0];
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.layerNorm(x, weight.get(), bias.get(), eps);
    }

    @Override
    protected String describe() {
        return "LayerNorm(" + size() + ")";
    }
}
