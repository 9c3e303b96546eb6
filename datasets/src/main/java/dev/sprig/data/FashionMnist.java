package dev.sprig.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (60,000 training and 10,000 test images, 28x28 grey, 10 classes), read from the
 * IDX files that Debian's {@code dataset-fashion-mnist} package installs under
 * {@link #DEFAULT_DIR}, or from any directory holding the same four files.
 */
public final class FashionMnist {
    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The directory to use: {@code -Dsprig.fashionMnist.dir=...} if set, else {@link #DEFAULT_DIR}. */
    public static Path dir() {
        String d = System.getProperty("sprig.fashionMnist.dir");
        return d == null || d.isBlank() ? DEFAULT_DIR : Path.of(d);
    }

    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    private FashionMnist() {}

    /** The four file names, train images/labels then test images/labels. */
    static final String[] FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz"};

    /** True when all four files are in {@code dir}. */
    public static boolean isInstalled(Path dir) {
        for (String f : FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                return false;
            }
        }
        return true;
    }

    /** The training split (60,000 images). */
    public static LabeledImages train(Path dir) throws IOException {
        return load(dir, 0);
    }

    /** The test split (10,000 images). */
    public static LabeledImages test(Path dir) throws IOException {
        return load(dir, 2);
    }

    private static LabeledImages load(Path dir, int first) throws IOException {
        Path images = dir.resolve(FILES[first]);
        Path labels = dir.resolve(FILES[first + 1]);
        if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
            throw new IOException("Fashion-MNIST is not in " + dir + " (expected " + FILES[first] + " and " + FILES[first + 1]
                    + "); install it with: apt-get install dataset-fashion-mnist");
        }
        return Idx.readImages(images, labels, 10);
    }
}
