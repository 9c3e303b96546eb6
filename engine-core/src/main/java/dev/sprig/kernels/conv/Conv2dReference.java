package dev.sprig.kernels.conv;

import java.util.Arrays;

/**
 * The scalar reference twin of {@link Conv2d}: direct seven-deep loops (n, oc, oh, ow, ic, kh, kw)
 * with float accumulation, no scratch buffers, no threads. Slow and obviously right; the test
 * oracle, and the path {@link Conv2d} takes under {@code -Dsprig.kernels.scalar=true}.
 *
 * <p>Array shapes are those of {@link Conv2dShape}; every array has an offset where its data
 * starts.
 */
public final class Conv2dReference {
    private Conv2dReference() {}

    /**
     * {@code y[n, oc, oh, ow] = bias[oc] + Σ_{ic, i, j} w[oc, ic, i, j] * x[n, g*cpg + ic, oh*sh - ph + i*dh, ow*sw - pw + j*dw]},
     * where {@code g} is the group of {@code oc} and out-of-range input positions read zero.
     *
     * @param x    input {@code [n, inChannels, h, w]}
     * @param w    weight {@code [outChannels, inChannels/groups, kh, kw]}
     * @param bias {@code [outChannels]}, or null for no bias
     * @param y    output {@code [n, outChannels, outH, outW]}, overwritten
     */
    public static void forward(Conv2dShape s, float[] x, int xOff, float[] w, int wOff,
                               float[] bias, int bOff, float[] y, int yOff) {
        ConvChecks.input("conv2d", s, "x", x, xOff);
        ConvChecks.weight("conv2d", s, "weight", w, wOff);
        if (bias != null) {
            ConvChecks.bias("conv2d", s, "bias", bias, bOff);
        }
        ConvChecks.output("conv2d", s, "y", y, yOff);
        int oh = s.outH(), ow = s.outW(), cpg = s.inPerGroup(), opg = s.outPerGroup();
        for (int n = 0; n < s.n(); n++) {
            for (int oc = 0; oc < s.outChannels(); oc++) {
                int g = oc / opg;
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        float acc = bias == null ? 0f : bias[bOff + oc];
                        for (int ic = 0; ic < cpg; ic++) {
                            int xc = xOff + ((n * s.inChannels()) + g * cpg + ic) * s.h() * s.w();
                            int wc = wOff + (oc * cpg + ic) * s.kh() * s.kw();
                            for (int i = 0; i < s.kh(); i++) {
                                int ih = r * s.strideH() - s.padH() + i * s.dilationH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int j = 0; j < s.kw(); j++) {
                                    int iw = c * s.strideW() - s.padW() + j * s.dilationW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    acc += w[wc + i * s.kw() + j] * x[xc + ih * s.w() + iw];
                                }
                            }
                        }
                        y[yOff + ((n * s.outChannels() + oc) * oh + r) * ow + c] = acc;
                    }
                }
            }
        }
    }

    /**
     * Gradient with respect to the input: {@code dX = col2im(Wᵀ · dY)}, i.e. every product
     * {@code w[oc, ic, i, j] * dy[n, oc, oh, ow]} is added to the input position it was read from in
     * the forward pass.
     *
     * @param dy output gradient {@code [n, outChannels, outH, outW]}
     * @param w  weight {@code [outChannels, inChannels/groups, kh, kw]}
     * @param dx input gradient {@code [n, inChannels, h, w]}, overwritten
     */
    public static void backwardInput(Conv2dShape s, float[] dy, int dyOff, float[] w, int wOff,
                                     float[] dx, int dxOff) {
        ConvChecks.output("conv2d backwardInput", s, "dy", dy, dyOff);
        ConvChecks.weight("conv2d backwardInput", s, "weight", w, wOff);
        ConvChecks.input("conv2d backwardInput", s, "dx", dx, dxOff);
        Arrays.fill(dx, dxOff, dxOff + s.inputSize(), 0f);
        int oh = s.outH(), ow = s.outW(), cpg = s.inPerGroup(), opg = s.outPerGroup();
        for (int n = 0; n < s.n(); n++) {
            for (int oc = 0; oc < s.outChannels(); oc++) {
                int g = oc / opg;
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        float d = dy[dyOff + ((n * s.outChannels() + oc) * oh + r) * ow + c];
                        for (int ic = 0; ic < cpg; ic++) {
                            int xc = dxOff + ((n * s.inChannels()) + g * cpg + ic) * s.h() * s.w();
                            int wc = wOff + (oc * cpg + ic) * s.kh() * s.kw();
                            for (int i = 0; i < s.kh(); i++) {
                                int ih = r * s.strideH() - s.padH() + i * s.dilationH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int j = 0; j < s.kw(); j++) {
                                    int iw = c * s.strideW() - s.padW() + j * s.dilationW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    dx[xc + ih * s.w() + iw] += w[wc + i * s.kw() + j] * d;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Gradient with respect to the weight: {@code dW = Σ_n dY_n · col(X_n)ᵀ}, i.e.
     * {@code dw[oc, ic, i, j] = Σ_{n, oh, ow} dy[n, oc, oh, ow] * x[n, g*cpg + ic, ih, iw]}.
     *
     * @param x  input {@code [n, inChannels, h, w]}
     * @param dy output gradient {@code [n, outChannels, outH, outW]}
     * @param dw weight gradient {@code [outChannels, inChannels/groups, kh, kw]}, overwritten
     */
    public static void backwardWeight(Conv2dShape s, float[] x, int xOff, float[] dy, int dyOff,
                                      float[] dw, int dwOff) {
        ConvChecks.input("conv2d backwardWeight", s, "x", x, xOff);
        ConvChecks.output("conv2d backwardWeight", s, "dy", dy, dyOff);
        ConvChecks.weight("conv2d backwardWeight", s, "dw", dw, dwOff);
        Arrays.fill(dw, dwOff, dwOff + s.weightSize(), 0f);
        int oh = s.outH(), ow = s.outW(), cpg = s.inPerGroup(), opg = s.outPerGroup();
        for (int n = 0; n < s.n(); n++) {
            for (int oc = 0; oc < s.outChannels(); oc++) {
                int g = oc / opg;
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        float d = dy[dyOff + ((n * s.outChannels() + oc) * oh + r) * ow + c];
                        for (int ic = 0; ic < cpg; ic++) {
                            int xc = xOff + ((n * s.inChannels()) + g * cpg + ic) * s.h() * s.w();
                            int wc = dwOff + (oc * cpg + ic) * s.kh() * s.kw();
                            for (int i = 0; i < s.kh(); i++) {
                                int ih = r * s.strideH() - s.padH() + i * s.dilationH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int j = 0; j < s.kw(); j++) {
                                    int iw = c * s.strideW() - s.padW() + j * s.dilationW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    dw[wc + i * s.kw() + j] += d * x[xc + ih * s.w() + iw];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Gradient with respect to the bias: {@code db[oc] = Σ_{n, oh, ow} dy[n, oc, oh, ow]}.
     *
     * @param dy output gradient {@code [n, outChannels, outH, outW]}
     * @param db bias gradient {@code [outChannels]}, overwritten
     */
    public static void backwardBias(Conv2dShape s, float[] dy, int dyOff, float[] db, int dbOff) {
        ConvChecks.output("conv2d backwardBias", s, "dy", dy, dyOff);
        ConvChecks.bias("conv2d backwardBias", s, "db", db, dbOff);
        int plane = s.outH() * s.outW();
        for (int oc = 0; oc < s.outChannels(); oc++) {
            float acc = 0f;
            for (int n = 0; n < s.n(); n++) {
                int base = dyOff + (n * s.outChannels() + oc) * plane;
                for (int p = 0; p < plane; p++) {
                    acc += dy[base + p];
                }
            }
            db[dbOff + oc] = acc;
        }
    }
}
