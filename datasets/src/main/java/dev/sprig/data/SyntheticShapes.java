package dev.sprig.data;

import java.util.SplittableRandom;

/**
 * A generated RGB image dataset that needs no download: 24 classes, each a (shape, texture) pair
 * of 6 shapes x 4 textures, drawn at a random position, scale and rotation, in a random colour on a
 * random background, with pixel noise. Classes form families — those sharing a shape, those
 * sharing a texture — so that some tasks are similar and some are not; colour is a nuisance
 * variable, never the label.
 *
 * <p>Deterministic: image {@code i} of a split depends only on (seed, split, i). Values are 0..255
 * as in the stored datasets, channel-major {@code [3, size, size]}.
 */
public final class SyntheticShapes {
    /** The shapes, in class order. */
    public enum ShapeKind { CIRCLE, SQUARE, TRIANGLE, RING, CROSS, DIAMOND }

    /** The textures, in class order. */
    public enum Texture { SOLID, STRIPES, CHECKER, DOTS }

    public static final int CLASSES = ShapeKind.values().length * Texture.values().length;

    private SyntheticShapes() {}

    /** Class index of a (shape, texture) pair: {@code shape * 4 + texture}. */
    public static int classOf(ShapeKind shape, Texture texture) {
        return shape.ordinal() * Texture.values().length + texture.ordinal();
    }

    public static ShapeKind shapeOf(int cls) {
        return ShapeKind.values()[cls / Texture.values().length];
    }

    public static Texture textureOf(int cls) {
        return Texture.values()[cls % Texture.values().length];
    }

    /** A readable class name, e.g. {@code "ring/stripes"}. */
    public static String name(int cls) {
        return shapeOf(cls).name().toLowerCase(java.util.Locale.ROOT) + "/" + textureOf(cls).name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * {@code perClass} images of every class at {@code size x size}, classes interleaved
     * (image i has class i % 24). {@code split} separates train (0) and test (1) draws.
     */
    public static LabeledImages generate(int perClass, int size, long seed, int split) {
        if (perClass < 1 || size < 8) {
            throw new IllegalArgumentException("need perClass >= 1 and size >= 8, got " + perClass + " and " + size);
        }
        int n = perClass * CLASSES;
        int per = 3 * size * size;
        float[] images = new float[n * per];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + split * 0x632BE59BD9B4E019L + i);
            draw(images, i * per, size, labels[i], rng);
        }
        return new LabeledImages(images, labels, 3, size, size, CLASSES);
    }

    private static void draw(float[] out, int off, int size, int cls, SplittableRandom rng) {
        ShapeKind shape = shapeOf(cls);
        Texture texture = textureOf(cls);
        double half = size / 2.0;
        double radius = half * (0.5 + 0.35 * rng.nextDouble());       // shape radius in pixels
        double cx = half + (rng.nextDouble() - 0.5) * (size - 2 * radius) * 0.9;
        double cy = half + (rng.nextDouble() - 0.5) * (size - 2 * radius) * 0.9;
        double angle = rng.nextDouble() * 2 * Math.PI;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double period = 0.35 + 0.2 * rng.nextDouble();                 // texture period in shape units
        float[] fg = colour(rng, 0.55, 1.0);
        float[] fg2 = colour(rng, 0.1, 0.45);                          // the texture's second colour
        float[] bg = colour(rng, 0.0, 0.5);
        double noise = 0.04 + 0.06 * rng.nextDouble();
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                // shape-local coordinates: rotated, in units of the radius
                double dx = (x + 0.5 - cx) / radius;
                double dy = (y + 0.5 - cy) / radius;
                double u = cos * dx + sin * dy;
                double v = -sin * dx + cos * dy;
                float[] c = bg;
                if (inside(shape, u, v)) {
                    c = onTexture(texture, u, v, period) ? fg : fg2;
                }
                for (int ch = 0; ch < 3; ch++) {
                    double val = c[ch] + noise * gaussian(rng);
                    out[off + ch * plane + y * size + x] = (float) (255 * Math.min(1, Math.max(0, val)));
                }
            }
        }
    }

    private static boolean inside(ShapeKind s, double u, double v) {
        double r = Math.hypot(u, v);
        return switch (s) {
            case CIRCLE -> r < 1;
            case SQUARE -> Math.max(Math.abs(u), Math.abs(v)) < 0.8;
            case TRIANGLE -> v > -0.6 && v < 0.9 && Math.abs(u) < (0.9 - v) * 0.66;
            case RING -> r < 1 && r > 0.58;
            case CROSS -> (Math.abs(u) < 0.3 && Math.abs(v) < 0.95) || (Math.abs(v) < 0.3 && Math.abs(u) < 0.95);
            case DIAMOND -> Math.abs(u) + Math.abs(v) < 1.05;
        };
    }

    private static boolean onTexture(Texture t, double u, double v, double period) {
        return switch (t) {
            case SOLID -> true;
            case STRIPES -> Math.floorMod((long) Math.floor(u / period), 2L) == 0;
            case CHECKER -> Math.floorMod((long) Math.floor(u / period) + (long) Math.floor(v / period), 2L) == 0;
            case DOTS -> {
                double fu = u / period - Math.floor(u / period) - 0.5;
                double fv = v / period - Math.floor(v / period) - 0.5;
                yield fu * fu + fv * fv > 0.09;
            }
        };
    }

    private static float[] colour(SplittableRandom rng, double lo, double hi) {
        return new float[] {(float) (lo + (hi - lo) * rng.nextDouble()), (float) (lo + (hi - lo) * rng.nextDouble()),
                (float) (lo + (hi - lo) * rng.nextDouble())};
    }

    private static double gaussian(SplittableRandom rng) {
        // Box–Muller; SplittableRandom has no nextGaussian before JDK 17's RandomGenerator default.
        double a = rng.nextDouble();
        double b = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b);
    }
}
