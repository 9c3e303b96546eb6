package dev.sprig.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10/100 binary batches: records of {@code labelBytes} label bytes (1 for CIFAR-10; 2 for
 * CIFAR-100: coarse, fine) followed by 3072 bytes of a 32x32 RGB image, channel-major (all red,
 * then green, then blue), as distributed in {@code cifar-10-batches-bin}.
 */
public final class Cifar {
    public static final int IMAGE_BYTES = 3 * 32 * 32;

    private Cifar() {}

    /** Which CIFAR variant, and for CIFAR-100 which label. */
    public enum Variant {
        CIFAR10(1, 0, 10), CIFAR100_COARSE(2, 0, 20), CIFAR100_FINE(2, 1, 100);

        final int labelBytes;
        final int labelIndex;
        final int classes;

        Variant(int labelBytes, int labelIndex, int classes) {
            this.labelBytes = labelBytes;
            this.labelIndex = labelIndex;
            this.classes = classes;
        }

        public int classes() {
            return classes;
        }
    }

    /** Reads and concatenates the given batch files. */
    public static LabeledImages read(List<Path> files, Variant variant) throws IOException {
        int record = variant.labelBytes + IMAGE_BYTES;
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IOException(f + ": no such file");
            }
            long size = Files.size(f);
            if (size == 0 || size % record != 0) {
                throw new IOException(f + ": " + size + " bytes is not a whole number of " + variant + " records of " + record
                        + " bytes (truncated or not a " + variant + " batch)");
            }
            total += size / record;
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new IOException("too many CIFAR images for one array: " + total);
        }
        float[] images = new float[(int) total * IMAGE_BYTES];
        int[] labels = new int[(int) total];
        int at = 0;
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            for (int r = 0; r < b.length / record; r++, at++) {
                int o = r * record;
                int label = b[o + variant.labelIndex] & 0xff;
                if (label >= variant.classes) {
                    throw new IOException(f + ": label " + label + " in record " + r + " is out of range for " + variant
                            + " (expected 0.." + (variant.classes - 1) + ")");
                }
                labels[at] = label;
                for (int k = 0; k < IMAGE_BYTES; k++) {
                    images[at * IMAGE_BYTES + k] = b[o + variant.labelBytes + k] & 0xff;
                }
            }
        }
        return new LabeledImages(images, labels, 3, 32, 32, variant.classes);
    }
}
