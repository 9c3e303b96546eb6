/**
 * Differentiable neural-network operations ({@link dev.sprig.ops.Functional}): linear, conv2d,
 * pooling, batch and layer norm, softmax, cross-entropy, dropout, concat, index-select. Each op
 * runs its forward on the kernels of {@code dev.sprig.kernels} and records a backward that
 * states its math.
 */
package dev.sprig.ops;
