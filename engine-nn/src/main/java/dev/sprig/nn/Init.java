package dev.sprig.nn;

import dev.sprig.tensor.Tensor;
import java.util.Random;

/** Weight initialisers, as PyTorch's {@code nn.init}. {@code fanIn = inFeatures·kh·kw}, {@code fanOut = outFeatures·kh·kw}. */
public final class Init {
    private Init() {}

    /**
     * PyTorch's default for Linear and Conv weights: {@code kaiming_uniform_(a=√5)}, i.e.
     * U(−b, b) with {@code b = 1/√fanIn}.
     */
    public static Tensor defaultWeight(Random rng, int fanIn, int... shape) {
        float bound = (float) (1.0 / Math.sqrt(Math.max(fanIn, 1)));
        return Tensor.uniform(rng, -bound, bound, shape);
    }

    /** PyTorch's default bias: U(−1/√fanIn, 1/√fanIn). */
    public static Tensor defaultBias(Random rng, int fanIn, int size) {
        float bound = (float) (1.0 / Math.sqrt(Math.max(fanIn, 1)));
        return Tensor.uniform(rng, -bound, bound, size);
    }

    /** {@code kaiming_normal_(mode='fan_out', nonlinearity='relu')}: N(0, 2/fanOut), as torchvision's ResNets. */
    public static Tensor kaimingNormalFanOut(Random rng, int fanOut, int... shape) {
        return Tensor.normal(rng, 0f, (float) Math.sqrt(2.0 / Math.max(fanOut, 1)), shape);
    }

    /**
     * {@code trunc_normal_(std)}: N(0, std²) redrawn outside [−2std, 2std], as ViT initialises its
     * linear layers and embeddings.
     */
    public static Tensor truncatedNormal(Random rng, float std, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.storage();
        for (int i = 0; i < d.length; i++) {
            double v;
            do {
                v = rng.nextGaussian();
            } while (v < -2 || v > 2);
            d[i] = (float) (v * std);
        }
        return t;
    }
}
