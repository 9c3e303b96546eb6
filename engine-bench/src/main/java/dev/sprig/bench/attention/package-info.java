/**
 * The fused inference attention kernel on its own ({@code AttentionBenchmark}): the ViT's shapes
 * (65 tokens, head dim 32, batch 64) with the dense and the head-pruned number of heads.
 */
package dev.sprig.bench.attention;
