package dev.sprig.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Process-wide kernel switches, read once at class initialisation so the JIT folds them.
 *
 * <ul>
 *   <li>{@code -Dsprig.kernels.scalar=true} forces every kernel onto its scalar reference twin
 *       (for debugging and for checking that a result does not depend on SIMD).</li>
 *   <li>{@code -Dsprig.conv.im2col=true} sends every convolution forward through im2col + GEMM,
 *       never the direct stride-1 kernel (to measure one against the other).</li>
 *   <li>{@code -Dsprig.infer.fuse=false} keeps forwards that record no gradient on their unfused
 *       path: the ResNet's stem and BasicBlocks (eval mode) run conv, BatchNorm, residual add and
 *       ReLU as separate ops instead of one convolution with an epilogue per conv
 *       ({@code Functional.conv2dFused}); the ViT's blocks (eval mode) add biases, GELU and
 *       residuals as separate passes instead of in their linear layers' epilogues
 *       ({@code Functional.linearFused}); and attention runs as per-head matmuls and a softmax
 *       instead of the fused kernel ({@code Functional.multiHeadAttention}). To measure the
 *       fusions, or to rule them out when a result looks wrong. Default {@code true}; a value
 *       other than true or false (any case) is an error.</li>
 * </ul>
 *
 * <p>Every kernel class exposes both paths as public methods ({@code ...Vector} and
 * {@code ...Scalar}) so tests can hold them together in one JVM; the dispatching entry point
 * consults {@link #SCALAR}.
 */
public final class KernelConfig {
    /** True when {@code -Dsprig.kernels.scalar=true}: every dispatching kernel takes its scalar path. */
    public static final boolean SCALAR = Boolean.getBoolean("sprig.kernels.scalar");

    /** True when {@code -Dsprig.conv.im2col=true}: convolutions never take the direct stride-1 path. */
    public static final boolean CONV_IM2COL_ONLY = Boolean.getBoolean("sprig.conv.im2col");

    /** False when {@code -Dsprig.infer.fuse=false}: no-grad forwards never take the fused conv, linear or attention paths. */
    public static final boolean INFER_FUSE = flag("sprig.infer.fuse", true);

    /** The float species used by every Vector API kernel: the widest the CPU supports. */
    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    /** Float vectors of half {@link #FLOATS}' bits, at least 64: a row's or a tile's half vector. */
    public static final VectorSpecies<Float> HALF_FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, FLOATS.vectorBitSize() / 2)));

    private KernelConfig() {}

    /** A boolean system property: absent is {@code otherwise}, else "true" or "false" in any case. */
    static boolean flag(String property, boolean otherwise) {
        String v = System.getProperty(property);
        if (v == null) {
            return otherwise;
        }
        if (v.trim().equalsIgnoreCase("true")) {
            return true;
        }
        if (v.trim().equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("-D" + property + "=" + v + ": expected true or false");
    }
}
