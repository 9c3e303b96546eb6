package dev.sprig.data;

import java.util.SplittableRandom;

/**
 * Per-image transforms applied in the data loader. Each image gets its own generator, derived
 * from (seed, epoch, index), so an epoch's batches are the same whatever the prefetch timing.
 */
public sealed interface Augment {
    /** Transforms {@code img [c, h, w]} in place (it may use {@code scratch}, of the same size). */
    void apply(float[] img, float[] scratch, int c, int h, int w, SplittableRandom rng);

    /** No augmentation. */
    record None() implements Augment {
        @Override
        public void apply(float[] img, float[] scratch, int c, int h, int w, SplittableRandom rng) {
        }
    }

    /** Random crop of the original size from the image zero-padded by {@code padding} on each side. */
    record RandomCrop(int padding) implements Augment {
        public RandomCrop {
            if (padding < 0) {
                throw new IllegalArgumentException("crop padding must be >= 0, got " + padding);
            }
        }

        @Override
        public void apply(float[] img, float[] scratch, int c, int h, int w, SplittableRandom rng) {
            int dy = rng.nextInt(2 * padding + 1) - padding;
            int dx = rng.nextInt(2 * padding + 1) - padding;
            if (dy == 0 && dx == 0) {
                return;
            }
            System.arraycopy(img, 0, scratch, 0, c * h * w);
            for (int ch = 0; ch < c; ch++) {
                int base = ch * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = x + dx;
                        img[base + y * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? scratch[base + sy * w + sx] : 0f;
                    }
                }
            }
        }
    }

    /** Mirrors the image left-right with probability 1/2. */
    record HorizontalFlip() implements Augment {
        @Override
        public void apply(float[] img, float[] scratch, int c, int h, int w, SplittableRandom rng) {
            if (!rng.nextBoolean()) {
                return;
            }
            for (int row = 0; row < c * h; row++) {
                int o = row * w;
                for (int x = 0; x < w / 2; x++) {
                    float t = img[o + x];
                    img[o + x] = img[o + w - 1 - x];
                    img[o + w - 1 - x] = t;
                }
            }
        }
    }

    /** Applies each in order. */
    record Chain(Augment... steps) implements Augment {
        public Chain {
            steps = steps.clone();
        }

        @Override
        public void apply(float[] img, float[] scratch, int c, int h, int w, SplittableRandom rng) {
            for (Augment a : steps) {
                a.apply(img, scratch, c, h, w, rng);
            }
        }
    }
}
