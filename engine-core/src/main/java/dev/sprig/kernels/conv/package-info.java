/**
 * 2-D convolution kernels over raw NCHW {@code float[]} arrays: {@link dev.sprig.kernels.conv.Conv2d}
 * (im2col + SGEMM, pointwise and depthwise special cases), its scalar twin
 * {@link dev.sprig.kernels.conv.Conv2dReference}, the shape record
 * {@link dev.sprig.kernels.conv.Conv2dShape}, and the inference epilogue
 * {@link dev.sprig.kernels.conv.ConvEpilogue} (per-channel affine, residual add, ReLU applied as
 * the output is written).
 */
package dev.sprig.kernels.conv;
