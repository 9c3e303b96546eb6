package dev.sprig.nn.infer;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Module;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;

/**
 * The inference forward of {@code conv → norm (→ + residual) (→ ReLU)} as one convolution call
 * whose epilogue does the norm, the add and the ReLU as it writes the output
 * ({@link Functional#conv2dFused}). A shrunk network's BatchNorm, ReLU and add passes cost per
 * channel and not per multiply-add, so unfused they eat much of what pruning saves; fused, a
 * ResNet BasicBlock is one pair of conv calls ({@link #forwardPair}) instead of conv, BN, ReLU,
 * conv, BN, add, ReLU.
 *
 * <p>Models call {@link FusedInference#applies} to choose: the fused path only runs in eval mode
 * without gradients (and not under {@code -Dsprig.infer.fuse=false}); in training or with grad mode
 * on they keep their separate ops, which record the graph.
 */
public final class FusedConv {
    private FusedConv() {}

    /**
     * {@code relu?(norm(conv(x)) + residual)}, {@code residual} null for none. Fused when
     * {@code conv} is an eval-mode {@link Conv2d} and {@code norm} is either an eval-mode
     * {@link BatchNorm2d} over its output channels (scale {@code γ/√(var+ε)}, shift
     * {@code β − mean·scale}, a conv bias {@code b} composed as {@code b·scale + shift}) or an
     * {@link Layers.Identity} (a BatchNorm folded by {@link InferenceFusion#foldBatchNorm}: the
     * conv's own bias is the shift), and grad mode is off. Anything else, grad mode on included,
     * runs the modules one after another, which computes the same and records the graph.
     *
     */
    public static Tensor forward(Module conv, Module norm, Tensor x, Tensor residual, boolean relu) {
        // With grad mode on the separate ops run: the epilogue's scale and shift are fresh tensors
        // computed from γ and β, so fusing would silently drop the BatchNorm's gradients.
        if (!GradMode.isEnabled() && conv instanceof Conv2d c && !c.isTraining()) {
            Tensor[] affine = affine(c, norm);
            if (affine != null) {
                int s = c.stride(), p = c.padding(), d = c.dilation();
                return Functional.conv2dFused(x, c.weight().get(), affine[0], affine[1], residual, relu, s, s, p, p, d, d,
                        c.groups());
            }
        }
        Tensor h = norm.forward(conv.forward(x));
        if (residual != null) {
            h = h.add(residual);
        }
        return relu ? h.relu() : h;
    }

    /**
     * {@code relu2?(norm2(conv2(relu1?(norm1(conv1(x))))) + residual)}: a BasicBlock's main path.
     * When both pairs fuse (as {@link #forward} decides) it is one {@link Functional#conv2dPairFused}
     * call, which, for stride-1 "same" convolutions, runs each image through both convolutions
     * without writing the intermediate tensor; its result is bit-identical to {@link #forward}
     * twice, which is what runs otherwise.
     */
    public static Tensor forwardPair(Module conv1, Module norm1, boolean relu1, Module conv2, Module norm2, Tensor x,
                                     Tensor residual, boolean relu2) {
        if (!GradMode.isEnabled() && conv1 instanceof Conv2d c1 && !c1.isTraining() && conv2 instanceof Conv2d c2 && !c2.isTraining()) {
            Tensor[] a1 = affine(c1, norm1);
            Tensor[] a2 = affine(c2, norm2);
            if (a1 != null && a2 != null) {
                return Functional.conv2dPairFused(x, c1.weight().get(), a1[0], a1[1], relu1,
                        new int[] {c1.stride(), c1.padding(), c1.dilation(), c1.groups()},
                        c2.weight().get(), a2[0], a2[1], residual, relu2,
                        new int[] {c2.stride(), c2.padding(), c2.dilation(), c2.groups()});
            }
        }
        return forward(conv2, norm2, forward(conv1, norm1, x, null, relu1), residual, relu2);
    }

    /**
     * {@code {scale, shift}} ({@code [outChannels]} each, either null) that stand for {@code norm}
     * after {@code conv}, or null when {@code norm} is not one this class folds into an epilogue.
     */
    static Tensor[] affine(Conv2d conv, Module norm) {
        Tensor bias = conv.bias() == null ? null : conv.bias().get(); // [outChannels]
        if (norm instanceof Layers.Identity) {
            return new Tensor[] {null, bias};
        }
        if (!(norm instanceof BatchNorm2d bn) || bn.isTraining() || bn.channels() != conv.outChannels()) {
            return null;
        }
        int c = bn.channels();
        float[] gamma = bn.weight().get().rowMajorData();     // [c]
        float[] beta = bn.bias().get().rowMajorData();        // [c]
        float[] mean = bn.runningMean().get().rowMajorData(); // [c]
        float[] var = bn.runningVar().get().rowMajorData();   // [c]
        float[] b = bias == null ? null : bias.rowMajorData();
        float[] scale = new float[c];                         // [c]
        float[] shift = new float[c];                         // [c]
        for (int ch = 0; ch < c; ch++) {
            // As BatchNormOp's eval path, so a bias-free conv's epilogue gives exactly its BatchNorm's output.
            float rstd = (float) (1.0 / Math.sqrt(var[ch] + (double) bn.eps()));
            scale[ch] = gamma[ch] * rstd;
            shift[ch] = beta[ch] - mean[ch] * scale[ch];
            if (b != null) {
                // bn(conv + b) = (conv + b)·scale + shift = conv·scale + (b·scale + shift)
                shift[ch] = Math.fma(b[ch], scale[ch], shift[ch]);
            }
        }
        return new Tensor[] {Tensor.fromStorage(scale, c), Tensor.fromStorage(shift, c)};
    }
}
