package dev.sprig.nn;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.Random;

/** Parameter-free layers. */
public final class Layers {
    private Layers() {}

    public static final class ReLU extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.relu();
        }
    }

    /** GELU, exact (erf) form. */
    public static final class GELU extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.gelu();
        }
    }

    public static final class Identity extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    /** {@code [n, ...] -> [n, rest]}. */
    public static final class Flatten extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.flatten();
        }
    }

    /** {@code [n, c, h, w] -> [n, c]}. */
    public static final class GlobalAvgPool extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return Functional.globalAvgPool2d(x);
        }
    }

    public static final class MaxPool2d extends Module {
        private final int kernel;
        private final int stride;
        private final int padding;

        public MaxPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        public int kernel() {
            return kernel;
        }

        public int stride() {
            return stride;
        }

        public int padding() {
            return padding;
        }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.maxPool2d(x, kernel, stride, padding);
        }

        @Override
        protected String describe() {
            return "MaxPool2d(k" + kernel + ", s" + stride + ", p" + padding + ")";
        }
    }

    public static final class AvgPool2d extends Module {
        private final int kernel;
        private final int stride;
        private final int padding;

        public AvgPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        public int kernel() {
            return kernel;
        }

        public int stride() {
            return stride;
        }

        public int padding() {
            return padding;
        }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.avgPool2d(x, kernel, stride, padding, true);
        }

        @Override
        protected String describe() {
            return "AvgPool2d(k" + kernel + ", s" + stride + ", p" + padding + ")";
        }
    }

    /**
     * Inverted dropout, seeded: the same seed gives the same masks in the same order. A trainer
     * calls {@link #seedForStep} before every step, so that the masks of a step follow from (seed,
     * step) alone and a run resumed from a checkpoint draws the same masks as an uninterrupted one.
     */
    public static final class Dropout extends Module {
        private final float p;
        private final long seed;
        private final Random rng;

        public Dropout(float p, long seed) {
            if (!(p >= 0f && p < 1f)) {
                throw new IllegalArgumentException("Dropout p must be in [0, 1), got " + p);
            }
            this.p = p;
            this.seed = seed;
            this.rng = new Random(seed);
        }

        /** Restarts the generator at a state that depends only on this module's seed and {@code step}. */
        public void seedForStep(long step) {
            long z = seed + 0x9E3779B97F4A7C15L * (step + 1);   // splitmix64 finaliser
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            rng.setSeed(z ^ (z >>> 31));
        }

        public float p() {
            return p;
        }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.dropout(x, p, isTraining(), rng);
        }

        @Override
        protected String describe() {
            return "Dropout(" + p + ")";
        }
    }
}
