/**
 * Fused multi-head attention: {@code softmax(q·kᵀ·scale)·v} per batch item and head in one pass,
 * reading q, k and v where the projections wrote them and writing the heads side by side.
 * {@link dev.sprig.kernels.attention.Attention} is the Vector API kernel,
 * {@link dev.sprig.kernels.attention.AttentionReference} its scalar twin.
 */
package dev.sprig.kernels.attention;
