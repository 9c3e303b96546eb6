package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.gemm.IndirectGemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The forward of a stride-1 convolution without im2col: an implicit GEMM over the zero-padded
 * input, read in place through {@link IndirectGemm}.
 *
 * <p>Pad one image's group of channels into planes of {@code hp x wp} ({@code hp = h + 2 padH},
 * {@code wp = w + 2 padW}) and flatten them. With stride 1, output pixel (oh, ow) of channel oc is
 * {@code Σ_{ic,i,j} w[oc, ic, i, j] · pad[ic·hp·wp + (oh + i·dh)·wp + ow + j·dw]}: at flat index
 * {@code q = oh·wp + ow} every term reads {@code pad[offset(ic, i, j) + q]}. So the column matrix of
 * im2col is, row by row, the padded input shifted by {@code offset(ic, i, j)}, and
 * {@code out[oc, q] = W_g · B} with that indirect B computes the output on the padded width
 * ({@code q < (outH-1)·wp + outW}); the {@code wp - outW} columns past each output row are junk
 * and are dropped when the rows are copied into y (with the bias added on the way).
 *
 * <p>Against im2col + GEMM this moves {@code cpg·hp·wp} floats (the padding copy, none at all when
 * there is no padding) instead of {@code cpg·kh·kw·outH·outW} (the column matrix), at the price of
 * {@code wp / outW} more columns in the GEMM (1.06x at 32x32, 1.25x at 8x8, pad 1). The lowering
 * is what made narrow (pruned) layers slow: its cost is per input channel while the multiply-adds
 * are per input and output channel. The padded buffers carry slack past their ends so every GEMM
 * tile is a whole one (no edge path), and the weights are packed once per batch ({@link Plan}).
 * Each output element is the same sum in the same order as the im2col path (K in (ic, i, j)
 * order, sliced as {@link dev.sprig.kernels.gemm.Sgemm} slices it): the two agree bit for bit.
 */
final class DirectConv2d {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;

    private DirectConv2d() {}

    /** Whether {@link Conv2d#forward} takes this path: stride 1, not depthwise, a kernel bigger than 1x1. */
    static boolean applies(Conv2dShape s) {
        return !KernelConfig.CONV_IM2COL_ONLY && s.strideH() == 1 && s.strideW() == 1 && !s.isDepthwise()
                && s.kh() * s.kw() > 1;
    }

    /** What a batch shares: the row offsets of the implicit column matrix and each group's packed weights. */
    record Plan(int[] offsets, IndirectGemm.PackedA[] weights) {}

    /** The plan of one forward call: offsets from the shape, the weights {@code [outC, cpg*kh*kw]} at wOff packed per group. */
    static Plan plan(Conv2dShape s, float[] w, int wOff) {
        int k = s.patchSize();
        int opg = s.outPerGroup();
        IndirectGemm.PackedA[] packed = new IndirectGemm.PackedA[s.groups()];
        for (int g = 0; g < s.groups(); g++) {
            packed[g] = IndirectGemm.pack(opg, k, w, wOff + g * opg * k, k);
        }
        return new Plan(offsets(s), packed);
    }

    /** Image {@code i} of the batch: every group, bias added; the GEMM on up to {@code threads} threads. */
    static void forwardImage(Conv2dShape s, Plan plan, int i, float[] x, int xOff,
                             float[] bias, int bOff, float[] y, int yOff, int threads) {
        int cpg = s.inPerGroup(), opg = s.outPerGroup();
        int plane = s.h() * s.w();
        int hp = s.h() + 2 * s.padH(), wp = s.w() + 2 * s.padW();
        int planeP = hp * wp;
        int oh = s.outH(), ow = s.outW();
        int q = (oh - 1) * wp + ow; // flat output columns, junk past each row's outW included
        boolean padded = s.padH() > 0 || s.padW() > 0;
        // Without padding B is x itself, which has no slack to overrun into.
        int ldo = padded ? IndirectGemm.overrunColumns(q) : q;
        float[] out = Scratch.get(Scratch.OUT, IndirectGemm.overrunRows(opg) * ldo);
        float[] pad = padded ? Scratch.get(Scratch.PAD, cpg * planeP + ldo - q) : null;
        for (int g = 0; g < s.groups(); g++) {
            int xg = xOff + (i * s.inChannels() + g * cpg) * plane;
            float[] src = x;
            int srcOff = xg;
            if (padded) {
                pad(x, xg, cpg, s.h(), s.w(), s.padH(), s.padW(), pad);
                src = pad;
                srcOff = 0;
            }
            IndirectGemm.gemm(plan.weights()[g], q, src, srcOff, plan.offsets(), out, 0, ldo, padded, threads);
            for (int oc = 0; oc < opg; oc++) {
                int yc = yOff + (i * s.outChannels() + g * opg + oc) * oh * ow;
                float b = bias == null ? 0f : bias[bOff + g * opg + oc];
                for (int r = 0; r < oh; r++) {
                    if (bias == null) {
                        copy(out, oc * ldo + r * wp, y, yc + r * ow, ow);
                    } else {
                        Vec.addScalarTo(b, out, oc * ldo + r * wp, y, yc + r * ow, ow);
                    }
                }
            }
        }
    }

    /** Offset of row (ic, i, j) of the implicit column matrix in the flattened padded planes. */
    static int[] offsets(Conv2dShape s) {
        int wp = s.w() + 2 * s.padW();
        int planeP = (s.h() + 2 * s.padH()) * wp;
        int[] offsets = new int[s.patchSize()];
        int r = 0;
        for (int ic = 0; ic < s.inPerGroup(); ic++) {
            for (int i = 0; i < s.kh(); i++) {
                for (int j = 0; j < s.kw(); j++) {
                    offsets[r++] = ic * planeP + i * s.dilationH() * wp + j * s.dilationW();
                }
            }
        }
        return offsets;
    }

    /** Copies {@code c} planes of {@code h x w} from x into {@code pad} as {@code (h+2ph) x (w+2pw)} planes with zero borders. */
    static void pad(float[] x, int xOff, int c, int h, int w, int ph, int pw, float[] pad) {
        int wp = w + 2 * pw;
        int planeP = (h + 2 * ph) * wp;
        for (int ch = 0; ch < c; ch++) {
            int base = ch * planeP;
            int src = xOff + ch * h * w;
            Arrays.fill(pad, base, base + ph * wp, 0f); // top rows
            for (int r = 0; r < h; r++) {
                int row = base + (ph + r) * wp;
                for (int j = 0; j < pw; j++) {
                    pad[row + j] = 0f;
                    pad[row + pw + w + j] = 0f;
                }
                copy(x, src + r * w, pad, row + pw, w);
            }
            Arrays.fill(pad, base + (ph + h) * wp, base + planeP, 0f); // bottom rows
        }
    }

    /** {@code dst[d + i] = src[s + i]} for {@code i < len}: whole vectors, then the tail (rows here are short). */
    private static void copy(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] = src[s + i];
        }
    }
}
