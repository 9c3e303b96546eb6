package dev.sprig.nn;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.Random;

/** {@code y = x · Wᵀ + b} over the last dimension. */
public final class Linear extends Module {
    private final Parameter weight; // [outFeatures, inFeatures]
    private final Parameter bias;   // [outFeatures] or null

    public Linear(int inFeatures, int outFeatures, boolean bias, Random rng) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear needs inFeatures >= 1 and outFeatures >= 1, got " + inFeatures + " -> " + outFeatures);
        }
        this.weight = registerParameter("weight", Init.defaultWeight(rng, inFeatures, outFeatures, inFeatures));
        this.bias = bias ? registerParameter("bias", Init.defaultBias(rng, inFeatures, outFeatures)) : null;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return weight.shape()[1];
    }

    public int outFeatures() {
        return weight.shape()[0];
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.linear(x, weight.get(), bias == null ? null : bias.get());
    }

    @Override
    protected String describe() {
        return "Linear(" + inFeatures() + " -> " + outFeatures() + (bias == null ? ", no bias" : "") + ")";
    }
}
