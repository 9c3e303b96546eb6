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
 * per (row, tap) with {@link Vec#lo}/{@link Vec#hi}; for stride 1 the valid part is one
 * {@code System.arraycopy}, for larger strides a strided scalar gather (nothing to vectorise).
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
        int outH = s.outH(), outW = s.outW(), sh = s.strideH(), sw = s.strideW();
        for (int r = r0; r < r1; r++) {
            int c = r / (kh * kw);
            int i = (r / kw) % kh;
            int j = r % kw;
            int plane = xOff + c * h * w;
            int shift = j * s.dilationW() - s.padW();
            int lo = Vec.lo(shift, sw);
            int hi = Math.max(lo, Vec.hi(shift, sw, w, outW));
            int rowBase = colOff + r * ld;
            for (int oh = 0; oh < outH; oh++) {
                int ih = oh * sh - s.padH() + i * s.dilationH();
                int dst = rowBase + oh * outW;
                if (ih < 0 || ih >= h) {
                    Arrays.fill(col, dst, dst + outW, 0f);
                    continue;
                }
                int src = plane + ih * w + shift;
                if (lo > 0) {
                    Arrays.fill(col, dst, dst + lo, 0f);
                }
                if (sw == 1) {
                    System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                } else {
                    for (int ow = lo; ow < hi; ow++) {
                        col[dst + ow] = x[src + ow * sw];
                    }
                }
                if (hi < outW) {
                    Arrays.fill(col, dst + hi, dst + outW, 0f);
                }
            }
        }
    }

    /**
     * Overwrites input planes {@code [c0, c1)} of one image's group with the column gradient folded
     * back: {@code dx[c, ih, iw] = Σ dcol[r, p]} over the (row, output position) pairs that read
     * {@code (c, ih, iw)} in {@link #im2col}. Rows are added in increasing order, so the sum order
     * does not depend on how channels are split over threads.
     *
     * @param dcol column gradient {@code [K, P]} at {@code colOff}, row stride {@code ld}
     * @param dx   one image's group: channel 0 of the group at {@code dxOff}, planes {@code [cpg, h, w]}
     */
    static void col2im(Conv2dShape s, float[] dcol, int colOff, int ld, float[] dx, int dxOff, int c0, int c1) {
        int kh = s.kh(), kw = s.kw(), h = s.h(), w = s.w();
        int outH = s.outH(), outW = s.outW(), sh = s.strideH(), sw = s.strideW();
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
                            for (int ow = lo; ow < hi; ow++) {
                                dx[dst + ow * sw] += dcol[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }
}
