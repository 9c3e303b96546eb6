package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.gemm.Sgemm;

import java.util.Arrays;

/**
 * 2-D convolution over NCHW {@code float[]} arrays: forward, and the gradients with respect to
 * input, weight and bias. Shapes are described by {@link Conv2dShape}; every array has an offset
 * where its data starts. {@link Conv2dReference} is the scalar twin, taken when
 * {@link KernelConfig#SCALAR} is set.
 *
 * <h2>Design (why im2col + GEMM, and when not)</h2>
 * <ul>
 *   <li><b>Dense and grouped convolutions: im2col + {@link Sgemm}.</b> Per image and group the
 *       input is lowered to {@code col [K = cpg*kh*kw, P = outH*outW]} and {@code Y_g = W_g · col}
 *       is one GEMM of {@code M = outC/groups}, {@code N = P}, {@code K}. All the arithmetic then
 *       runs in the one kernel that is tuned to the FMA roof (register-blocked, packed); the
 *       lowering is pure data movement costing O(K*P) against the GEMM's O(M*K*P), so its share
 *       shrinks as M (output channels) grows. Measured (single thread, noisy shared 2-core VM,
 *       thread CPU time, relative to one forward GEMM at 90 GFLOP/s):
 *       <ul>
 *         <li>64ch 56x56 batch 1: im2col 11-20 %, col2im 12-24 %;</li>
 *         <li>batch 32, 16-64ch, 32x32-8x8 (stride 1): im2col and col2im each 40-65 %, after
 *             making each row of a "same"-padded stride-1 lowering one bulk copy / vector add
 *             ({@link Im2col#isBulk}), which cut them 2-3x from per-output-row copies;</li>
 *         <li>stride 2 (16->32ch 32x32): 100-150 % even with the Vector API even-lane
 *             gather, because rows are short (16) and the column matrix is 9x the input.</li>
 *       </ul>
 *       So at small channel counts the lowering is a real tax (the reason oneDNN's direct
 *       kernels lead there).</li>
 *   <li><b>Forward, kernel bigger than 1x1: no lowering ({@link DirectConv2d}).</b> The forward
 *       runs as an implicit GEMM ({@link dev.sprig.kernels.gemm.IndirectGemm}) over the zero-padded
 *       input (split into phase planes when strided), whose shifted rows are the column matrix.
 *       Measured on ResNet-20's 3x3 layers, one thread, AVX-512: 1.4-2.2x faster than im2col +
 *       GEMM on the dense layers, 1.5x on the stride-2 one and 2-4x on the narrow layers of a
 *       pruned one (4-16 channels, 118/119/85 GFLOP/s against 34/46/50; docs/BENCHMARKS.md,
 *       "Direct (implicit-GEMM) forward"); bit-identical to the
 *       im2col path. The backward passes and 1x1 layers keep im2col + GEMM.</li>
 *   <li><b>1x1, stride 1, no padding:</b> the input plane {@code [cpg, h*w]} already is the column
 *       matrix, so no lowering at all (forward and backwardInput read/write x directly).</li>
 *   <li><b>Depthwise</b> ({@code groups == inC == outC}): im2col + GEMM would be a GEMM with
 *       M = 1 per channel, all overhead; {@link DepthwiseConv2d} does it directly as kh*kw
 *       vectorised shifted-row updates per plane (memory-bound, which depthwise is anyway).</li>
 *   <li><b>backwardInput:</b> {@code dCol = W_gᵀ · dY_g} (GEMM with transposed A), then col2im
 *       folds the column gradient back onto the input planes.</li>
 *   <li><b>backwardWeight:</b> {@code dW_g = Σ_n dY_{n,g} · col(X_{n,g})ᵀ}. Images are taken in
 *       chunks (chunk size depends only on the shape, never on the thread count) whose columns are
 *       laid side by side, so each chunk is ONE GEMM with a long reduction {@code k = chunk*P}
 *       instead of n small ones; chunks accumulate into dW with {@code beta = 1} in batch order.</li>
 * </ul>
 *
 * <h2>Threads and determinism</h2>
 * Forward and backwardInput: when {@code n >= threads} whole images go to the workers, each with
 * its own (thread-local, reused) column buffer and a single-threaded GEMM; otherwise images run
 * one after another and the GEMM and the lowering use all threads. backwardWeight: the lowering
 * is split over (image, row) pairs (pure copies) and the GEMM uses all threads. Each output
 * element is therefore computed by the same sequence of operations for every thread count (given
 * that {@link Sgemm} itself never splits its reduction over threads), so results are bit-identical
 * across {@link Parallel#setThreads(int)} values.
 */
