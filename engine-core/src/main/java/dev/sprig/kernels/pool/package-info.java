/**
 * Pooling kernels over raw NCHW {@code float[]} arrays: {@link dev.sprig.kernels.pool.MaxPool2d}
 * (with argmax for the backward pass), {@link dev.sprig.kernels.pool.AvgPool2d},
 * {@link dev.sprig.kernels.pool.GlobalAvgPool2d}, their scalar twins in
 * {@link dev.sprig.kernels.pool.Pool2dReference}, and the shape record
 * {@link dev.sprig.kernels.pool.Pool2dShape}.
 */
package dev.sprig.kernels.pool;
