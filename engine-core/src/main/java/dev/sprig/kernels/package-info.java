/**
 * Kernels over raw {@code float[]} arrays, and what they share: {@link dev.sprig.kernels.KernelConfig}
 * (the SIMD species and the {@code -Dsprig.kernels.scalar=true} switch that sends every kernel to its
 * scalar twin) and {@link dev.sprig.kernels.Parallel} (the worker threads, with static, deterministic
 * work splits). Subpackages: {@code gemm}, {@code conv}, {@code pool}, {@code vec}.
 */
package dev.sprig.kernels;