public final class Conv2d {
    /** Column-buffer budget (floats) for one backwardWeight chunk of images: 8 MiB. */
    static final int WEIGHT_CHUNK_FLOATS = 1 << 21;

    private Conv2d() {}

    /** {@link #forward(Conv2dShape, float[], int, float[], int, float[], int, float[], int)} with all offsets 0. */
    public static void forward(Conv2dShape s, float[] x, float[] w, float[] bias, float[] y) {
        forward(s, x, 0, w, 0, bias, 0, y, 0);
    }

    /**
     * {@code Y = conv(X, W) + b}: {@code y[n, oc, oh, ow] = bias[oc] + Σ w[oc, ic, i, j] * x[n, g*cpg+ic, oh*sh-ph+i*dh, ow*sw-pw+j*dw]}.
     *
     * @param x    input {@code [n, inChannels, h, w]} at {@code xOff}
     * @param w    weight {@code [outChannels, inChannels/groups, kh, kw]} at {@code wOff}
     * @param bias {@code [outChannels]} at {@code bOff}, or null
     * @param y    output {@code [n, outChannels, outH, outW]} at {@code yOff}, overwritten
     */
    public static void forward(Conv2dShape s, float[] x, int xOff, float[] w, int wOff,
                               float[] bias, int bOff, float[] y, int yOff) {
        if (KernelConfig.SCALAR) {
            Conv2dReference.forward(s, x, xOff, w, wOff, bias, bOff, y, yOff);
            return;
        }
        ConvChecks.input("conv2d", s, "x", x, xOff);
        ConvChecks.weight("conv2d", s, "weight", w, wOff);
        if (bias != null) {
            ConvChecks.bias("conv2d", s, "bias", bias, bOff);
        }
        ConvChecks.output("conv2d", s, "y", y, yOff);
        if (s.isDepthwise()) {
            DepthwiseConv2d.forward(s, x, xOff, w, wOff, bias, bOff, y, yOff);
            return;
        }
        forwardImages(s, x, xOff, w, wOff, bias, bOff, null, y, yOff);
    }

    /** {@link #forwardFused(Conv2dShape, float[], int, float[], int, ConvEpilogue, float[], int)} with all offsets 0. */
    public static void forwardFused(Conv2dShape s, float[] x, float[] w, ConvEpilogue epilogue, float[] y) {
        forwardFused(s, x, 0, w, 0, epilogue, y, 0);
    }

