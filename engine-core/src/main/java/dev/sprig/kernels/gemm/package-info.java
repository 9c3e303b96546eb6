/**
 * Single-precision matrix multiply (SGEMM), row-major, all four transpose combinations.
 *
 * <p>{@link dev.sprig.kernels.gemm.Sgemm} is the entry point: argument checks, the k == 0 case,
 * and the split of C over threads (by columns or rows, never by K, so results are bit-identical
 * for any thread count). {@code BlockedGemm} runs the GotoBLAS/BLIS loop nest on one thread,
 * {@code Packing} copies blocks of op(A) and op(B) into the layouts the register-blocked
 * {@code MicroKernel} streams, absorbing the transposes. {@link dev.sprig.kernels.gemm.SgemmReference}
 * is the scalar twin every fast path is tested against.
 */
package dev.sprig.kernels.gemm;
