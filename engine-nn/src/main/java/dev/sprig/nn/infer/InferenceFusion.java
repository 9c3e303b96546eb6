package dev.sprig.nn.infer;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rewrites an eval-mode model into a cheaper one that computes the same function. Only for
 * inference: the result has lost what training needs (BatchNorm's batch statistics).
 */
public final class InferenceFusion {
    private InferenceFusion() {}

    /**
     * Folds every BatchNorm that directly follows a conv into that conv, in place. In eval mode
     * BatchNorm is a per-channel affine map, so with, per output channel {@code o},
     * <pre>
     *   s[o]  = γ[o] / sqrt(runningVar[o] + ε)
     *   W'[o] = W[o] · s[o]                            // W: [outChannels, inChannels / groups, k, k]
     *   b'[o] = (b[o] − runningMean[o]) · s[o] + β[o]  // b = 0 for a bias-free conv
     * </pre>
     * {@code conv'(x) = bn(conv(x))}, and the BatchNorm becomes an {@link Layers.Identity}. A
     * bias-free conv is replaced by a conv with a bias and the same stride, padding, dilation and
     * groups. The pairs are those {@link #convBnPairs} finds; widths need not be the original ones
     * (a shrunk model folds the same way). A model without BatchNorm, or one already folded, is
     * returned unchanged.
     *
     * <p>The folded model is for inference: do not train it (it has no BatchNorm left to train), and
     * do not save it with {@code ModelFile}, whose loader rebuilds the architecture from its config,
     * BatchNorms and bias-free convs included, and so cannot take a folded state dict.
     *
     * @return {@code model}, folded, still in eval mode
     * @throws IllegalStateException when any module of {@code model} is in training mode, or a
     *                               declared pair is not a conv and a BatchNorm over its output
     */
    public static <M extends Module> M foldBatchNorm(M model) {
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue().isTraining()) {
                String where = e.getKey().isEmpty() ? "the model (" + model.getClass().getSimpleName() + ")"
                        : "submodule '" + e.getKey() + "' (" + e.getValue().getClass().getSimpleName() + ")";
                throw new IllegalStateException("foldBatchNorm folds BatchNorm's running statistics, so it needs an eval-mode "
                        + "model, but " + where + " is in training mode: call eval() first");
            }
        }
        for (ConvBnPairs.Pair p : convBnPairs(model)) {
            fold(model, p);
        }
        return model;
    }

    /**
     * The conv→BatchNorm pairs of {@code model} that are still to fold, by path from {@code model},
     * in module order: those that modules implementing {@link ConvBnPairs} declare, and, in every
     * {@link Sequential}, each {@link Conv2d} child directly followed by a {@link BatchNorm2d} child.
     * A declared pair whose BatchNorm is already an {@link Layers.Identity} has been folded and is
     * left out.
     *
     * @throws IllegalStateException when a declared pair does not name a conv and a BatchNorm of its
     *                               width, or two pairs share a conv or a BatchNorm
     */
    public static List<ConvBnPairs.Pair> convBnPairs(Module model) {
        Map<String, ConvBnPairs.Pair> byBn = new LinkedHashMap<>();
        Map<String, ConvBnPairs.Pair> byConv = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String path = e.getKey();
            List<ConvBnPairs.Pair> found = new ArrayList<>();
            if (e.getValue() instanceof ConvBnPairs declared) {
                for (ConvBnPairs.Pair p : declared.convBnPairs()) {
                    ConvBnPairs.Pair full = p.under(path);
                    if (!(resolve(model, full.bn(), full) instanceof Layers.Identity)) {
                        found.add(full);
                    }
                }
            }
            if (e.getValue() instanceof Sequential s) {
                Map.Entry<String, Module> prev = null;
                for (Map.Entry<String, Module> c : s.children().entrySet()) {
                    if (prev != null && prev.getValue() instanceof Conv2d && c.getValue() instanceof BatchNorm2d) {
                        found.add(new ConvBnPairs.Pair(prev.getKey(), c.getKey()).under(path));
                    }
                    prev = c;
                }
            }
            for (ConvBnPairs.Pair p : found) {
                check(model, p);
                ConvBnPairs.Pair sameBn = byBn.putIfAbsent(p.bn(), p);
                ConvBnPairs.Pair sameConv = byConv.putIfAbsent(p.conv(), p);
                if ((sameBn != null && !sameBn.equals(p)) || (sameConv != null && !sameConv.equals(p))) {
                    throw new IllegalStateException("conv/BatchNorm pairs " + p + " and " + (sameBn != null ? sameBn : sameConv)
                            + " share a module; each conv feeds at most one BatchNorm and each BatchNorm reads one conv");
                }
            }
        }
        return List.copyOf(byBn.values());
    }

    /** The module at a pair's path, or an error naming the pair. */
    private static Module resolve(Module model, String path, ConvBnPairs.Pair pair) {
        try {
            return model.get(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("conv/BatchNorm pair " + pair + " names a missing module: " + e.getMessage(), e);
        }
    }

    private static void check(Module model, ConvBnPairs.Pair p) {
        Module conv = resolve(model, p.conv(), p);
        Module bn = resolve(model, p.bn(), p);
        if (!(conv instanceof Conv2d c)) {
            throw new IllegalStateException("conv/BatchNorm pair " + p + ": '" + p.conv() + "' is a "
                    + conv.getClass().getSimpleName() + ", expected a Conv2d");
        }
        if (!(bn instanceof BatchNorm2d b)) {
            throw new IllegalStateException("conv/BatchNorm pair " + p + ": '" + p.bn() + "' is a "
                    + bn.getClass().getSimpleName() + ", expected a BatchNorm2d (or an Identity, once folded)");
        }
        if (b.channels() != c.outChannels()) {
            throw new IllegalStateException("conv/BatchNorm pair " + p + ": '" + p.bn() + "' normalises " + b.channels()
                    + " channels but '" + p.conv() + "' has " + c.outChannels() + " output channels");
        }
        int[] w = c.weight().shape();
        if (w[2] != w[3]) {
            throw new IllegalStateException("'" + p.conv() + "' has a non-square kernel " + Shape.str(w)
                    + "; folding rebuilds convs with square kernels only");
        }
    }

    private static void fold(Module model, ConvBnPairs.Pair p) {
        Conv2d conv = (Conv2d) model.get(p.conv());
        BatchNorm2d bn = (BatchNorm2d) model.get(p.bn());
        int outChannels = conv.outChannels();
        int[] wShape = conv.weight().shape();                      // [outChannels, inChannels / groups, k, k]
        float[] w = conv.weight().get().rowMajorData();
        float[] b = conv.bias() == null ? null : conv.bias().get().rowMajorData(); // [outChannels]
        float[] gamma = bn.weight().get().rowMajorData();          // [outChannels]
        float[] beta = bn.bias().get().rowMajorData();             // [outChannels]
        float[] mean = bn.runningMean().get().rowMajorData();      // [outChannels]
        float[] var = bn.runningVar().get().rowMajorData();        // [outChannels]
        int perFilter = w.length / outChannels;
        float[] folded = new float[w.length];                      // [outChannels, inChannels / groups, k, k]
        float[] bias = new float[outChannels];                     // [outChannels]
        for (int o = 0; o < outChannels; o++) {
            // As BatchNormOp's eval path: 1 / sqrt(var + ε) in double.
            double s = gamma[o] / Math.sqrt(var[o] + (double) bn.eps());
            for (int i = o * perFilter; i < (o + 1) * perFilter; i++) {
                folded[i] = (float) (w[i] * s);
            }
            bias[o] = (float) (((b == null ? 0.0 : b[o]) - mean[o]) * s + beta[o]);
        }
        Conv2d target = conv;
        if (conv.bias() == null) {
            // Conv2d's bias slot is fixed at construction: build the same conv with one. Its random
            // initial values are overwritten below.
            target = new Conv2d(conv.inChannels(), outChannels, conv.kernel(), conv.stride(), conv.padding(),
                    conv.dilation(), conv.groups(), true, new Random(0));
            model.replace(p.conv(), target);
        }
        target.weight().set(Tensor.fromStorage(folded, wShape));
        target.bias().set(Tensor.fromStorage(bias, outChannels));
        model.replace(p.bn(), new Layers.Identity());
    }
}
