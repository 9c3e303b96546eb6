package dev.sprig.kernels.conv;

import java.util.Arrays;

/**
 * Lowering of one image's channel group to a matrix and back.
 *
 * <p>The column matrix of a group is {@code [K = cpg*kh*kw, P = outH*outW]}: row
 * {@code r = (c*kh + i)*kw + j} holds, for every output position {@code (oh, ow)}, the input value
 * {@code x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]} (zero in the padding). Row order matches the
 * weight layout {@code [outC, cpg, kh, kw]}, so {@code Y_g = W_g · col}.
 *
 * <p>Every output row segment splits into [left padding | valid | right padding], computed once
 * per (row, tap) with {@link Vec#lo}/{@link Vec#hi}. Stride 1 with output width == input width
 * (3x3 pad 1 and the like) takes a whole row as ONE shifted copy / vector add ({@link #isBulk}:
 * measured 2-3x faster than per-segment copies on the ResNet shapes); other stride-1 shapes copy
 * per segment; stride 2 uses a Vector API even-lane gather / zero-spread add; larger strides a
 * scalar loop.
 */
final class Im2col {
    private Im2col() {}

    /**
     * Writes rows {@code [r0, r1)} of the column matrix.
     *
     * @param x   one image's group: channel 0 of the group at {@code xOff}, planes {@code [cpg, h, w]}
     * @param col column matrix {@code [K, P]} at {@code colOff}, row stride {@code ld >= P}
     */
    static void im2col(Conv2dShape s, float[] x, int xOff, float[] col, int colOff, int ld, int r0, int r1) {
        int kh = s.kh(), kw = s.kw(), h = s.h(), w = s.w();
        int outW = s.outW(), sw = s.strideW();
        boolean bulk = isBulk(s);
        for (int r = r0; r < r1; r++) {
            int c = r / (kh * kw);
            int i = (r / kw) % kh;
            int j = r % kw;
            int plane = xOff + c * h * w;
            int shift = j * s.dilationW() - s.padW();
            int lo = Vec.lo(shift, sw);
            int hi = Math.max(lo, Vec.hi(shift, sw, w, outW));
            int rowBase = colOff + r * ld;
            if (bulk) {
                bulkRow(s, i, shift, lo, hi, x, plane, col, rowBase);
            } else {
                segmentedRow(s, i, shift, lo, hi, x, plane, col, rowBase);
            }
        }
    }

    /** One im2col row, output row by output row: [zeros | copy or strided gather | zeros]. */
    private static void segmentedRow(Conv2dShape s, int i, int shift, int lo, int hi,
                                     float[] x, int plane, float[] col, int rowBase) {
        int h = s.h(), w = s.w(), outH = s.outH(), outW = s.outW(), sh = s.strideH(), sw = s.strideW();
        for (int oh = 0; oh < outH; oh++) {
            int ih = oh * sh - s.padH() + i * s.dilationH();
            int dst = rowBase + oh * outW;
            if (ih < 0 || ih >= h) {
                Arrays.fill(col, dst, dst + outW, 0f);
                continue;
            }
            int src = plane + ih * w + shift;
            for (int ow = 0; ow < lo; ow++) {
                col[dst + ow] = 0f;
            }
            if (sw == 1) {
                System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
            } else {
                int ow = lo;
                if (sw == 2) {
                    ow = Vec.gatherEven(x, src, col, dst, lo, hi);
                }
                for (; ow < hi; ow++) {
                    col[dst + ow] = x[src + ow * sw];
                }
            }
            for (int ow = hi; ow < outW; ow++) {
                col[dst + ow] = 0f;
            }
        }
    }