    /**
     * The inference forward with an epilogue: {@code y = relu?(conv(X, W)·scale + shift + residual)}
     * ({@link ConvEpilogue}; a conv bias goes into its shift), written once. The direct and the
     * im2col / 1x1 paths apply the epilogue where they write the output: the direct path while it
     * copies its padded-width rows into y, the GEMM paths on each image's output planes right after
     * the GEMM wrote them (still in cache). Depthwise convolutions and the scalar reference apply it
     * as a separate pass over y. The convolution sums are those of {@link #forward}, so the result is
     * bit-identical to {@link #forward} without bias followed by {@link ConvEpilogue#applyScalar} on
     * each plane, for every thread count.
     *
     * @param x        input {@code [n, inChannels, h, w]} at {@code xOff}
     * @param w        weight {@code [outChannels, inChannels/groups, kh, kw]} at {@code wOff}
     * @param epilogue what to apply to each output element; not null
     * @param y        output {@code [n, outChannels, outH, outW]} at {@code yOff}, overwritten
     */
    public static void forwardFused(Conv2dShape s, float[] x, int xOff, float[] w, int wOff,
                                    ConvEpilogue epilogue, float[] y, int yOff) {
        if (epilogue == null) {
            throw new IllegalArgumentException("conv2d fused: epilogue must not be null (use forward for a plain conv)");
        }
        ConvChecks.input("conv2d fused", s, "x", x, xOff);
        ConvChecks.weight("conv2d fused", s, "weight", w, wOff);
        ConvChecks.output("conv2d fused", s, "y", y, yOff);
        epilogue.check("conv2d fused", s, y);
        if (KernelConfig.SCALAR) {
            Conv2dReference.forward(s, x, xOff, w, wOff, null, 0, y, yOff);
            epilogue.applyPlanes(s, y, yOff, true);
            return;
        }
        if (s.isDepthwise()) {
            // Memory-bound shifted-row updates: the epilogue is one more pass over y.
            DepthwiseConv2d.forward(s, x, xOff, w, wOff, null, 0, y, yOff);
            epilogue.applyPlanes(s, y, yOff, false);
            return;
        }
        forwardImages(s, x, xOff, w, wOff, null, 0, epilogue.filled(s.outChannels()), y, yOff);
    }

