/**
 * Vector API kernels on {@code float[]} ranges: elementwise arithmetic ({@link dev.sprig.kernels.vec.Elementwise}),
 * unary math ({@link dev.sprig.kernels.vec.Unary}), activations and their backwards
 * ({@link dev.sprig.kernels.vec.Activations}), reductions ({@link dev.sprig.kernels.vec.Reductions}) and
 * per-row kernels such as softmax and layer norm ({@link dev.sprig.kernels.vec.RowKernels}).
 *
 * <p>Transcendentals (exp, log, tanh) come from {@link dev.sprig.kernels.vec.VecMath}, polynomial
 * implementations built from exact lanewise operations, and vector lanes are summed in a fixed
 * order: the Vector API's own EXP/LOG/TANH operators and {@code reduceLanes(ADD)} give results that
 * depend on whether C2 has compiled the caller yet, which would break both the vector-vs-scalar
 * bit-identity and the thread-count independence below.
 *
 * <p>Conventions shared by every class here:
 * <ul>
 *   <li>Every operand is a range {@code (array, offset)} of a length given once ({@code n}, or
 *       {@code rows * cols} for row kernels, row-major with row stride {@code cols}).</li>
 *   <li>A destination may alias a source exactly (same array, same offset) for in-place use; partial
 *       overlap is not supported.</li>
 *   <li>Each operation {@code op} has three public forms: {@code opVector} (Vector API, single
 *       thread), {@code opScalar} (plain loops, the reference twin) and the dispatching {@code op},
 *       which honours {@link dev.sprig.kernels.KernelConfig#SCALAR} and, for elementwise and row
 *       kernels over at least 2<sup>16</sup> elements, splits
 *       the work over {@link dev.sprig.kernels.Parallel}. Splits never change results: elementwise
 *       chunks start at multiples of 4096 (so every element
 *       takes the same vector-or-tail path as single-threaded), row kernels split over whole rows,
 *       and full reductions stay single-threaded.</li>
 *   <li>Bad ranges (negative length or offset, range past the array end, null array) throw
 *       {@link java.lang.IllegalArgumentException} naming the kernel, the operand and the values.</li>
 * </ul>
 */
package dev.sprig.kernels.vec;