    /**
     * Overwrites input planes {@code [c0, c1)} of one image's group with the column gradient folded
     * back: {@code dx[c, ih, iw] = Σ dcol[r, p]} over the (row, output position) pairs that read
     * {@code (c, ih, iw)} in {@link #im2col}. Rows are added in increasing order, so the sum order
     * does not depend on how channels are split over threads.
     *
     * <p>In the bulk case (see {@link #isBulk}) the entries of {@code dcol} that belong to padding
     * columns are zeroed first (dcol is the caller's scratch), so a whole row can be added with one
     * shifted vector add: adding an exact zero leaves every other sum unchanged.
     *
     * @param dcol column gradient {@code [K, P]} at {@code colOff}, row stride {@code ld}; padding entries are clobbered
     * @param dx   one image's group: channel 0 of the group at {@code dxOff}, planes {@code [cpg, h, w]}
     */
    static void col2im(Conv2dShape s, float[] dcol, int colOff, int ld, float[] dx, int dxOff, int c0, int c1) {
        int kh = s.kh(), kw = s.kw(), h = s.h(), w = s.w();
        int outW = s.outW(), sw = s.strideW();
        boolean bulk = isBulk(s);
        for (int c = c0; c < c1; c++) {
            int plane = dxOff + c * h * w;
            Arrays.fill(dx, plane, plane + h * w, 0f);
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int r = (c * kh + i) * kw + j;
                    int shift = j * s.dilationW() - s.padW();
                    int lo = Vec.lo(shift, sw);
                    int hi = Math.max(lo, Vec.hi(shift, sw, w, outW));
                    int rowBase = colOff + r * ld;
                    if (bulk) {
                        bulkFoldRow(s, i, shift, lo, hi, dcol, rowBase, dx, plane);
                    } else {
                        segmentedFoldRow(s, i, shift, lo, hi, dcol, rowBase, dx, plane);
                    }
                }
            }
        }
    }

    /** One col2im row, output row by output row: a shifted add (stride 1) or a strided scatter-add. */
    private static void segmentedFoldRow(Conv2dShape s, int i, int shift, int lo, int hi,
                                         float[] dcol, int rowBase, float[] dx, int plane) {
        int h = s.h(), w = s.w(), outH = s.outH(), outW = s.outW(), sh = s.strideH(), sw = s.strideW();
        for (int oh = 0; oh < outH; oh++) {
            int ih = oh * sh - s.padH() + i * s.dilationH();
            if (ih < 0 || ih >= h) {
                continue;
            }
            int dst = plane + ih * w + shift;
            int src = rowBase + oh * outW;
            if (sw == 1) {
                Vec.add(dcol, src + lo, dx, dst + lo, hi - lo);
            } else {
                int ow = lo;
                if (sw == 2) {
                    ow = Vec.scatterAddEven(dcol, src, dx, dst, lo, hi, plane + h * w);
                }
                for (; ow < hi; ow++) {
                    dx[dst + ow * sw] += dcol[src + ow];
                }
            }
        }
    }

    /**
     * True when every column-matrix row is the input plane shifted by a constant: stride 1 both
     * ways and output width == input width ("same" padding, e.g. 3x3 pad 1). Then the valid
     * part of a row is ONE contiguous copy of the plane, and only the few elements that wrapped
     * around a row edge (|shift| per output row) need to be zeroed afterwards, instead of one
     * short copy plus two fills per output row.
     */
    static boolean isBulk(Conv2dShape s) {
        return s.strideH() == 1 && s.strideW() == 1 && s.outW() == s.w();
    }

    /** One bulk im2col row for kernel row {@code i} and horizontal input shift {@code shift}. */
    private static void bulkRow(Conv2dShape s, int i, int shift, int lo, int hi,
                                float[] x, int plane, float[] col, int rowBase) {
        int outH = s.outH(), outW = s.outW(), w = s.w();
        int vshift = i * s.dilationH() - s.padH();
        int ohLo = Vec.lo(vshift, 1);
        int ohHi = Math.max(ohLo, Vec.hi(vshift, 1, s.h(), outH));
        if (ohHi == ohLo || hi == lo) {
            Arrays.fill(col, rowBase, rowBase + outH * outW, 0f);
            return;
        }
        Arrays.fill(col, rowBase, rowBase + ohLo * outW, 0f);
        // outW == w, so the rows of col and x have the same stride: (ohLo, lo) .. (ohHi-1, hi-1) is one copy
        int dst = rowBase + ohLo * outW + lo;
        int src = plane + (ohLo + vshift) * w + lo + shift;
        System.arraycopy(x, src, col, dst, (ohHi - 1 - ohLo) * outW + hi - lo);
        for (int oh = ohLo; oh < ohHi; oh++) {
            int row = rowBase + oh * outW;
            for (int ow = 0; ow < lo; ow++) {
                col[row + ow] = 0f;
            }
            for (int ow = hi; ow < outW; ow++) {
                col[row + ow] = 0f;
            }
        }
        Arrays.fill(col, rowBase + ohHi * outW, rowBase + outH * outW, 0f);
    }

    /** One bulk col2im row: zero the padding-column entries of the dcol row, then one shifted vector add. */
    private static void bulkFoldRow(Conv2dShape s, int i, int shift, int lo, int hi,
                                    float[] dcol, int rowBase, float[] dx, int plane) {
        int outH = s.outH(), outW = s.outW(), w = s.w();
        int vshift = i * s.dilationH() - s.padH();
        int ohLo = Vec.lo(vshift, 1);
        int ohHi = Math.max(ohLo, Vec.hi(vshift, 1, s.h(), outH));
        if (ohHi == ohLo || hi == lo) {
            return;
        }
        for (int oh = ohLo; oh < ohHi; oh++) {
            int row = rowBase + oh * outW;
            for (int ow = 0; ow < lo; ow++) {
                dcol[row + ow] = 0f;
            }
            for (int ow = hi; ow < outW; ow++) {
                dcol[row + ow] = 0f;
            }
        }
        int src = rowBase + ohLo * outW + lo;
        int dst = plane + (ohLo + vshift) * w + lo + shift;
        Vec.add(dcol, src, dx, dst, (ohHi - 1 - ohLo) * outW + hi - lo);
    }
}
