package dev.sprig.nn.models;

import java.util.Arrays;

/**
 * A ResNet of BasicBlocks.
 *
 * @param inChannels      image channels (1 for Fashion-MNIST, 3 for RGB)
 * @param classes         classifier outputs
 * @param blocksPerStage  blocks in each stage (the first block of every stage but the first has stride 2)
 * @param widths          output channels of each stage before the width multiplier
 * @param stem            how the input is brought to the first stage
 * @param widthMultiplier scales every width (rounded, at least 1)
 */
public record ResNetConfig(int inChannels, int classes, int[] blocksPerStage, int[] widths, Stem stem, float widthMultiplier) {

    /** The layers before the first stage. */
    public enum Stem {
        /** 3x3 conv, stride 1, to the first width: CIFAR-style and small inputs (no downsampling). */
        CIFAR,
        /** 7x7 conv, stride 2, then 3x3 max pool stride 2: ImageNet-style (4x downsampling). */
        IMAGENET,
        /** 3x3 conv, stride 1, no max pool: an ImageNet-layout ResNet for small images. */
        SMALL
    }

    public ResNetConfig {
        if (inChannels < 1 || classes < 1) {
            throw new IllegalArgumentException("ResNet needs inChannels >= 1 and classes >= 1, got " + inChannels + " and " + classes);
        }
        if (blocksPerStage.length == 0 || blocksPerStage.length != widths.length) {
            throw new IllegalArgumentException("ResNet needs one width per stage: blocks " + Arrays.toString(blocksPerStage)
                    + ", widths " + Arrays.toString(widths));
        }
        for (int i = 0; i < widths.length; i++) {
            if (blocksPerStage[i] < 1 || widths[i] < 1) {
                throw new IllegalArgumentException("stage " + i + " needs >= 1 block and width >= 1, got " + blocksPerStage[i]
                        + " blocks of width " + widths[i]);
            }
        }
        if (!(widthMultiplier > 0f)) {
            throw new IllegalArgumentException("widthMultiplier must be > 0, got " + widthMultiplier);
        }
        blocksPerStage = blocksPerStage.clone();
        widths = widths.clone();
    }

    /** CIFAR ResNet of depth 6n+2 (20, 32, 56, ...): three stages of 16, 32, 64 channels. */
    public static ResNetConfig cifar(int depth, int inChannels, int classes) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("CIFAR ResNet depth must be 6n+2 (20, 32, 56, ...), got " + depth);
        }
        int n = (depth - 2) / 6;
        return new ResNetConfig(inChannels, classes, new int[] {n, n, n}, new int[] {16, 32, 64}, Stem.CIFAR, 1f);
    }

    public static ResNetConfig resnet20(int inChannels, int classes) {
        return cifar(20, inChannels, classes);
    }

    /** ResNet-18: stages of 2 blocks, 64..512 channels. */
    public static ResNetConfig resnet18(int inChannels, int classes, Stem stem) {
        return new ResNetConfig(inChannels, classes, new int[] {2, 2, 2, 2}, new int[] {64, 128, 256, 512}, stem, 1f);
    }

    /** ResNet-34: stages of 3, 4, 6, 3 blocks. */
    public static ResNetConfig resnet34(int inChannels, int classes, Stem stem) {
        return new ResNetConfig(inChannels, classes, new int[] {3, 4, 6, 3}, new int[] {64, 128, 256, 512}, stem, 1f);
    }

    /** The same config with another width multiplier. */
    public ResNetConfig withWidthMultiplier(float m) {
        return new ResNetConfig(inChannels, classes, blocksPerStage, widths, stem, m);
    }

    /** The stage's width after the multiplier. */
    public int width(int stage) {
        return Math.max(1, Math.round(widths[stage] * widthMultiplier));
    }

    @Override
    public int[] blocksPerStage() {
        return blocksPerStage.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResNetConfig c && c.inChannels == inChannels && c.classes == classes
                && Arrays.equals(c.blocksPerStage, blocksPerStage) && Arrays.equals(c.widths, widths) && c.stem == stem
                && Float.compare(c.widthMultiplier, widthMultiplier) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blocksPerStage) * 31 + Arrays.hashCode(widths) + stem.hashCode() + inChannels * 7 + classes;
    }

    @Override
    public String toString() {
        return "ResNetConfig[inChannels=" + inChannels + ", classes=" + classes + ", blocks=" + Arrays.toString(blocksPerStage)
                + ", widths=" + Arrays.toString(widths) + ", stem=" + stem + ", widthMultiplier=" + widthMultiplier + "]";
    }
}
