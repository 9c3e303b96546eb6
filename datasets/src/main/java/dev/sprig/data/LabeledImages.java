package dev.sprig.data;

import dev.sprig.tensor.Shape;
import java.util.Arrays;

/**
 * A set of labelled images held as raw floats: {@code images [count, channels, height, width]}
 * (row-major, values as read, e.g. 0..255) and {@code labels [count]} in {@code 0..classes-1}.
 */
public record LabeledImages(float[] images, int[] labels, int channels, int height, int width, int classes) {
    public LabeledImages {
        if (channels < 1 || height < 1 || width < 1 || classes < 1) {
            throw new IllegalArgumentException("image set needs channels, height, width, classes >= 1, got " + channels + ", "
                    + height + ", " + width + ", " + classes);
        }
        long per = (long) channels * height * width;
        if (images.length != per * labels.length) {
            throw new IllegalArgumentException("image set: " + images.length + " values for " + labels.length + " images of shape "
                    + Shape.str(new int[] {channels, height, width}) + " (expected " + per * labels.length + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " is out of range for " + classes
                        + " classes (expected 0.." + (classes - 1) + ")");
            }
        }
    }

    public int size() {
        return labels.length;
    }

    /** Values per image. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The images whose indices are given, in that order. */
    public LabeledImages select(int[] indices) {
        int per = imageSize();
        float[] im = new float[indices.length * per];
        int[] lb = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= labels.length) {
                throw new IndexOutOfBoundsException("index " + i + " out of range for " + labels.length + " images");
            }
            System.arraycopy(images, i * per, im, k * per, per);
            lb[k] = labels[i];
        }
        return new LabeledImages(im, lb, channels, height, width, classes);
    }

    /** Count of images per class. */
    public int[] classCounts() {
        int[] c = new int[classes];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    @Override
    public String toString() {
        return "LabeledImages[" + labels.length + " x " + Arrays.toString(new int[] {channels, height, width}) + ", " + classes + " classes]";
    }
}
