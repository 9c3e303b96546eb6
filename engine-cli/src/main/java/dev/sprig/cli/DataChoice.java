package dev.sprig.cli;

import dev.sprig.data.FashionMnist;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.data.SyntheticShapes;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The datasets the commands know by name, and how a model file remembers which one it was trained
 * on and with which normalisation (metadata keys {@code data}, {@code data.seed},
 * {@code normalize.scale}, {@code normalize.mean}, {@code normalize.std}).
 */
enum DataChoice {
    fashion_mnist, shapes;

    /** Images per class of the generated dataset's training and test splits. */
    static final int SHAPES_TRAIN_PER_CLASS = 500;
    static final int SHAPES_TEST_PER_CLASS = 100;

    /** The training split ({@code seed} only matters for the generated data). */
    LabeledImages train(long seed) throws IOException {
        return this == fashion_mnist ? FashionMnist.train(FashionMnist.dir())
                : SyntheticShapes.generate(SHAPES_TRAIN_PER_CLASS, 32, seed, 0);
    }

    /** The test split. */
    LabeledImages test(long seed) throws IOException {
        return this == fashion_mnist ? FashionMnist.test(FashionMnist.dir())
                : SyntheticShapes.generate(SHAPES_TEST_PER_CLASS, 32, seed, 1);
    }

    /** Metadata recording the dataset and its normalisation, for a model file. */
    Map<String, String> metadata(long seed, Normalize norm) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", name());
        m.put("data.seed", Long.toString(seed));
        norm.putMetadata(m);
        return m;
    }

    /** The dataset a model file names, or null when it names none. */
    static DataChoice fromMetadata(Map<String, String> meta) {
        String d = meta.get("data");
        if (d == null) {
            return null;
        }
        try {
            return valueOf(d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the model file names dataset '" + d + "', expected one of " + Arrays.toString(values()), e);
        }
    }

    static long seedFromMetadata(Map<String, String> meta) {
        return Long.parseLong(meta.getOrDefault("data.seed", "0"));
    }

    /** The normalisation a model file records. */
    static Normalize normalizeFromMetadata(Map<String, String> meta, String file) {
        Normalize n = Normalize.fromMetadata(meta, file);
        if (n == null) {
            throw new IllegalArgumentException(file + ": the model file has no '" + Normalize.SCALE_KEY
                    + "' metadata (was it written by sprig train?)");
        }
        return n;
    }
}