    /**
     * Two inference convolutions in a row, the second reading the first's output:
     * {@code y = e2(conv(e1(conv(x, w1)), w2))}, as a ResNet BasicBlock's two 3x3 convolutions with
     * their BatchNorms, ReLU and residual add. When both are dense stride-1 direct convolutions and
     * the first is a "same" one padded as the second ({@link DirectConv2d#pairs}), each image goes
     * through both before the next: the first's output goes through its epilogue straight into the
     * second's zero-padded input planes, in per-thread buffers, instead of being written into a
     * tensor, zeroed on allocation and copied into the padded buffer again. Otherwise it is
     * {@link #forwardFused} twice through a temporary. Either way the result is bit-identical to
     * {@code forwardFused(s1, x, w1, e1, h)} then {@code forwardFused(s2, h, w2, e2, y)}, for every
     * thread count.
     *
     * @param x  input {@code [n, inChannels, h, w]} of s1
     * @param w1 weight of s1
     * @param e1 epilogue of s1; not null, without a residual
     * @param s2 a shape whose input is s1's output {@code [n, s1.outChannels, s1.outH, s1.outW]}
     * @param w2 weight of s2
     * @param e2 epilogue of s2 (its residual, if any, has y's shape); not null
     * @param y  output {@code [n, s2.outChannels, s2.outH, s2.outW]}, overwritten
     */
    public static void forwardPair(Conv2dShape s1, float[] x, float[] w1, ConvEpilogue e1,
                                   Conv2dShape s2, float[] w2, ConvEpilogue e2, float[] y) {
        String op = "conv2d pair";
        if (e1 == null || e2 == null) {
            throw new IllegalArgumentException(op + ": both epilogues must be non-null, got e1=" + e1 + ", e2=" + e2);
        }
        if (e1.residual() != null) {
            throw new IllegalArgumentException(op + ": the first convolution's epilogue must not add a residual");
        }
        if (s2.n() != s1.n() || s2.inChannels() != s1.outChannels() || s2.h() != s1.outH() || s2.w() != s1.outW()) {
            throw new IllegalArgumentException(op + ": the second convolution must read the first's output [" + s1.n() + ", "
                    + s1.outChannels() + ", " + s1.outH() + ", " + s1.outW() + "], got input [" + s2.n() + ", " + s2.inChannels()
                    + ", " + s2.h() + ", " + s2.w() + "]");
        }
        ConvChecks.input(op, s1, "x", x, 0);
        ConvChecks.weight(op, s1, "w1", w1, 0);
        ConvChecks.weight(op, s2, "w2", w2, 0);
        ConvChecks.output(op, s2, "y", y, 0);
        e1.check(op, s1, null);
        e2.check(op, s2, y);
        if (KernelConfig.SCALAR || !DirectConv2d.pairs(s1, s2)) {
            float[] h = new float[s1.outputSize()]; // [n, s1.outChannels, s1.outH, s1.outW]
            forwardFused(s1, x, 0, w1, 0, e1, h, 0);
            forwardFused(s2, h, 0, w2, 0, e2, y, 0);
            return;
        }
        ConvEpilogue f1 = e1.filled(s1.outChannels()), f2 = e2.filled(s2.outChannels());
        DirectConv2d.Plan p1 = DirectConv2d.plan(s1, w1, 0, true); // into the padded planes
        DirectConv2d.Plan p2 = DirectConv2d.plan(s2, w2, 0, true);
        float[] interior = ConvEpilogue.interior(s1.w(), s1.w() + 2 * s1.padW());
        int t = Parallel.threads();
        if (t > 1 && s1.n() >= t) {
            Parallel.forRange(s1.n(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    DirectConv2d.forwardPairImage(s1, p1, f1, s2, p2, f2, interior, i, x, 0, y, 0, 1);
                }
            });
        } else {
            for (int i = 0; i < s1.n(); i++) {
                DirectConv2d.forwardPairImage(s1, p1, f1, s2, p2, f2, interior, i, x, 0, y, 0, t);
            }
        }
    }

    /**
     * The non-depthwise forward over the batch, images split over the threads when there are
     * enough of them. Either {@code bias} (plain) or {@code epilogue} (fused), not both.
     */
    private static void forwardImages(Conv2dShape s, float[] x, int xOff, float[] w, int wOff,
                                      float[] bias, int bOff, ConvEpilogue epilogue, float[] y, int yOff) {
        DirectConv2d.Plan direct = DirectConv2d.applies(s) ? DirectConv2d.plan(s, w, wOff, epilogue != null) : null;
        int t = Parallel.threads();
        if (t > 1 && s.n() >= t) {
            Parallel.forRange(s.n(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    forwardImage(s, direct, i, x, xOff, w, wOff, bias, bOff, epilogue, y, yOff, 1);
                }
            });
        } else {
            for (int i = 0; i < s.n(); i++) {
                forwardImage(s, direct, i, x, xOff, w, wOff, bias, bOff, epilogue, y, yOff, t);
            }
        }
    }

    /** Image {@code i}: the direct stride-1 kernel when it has a {@code direct} plan, else im2col + GEMM. */
    private static void forwardImage(Conv2dShape s, DirectConv2d.Plan direct, int i, float[] x, int xOff, float[] w, int wOff,
                                     float[] bias, int bOff, ConvEpilogue epilogue, float[] y, int yOff, int threads) {
        if (direct != null) {
            DirectConv2d.forwardImage(s, direct, i, x, xOff, bias, bOff, epilogue, y, yOff, threads);
        } else {
            im2colForwardImage(s, i, x, xOff, w, wOff, bias, bOff, epilogue, y, yOff, threads);
        }
    }

    /** The im2col + GEMM forward of image {@code i} (package-private: tests hold it and the direct path together). */
    static void im2colForwardImage(Conv2dShape s, int i, float[] x, int xOff, float[] w, int wOff,
                                   float[] bias, int bOff, float[] y, int yOff, int threads) {
        im2colForwardImage(s, i, x, xOff, w, wOff, bias, bOff, null, y, yOff, threads);
    }

    /** As above, with the bias added or, when {@code epilogue} is not null, the epilogue applied to each output plane. */
    static void im2colForwardImage(Conv2dShape s, int i, float[] x, int xOff, float[] w, int wOff,
                                   float[] bias, int bOff, ConvEpilogue epilogue, float[] y, int yOff, int threads) {
        int p = s.outH() * s.outW();
        int k = s.patchSize();
        int cpg = s.inPerGroup(), opg = s.outPerGroup();
        int xImg = xOff + i * s.inChannels() * s.h() * s.w();
        int yImg = yOff + i * s.outChannels() * p;
        boolean pointwise = s.isPointwise();
        float[] col = pointwise ? null : Scratch.get(Scratch.COL, k * p); // [K, P]
        for (int g = 0; g < s.groups(); g++) {
            int xg = xImg + g * cpg * s.h() * s.w(); // [cpg, h, w]
            float[] b = x;
            int bo = xg;
            if (!pointwise) {
                lower(s, x, xg, col, threads);
                b = col;
                bo = 0;
            }
            // Y_g [opg, P] = W_g [opg, K] · col [K, P]
            Sgemm.sgemm(false, false, opg, p, k, 1f, w, wOff + g * opg * k, k, b, bo, p,
                    0f, y, yImg + g * opg * p, p, threads);
        }
        if (epilogue != null) {
            int rImg = epilogue.residualOff() + (yImg - yOff); // the residual has y's layout
            for (int oc = 0; oc < s.outChannels(); oc++) {
                ConvEpilogue.rows(y, yImg + oc * p, p, epilogue.scaleAt(oc), epilogue.shiftAt(oc), epilogue.residual(),
                        rImg + oc * p, epilogue.relu(), y, yImg + oc * p, 1, p);
            }
        } else if (bias != null) {
            for (int oc = 0; oc < s.outChannels(); oc++) {
                Vec.addScalar(bias[bOff + oc], y, yImg + oc * p, p);
            }
        }
    }

    /** im2col of one image's group into {@code col [K, P]}, rows split over {@code threads}. */
    private static void lower(Conv2dShape s, float[] x, int xg, float[] col, int threads) {
        int k = s.patchSize();
        int p = s.outH() * s.outW();
        if (threads > 1) {
            Parallel.forRange(k, threads, (r0, r1) -> Im2col.im2col(s, x, xg, col, 0, p, r0, r1));
        } else {
            Im2col.im2col(s, x, xg, col, 0, p, 0, k);
        }
    }

    /** {@link #backwardInput(Conv2dShape, float[], int, float[], int, float[], int)} with all offsets 0. */
    public static void backwardInput(Conv2dShape s, float[] dy, float[] w, float[] dx) {
        backwardInput(s, dy, 0, w, 0, dx, 0);
    }

    /**
     * Gradient with respect to the input: {@code dX = col2im(Wᵀ · dY)} per image and group.
     *
     * @param dy output gradient {@code [n, outChannels, outH, outW]} at {@code dyOff}
     * @param w  weight {@code [outChannels, inChannels/groups, kh, kw]} at {@code wOff}
     * @param dx input gradient {@code [n, inChannels, h, w]} at {@code dxOff}, overwritten
     */
    public static void backwardInput(Conv2dShape s, float[] dy, int dyOff, float[] w, int wOff,
                                     float[] dx, int dxOff) {
        if (KernelConfig.SCALAR) {
            Conv2dReference.backwardInput(s, dy, dyOff, w, wOff, dx, dxOff);
            return;
        }
        ConvChecks.output("conv2d backwardInput", s, "dy", dy, dyOff);
        ConvChecks.weight("conv2d backwardInput", s, "weight", w, wOff);
        ConvChecks.input("conv2d backwardInput", s, "dx", dx, dxOff);
        if (s.isDepthwise()) {
            DepthwiseConv2d.backwardInput(s, dy, dyOff, w, wOff, dx, dxOff);
            return;
        }
        int t = Parallel.threads();
        if (t > 1 && s.n() >= t) {
            Parallel.forRange(s.n(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    backwardInputImage(s, i, dy, dyOff, w, wOff, dx, dxOff, 1);
                }
            });
        } else {
            for (int i = 0; i < s.n(); i++) {
                backwardInputImage(s, i, dy, dyOff, w, wOff, dx, dxOff, t);
            }
        }
    }

    private static void backwardInputImage(Conv2dShape s, int i, float[] dy, int dyOff, float[] w, int wOff,
                                           float[] dx, int dxOff, int threads) {
        int p = s.outH() * s.outW();
        int k = s.patchSize();
        int cpg = s.inPerGroup(), opg = s.outPerGroup();
        int plane = s.h() * s.w();
        for (int g = 0; g < s.groups(); g++) {
            int dyg = dyOff + (i * s.outChannels() + g * opg) * p; // [opg, P]
            int wg = wOff + g * opg * k;                            // [opg, K]
            int dxg = dxOff + (i * s.inChannels() + g * cpg) * plane; // [cpg, h, w]
            if (s.isPointwise()) {
                // dX_g [cpg, P] = W_gᵀ [cpg, opg] · dY_g [opg, P]
                Sgemm.sgemm(true, false, cpg, p, opg, 1f, w, wg, k, dy, dyg, p, 0f, dx, dxg, p, threads);
                continue;
            }
            float[] dcol = Scratch.get(Scratch.COL, k * p); // [K, P]
            // dCol [K, P] = W_gᵀ [K, opg] · dY_g [opg, P]
            Sgemm.sgemm(true, false, k, p, opg, 1f, w, wg, k, dy, dyg, p, 0f, dcol, 0, p, threads);
            if (threads > 1) {
                Parallel.forRange(cpg, threads, (c0, c1) -> Im2col.col2im(s, dcol, 0, p, dx, dxg, c0, c1));
            } else {
                Im2col.col2im(s, dcol, 0, p, dx, dxg, 0, cpg);
            }
        }
    }

    /** {@link #backwardWeight(Conv2dShape, float[], int, float[], int, float[], int)} with all offsets 0. */
    public static void backwardWeight(Conv2dShape s, float[] x, float[] dy, float[] dw) {
        backwardWeight(s, x, 0, dy, 0, dw, 0);
    }

    /**
     * Gradient with respect to the weight: {@code dW_g = Σ_n dY_{n,g} · col(X_{n,g})ᵀ}.
     *
     * @param x  input {@code [n, inChannels, h, w]} at {@code xOff}
     * @param dy output gradient {@code [n, outChannels, outH, outW]} at {@code dyOff}
     * @param dw weight gradient {@code [outChannels, inChannels/groups, kh, kw]} at {@code dwOff}, overwritten
     */
    public static void backwardWeight(Conv2dShape s, float[] x, int xOff, float[] dy, int dyOff,
                                      float[] dw, int dwOff) {
        if (KernelConfig.SCALAR) {
            Conv2dReference.backwardWeight(s, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        ConvChecks.input("conv2d backwardWeight", s, "x", x, xOff);
        ConvChecks.output("conv2d backwardWeight", s, "dy", dy, dyOff);
        ConvChecks.weight("conv2d backwardWeight", s, "dw", dw, dwOff);
        if (s.isDepthwise()) {
            DepthwiseConv2d.backwardWeight(s, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        if (s.n() == 0) {
            Arrays.fill(dw, dwOff, dwOff + s.weightSize(), 0f);
            return;
        }
        // Chunk size depends on the shape only, so the order of the batch reduction never depends on threads.
        long perImage = (long) s.patchSize() * s.outH() * s.outW();
        int chunk = (int) Math.max(1, Math.min(s.n(), WEIGHT_CHUNK_FLOATS / perImage));
        backwardWeightGemm(s, x, xOff, dy, dyOff, dw, dwOff, chunk);
    }

    /**
     * The im2col + GEMM backwardWeight over chunks of {@code chunk} images (package-private so
     * tests can force several chunks on small shapes). Array lengths are already validated.
     */
    static void backwardWeightGemm(Conv2dShape s, float[] x, int xOff, float[] dy, int dyOff,
                                   float[] dw, int dwOff, int chunk) {
        int t = Parallel.threads();
        int p = s.outH() * s.outW();
        int k = s.patchSize();
        int cpg = s.inPerGroup(), opg = s.outPerGroup();
        int plane = s.h() * s.w();
        for (int g = 0; g < s.groups(); g++) {
            int dwg = dwOff + g * opg * k; // [opg, K]
            for (int i0 = 0; i0 < s.n(); i0 += chunk) {
                int cnt = Math.min(chunk, s.n() - i0);
                int ld = cnt * p;
                float[] b;   // col [K, cnt*P]: the chunk's images side by side
                int bo;
                if (cnt == 1 && s.isPointwise()) {
                    b = x;
                    bo = xOff + (i0 * s.inChannels() + g * cpg) * plane;
                } else {
                    float[] col = Scratch.get(Scratch.COL, k * ld);
                    int first = i0;
                    int gg = g;
                    Parallel.forRange(cnt * k, t, (q0, q1) -> {
                        for (int q = q0; q < q1; q++) {
                            int img = q / k;
                            int r = q % k;
                            int xg = xOff + ((first + img) * s.inChannels() + gg * cpg) * plane;
                            Im2col.im2col(s, x, xg, col, img * p, ld, r, r + 1);
                        }
                    });
                    b = col;
                    bo = 0;
                }
                float[] a;   // dY chunk [opg, cnt*P]
                int ao;
                if (cnt == 1) {
                    a = dy;
                    ao = dyOff + (i0 * s.outChannels() + g * opg) * p;
                } else {
                    a = Scratch.get(Scratch.DY, opg * ld);
                    for (int img = 0; img < cnt; img++) {
                        for (int oc = 0; oc < opg; oc++) {
                            System.arraycopy(dy, dyOff + ((i0 + img) * s.outChannels() + g * opg + oc) * p,
                                    a, oc * ld + img * p, p);
                        }
                    }
                    ao = 0;
                }
                // dW_g [opg, K] (+)= dY_chunk [opg, cnt*P] · colᵀ [cnt*P, K]
                Sgemm.sgemm(false, true, opg, k, ld, 1f, a, ao, ld, b, bo, ld,
                        i0 == 0 ? 0f : 1f, dw, dwg, k, t);
            }
        }
    }

    /** {@link #backwardBias(Conv2dShape, float[], int, float[], int)} with all offsets 0. */
    public static void backwardBias(Conv2dShape s, float[] dy, float[] db) {
        backwardBias(s, dy, 0, db, 0);
    }

    /**
     * Gradient with respect to the bias: {@code db[oc] = Σ_{n, oh, ow} dy[n, oc, oh, ow]}.
     * Split over output channels; each channel sums its planes in batch order.
     *
     * @param dy output gradient {@code [n, outChannels, outH, outW]} at {@code dyOff}
     * @param db bias gradient {@code [outChannels]} at {@code dbOff}, overwritten
     */
    public static void backwardBias(Conv2dShape s, float[] dy, int dyOff, float[] db, int dbOff) {
        if (KernelConfig.SCALAR) {
            Conv2dReference.backwardBias(s, dy, dyOff, db, dbOff);
            return;
        }
        ConvChecks.output("conv2d backwardBias", s, "dy", dy, dyOff);
        ConvChecks.bias("conv2d backwardBias", s, "db", db, dbOff);
        int p = s.outH() * s.outW();
        Parallel.forRange(s.outChannels(), (from, to) -> {
            for (int oc = from; oc < to; oc++) {
                float acc = 0f;
                for (int i = 0; i < s.n(); i++) {
                    acc += Vec.sum(dy, dyOff + (i * s.outChannels() + oc) * p, p);
                }
                db[dbOff + oc] = acc;
            }
        });
    }
}
