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
 * ResNet BasicBlock is two conv calls instead of conv, BN, ReLU, conv, BN, add, ReLU.
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
     * {@code {scale, shift}} ({@code [outChannels]} each, either null) that stand for {@code norm}
     * after {@code conv}, or null when {@code norm} is not one this class folds into an epilogue.
     */
    private static Tensor[] affine(Conv2d conv, Module norm) {
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
