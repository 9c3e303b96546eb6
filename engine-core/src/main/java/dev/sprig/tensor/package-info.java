/**
 * Float32 N-d tensors and reverse-mode autograd.
 *
 * <p>{@link dev.sprig.tensor.Tensor} holds a shape, strides and an offset over a shared
 * {@code float[]}; views share storage. Ops record a {@link dev.sprig.tensor.Node} per result when
 * {@link dev.sprig.tensor.GradMode} is on and an input requires a gradient; {@code backward()}
 * walks the graph in an iteratively computed topological order, accumulates into leaf gradients
 * and releases the graph. {@link dev.sprig.tensor.GradCheck} checks any differentiable function
 * against central finite differences.
 */
package dev.sprig.tensor;
