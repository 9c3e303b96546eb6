/**
 * Modules as PyTorch has them: {@link dev.sprig.nn.Module} with parameter, buffer and child
 * registries, dotted paths and state dicts, and the layers (Linear, Conv2d, BatchNorm2d,
 * LayerNorm, pooling, dropout, Sequential, multi-head self-attention).
 */
package dev.sprig.nn;
