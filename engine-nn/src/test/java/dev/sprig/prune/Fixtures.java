package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/** Models for the pruning tests, made non-trivial the same way every time. */
public final class Fixtures {
    private Fixtures() {}

    /** A model, its input shape without the batch, and group kinds a random mask must leave alone. */
    record Case(String name, Supplier<Module> make, int[] input, Group.Kind... keepKinds) {
        /** A fresh, prepared model: equal cases give bit-identical models. */
        Module model() {
            Module m = make.get();
            prepare(m, input);
            return m;
        }

        /** The graph a random mask of this case draws from. */
        PruningGraph graph(Module m) {
            PruningGraph g = PruningGraph.of(m, input);
            return keepKinds.length == 0 ? g : g.excludingKinds(keepKinds);
        }

        Tensor input(long seed, int batch) {
            int[] shape = new int[input.length + 1];
            shape[0] = batch;
            System.arraycopy(input, 0, shape, 1, input.length);
            return Tensor.randn(seed, shape);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Case resnet20() {
        return new Case("ResNet-20", () -> new ResNet(ResNetConfig.resnet20(3, 10), 7), new int[] {3, 16, 16});
    }

    static Case resnet18() {
        return new Case("ResNet-18", () -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.IMAGENET), 7), new int[] {3, 32, 32});
    }

    /**
     * The ViT with its embedding width left out of random masks: LayerNorm normalises over it, so a
     * zeroed width is not a removed one (Group#maskEquivalent is false there).
     */
    static Case vit(boolean fused) {
        return new Case(fused ? "ViT (fused qkv)" : "ViT", () -> new ViT(new ViTConfig(3, 16, 4, 10, 48, 3, 4, 12, 96, fused), 7),
                new int[] {3, 16, 16}, Group.Kind.EMBEDDING);
    }

    /**
     * Moves every 1-d parameter (biases, norm scales and shifts) off its initial value, and gives
     * BatchNorms running statistics from a training-mode pass, so that a pruned entry that leaked
     * through would change the output.
     */
    static void prepare(Module m, int[] input) {
        Random rng = new Random(42);
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Tensor t = e.getValue().get();
            if (t.dim() == 1) {
                float[] d = t.storage();
                for (int i = 0; i < d.length; i++) {
                    d[i] += 0.2f * (float) rng.nextGaussian();
                }
            }
        }
        int[] shape = new int[input.length + 1];
        shape[0] = 4;
        System.arraycopy(input, 0, shape, 1, input.length);
        m.train(true);
        try (GradMode.Scope s = GradMode.noGrad()) {
            m.forward(Tensor.randn(43, shape));
        }
        m.eval();
    }

    static float[] eval(Module m, Tensor x) {
        m.eval();
        try (GradMode.Scope s = GradMode.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    /** max |a − b| / max |a|. */
    public static double relativeError(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " vs " + b.length + " values");
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }
}
