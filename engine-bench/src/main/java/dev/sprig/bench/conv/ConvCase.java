package dev.sprig.bench.conv;

import dev.sprig.kernels.conv.Conv2dShape;

/**
 * The convolution shapes both {@code ConvBenchmark} and {@code Nd4jConvBenchmark} measure:
 * ResNet-style 3x3 layers (stride 1, pad 1, inC == outC) at batch 32, one stride-2
 * down-sampling layer, a wide layer at batch 1, and the narrow layers of a pruned ResNet-20.
 */
public enum ConvCase {
    /** 32 x 16ch 32x32, 3x3 s1 p1: 0.30 GFLOP forward. */
    B32_C16_32X32(Conv2dShape.of(32, 16, 32, 32, 16, 3, 1, 1)),
    /** 32 x 32ch 16x16, 3x3 s1 p1: 0.30 GFLOP forward. */
    B32_C32_16X16(Conv2dShape.of(32, 32, 16, 16, 32, 3, 1, 1)),
    /** 32 x 64ch 8x8, 3x3 s1 p1: 0.30 GFLOP forward. */
    B32_C64_8X8(Conv2dShape.of(32, 64, 8, 8, 64, 3, 1, 1)),
    /** 32 x 16ch 32x32 to 32ch 16x16, 3x3 s2 p1: 0.15 GFLOP forward. */
    B32_C16TO32_S2(Conv2dShape.of(32, 16, 32, 32, 32, 3, 2, 1)),
    /** 1 x 64ch 56x56, 3x3 s1 p1: 0.23 GFLOP forward. */
    B1_C64_56X56(Conv2dShape.of(1, 64, 56, 56, 64, 3, 1, 1)),
    /** 64 x 4ch 32x32, 3x3 s1 p1 (ResNet-20's first stage pruned to keep 0.25): 0.019 GFLOP forward. */
    B64_C4_32X32(Conv2dShape.of(64, 4, 32, 32, 4, 3, 1, 1)),
    /** 64 x 8ch 16x16, 3x3 s1 p1 (its second stage): 0.019 GFLOP forward. */
    B64_C8_16X16(Conv2dShape.of(64, 8, 16, 16, 8, 3, 1, 1)),
    /** 64 x 16ch 8x8, 3x3 s1 p1 (its third stage): 0.019 GFLOP forward. */
    B64_C16_8X8(Conv2dShape.of(64, 16, 8, 8, 16, 3, 1, 1)),
    /** 1 x 8ch 16x16, 3x3 s1 p1 (the second stage at batch 1). */
    B1_C8_16X16(Conv2dShape.of(1, 8, 16, 16, 8, 3, 1, 1));

    private final Conv2dShape shape;

    ConvCase(Conv2dShape shape) {
        this.shape = shape;
    }

    public Conv2dShape shape() {
        return shape;
    }

    /** Random values in [-1, 1) from a fixed seed. */
    public static float[] random(int size, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = r.nextFloat() * 2f - 1f;
        }
        return a;
    }
}
