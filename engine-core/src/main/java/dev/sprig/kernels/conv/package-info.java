/**
 * 2-D convolution kernels over raw NCHW {@code float[]} arrays: {@link dev.sprig.kernels.conv.Conv2d}
 * (im2col + SGEMM, pointwise and depthwise special cases), its scalar twin
 * {@link dev.sprig.kernels.conv.Conv2dReference}, and the shape record
 * {@link dev.sprig.kernels.conv.Conv2dShape}.
 */
package dev.sprig.kernels.conv;
