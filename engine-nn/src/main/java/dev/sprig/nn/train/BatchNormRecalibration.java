package dev.sprig.nn.train;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Module;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * BatchNorm recalibration (the "adaptive BN" of EagleEye, as used after pruning): re-estimates every
 * {@link BatchNorm2d}'s running mean and variance from a few batches, with the weights frozen. A
 * pruned or shrunk network keeps the running statistics of the dense one, which no longer match its
 * activations (a conv that lost input channels has outputs of another mean and scale); evaluated
 * as it is, it can be at chance accuracy.
 *
 * <p>The running statistics become the plain average over the batches of each batch's mean and
 * unbiased variance (PyTorch's {@code momentum=None}): the k-th batch (from 0) is taken in with
 * momentum 1/(k+1). Forward passes only, under no-grad: no parameter changes. The BatchNorms run in
 * training mode (normalising with the batch's statistics, as when the statistics are gathered in
 * training); every other module runs in eval mode, so that dropout, say, does not give the
 * statistics of activations that evaluation never sees. Each BatchNorm is assumed to run once per
 * forward, as in every model Sprig has.
 */
public final class BatchNormRecalibration {
    private BatchNormRecalibration() {}

    /** True if {@code model} has a {@link BatchNorm2d} anywhere: only then does recalibration change it. */
    public static boolean hasBatchNorm(Module model) {
        return !batchNorms(model).isEmpty();
    }

    /**
     * Resets every BatchNorm's running statistics and re-estimates them from {@code inputs} (batches
     * of model inputs, e.g. {@code [n, c, h, w]}), as described above; the train/eval mode of every
     * module and each BatchNorm's momentum are restored afterwards. A model without BatchNorm is left
     * as it is (and {@code inputs} untouched).
     *
     * @throws IllegalArgumentException if the model has a BatchNorm and {@code inputs} is empty
     */
    public static void recalibrate(Module model, Iterable<Tensor> inputs) {
        List<BatchNorm2d> bns = batchNorms(model);
        if (bns.isEmpty()) {
            return;
        }
        Iterator<Tensor> it = inputs.iterator();
        if (!it.hasNext()) {
            throw new IllegalArgumentException("BatchNorm recalibration needs at least one batch, got none");
        }
        // Modules parent first (namedModules' order): train(on) is recursive, so restoring in this order leaves each its own mode.
        List<Module> modules = new ArrayList<>(model.namedModules().values());
        boolean[] wasTraining = new boolean[modules.size()];
        for (int i = 0; i < modules.size(); i++) {
            wasTraining[i] = modules.get(i).isTraining();
        }
        float[] momenta = new float[bns.size()];
        for (int i = 0; i < bns.size(); i++) {
            momenta[i] = bns.get(i).momentum();
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            model.eval();
            for (BatchNorm2d bn : bns) {
                bn.train(true);
                reset(bn);
            }
            for (int k = 0; it.hasNext(); k++) {
                Tensor x = it.next();
                // running_k = (1 − 1/(k+1))·running_{k−1} + 1/(k+1)·batch_k = the mean of batch_0..batch_k
                float m = 1f / (k + 1);
                for (BatchNorm2d bn : bns) {
                    bn.setMomentum(m);
                }
                model.forward(x);
            }
        } finally {
            for (int i = 0; i < bns.size(); i++) {
                bns.get(i).setMomentum(momenta[i]);
            }
            for (int i = 0; i < modules.size(); i++) {
                modules.get(i).train(wasTraining[i]);
            }
        }
    }

    /**
     * {@link #recalibrate(Module, Iterable)} on the images of the first {@code batches} batches of
     * {@code loader} (its epoch 0, then epoch 1... if an epoch has fewer). Nothing is read from
     * the loader for a model without BatchNorm or with {@code batches} 0 (then nothing changes).
     */
    public static void recalibrate(Module model, DataLoader loader, int batches) {
        if (batches < 0) {
            throw new IllegalArgumentException("BatchNorm recalibration batches must be >= 0, got " + batches);
        }
        if (batches == 0 || !hasBatchNorm(model)) {
            return;
        }
        List<Tensor> images = new ArrayList<>(batches);
        for (int epoch = 0; images.size() < batches; epoch++) {
            try (DataLoader.Batches it = loader.epoch(epoch)) {
                if (!it.hasNext()) {
                    throw new IllegalArgumentException("BatchNorm recalibration: the loader gives no batch (" + loader.data().size()
                            + " samples)");
                }
                while (it.hasNext() && images.size() < batches) {
                    images.add(it.next().images());
                }
            }
        }
        recalibrate(model, images);
    }

    private static List<BatchNorm2d> batchNorms(Module model) {
        List<BatchNorm2d> out = new ArrayList<>();
        for (Module m : model.namedModules().values()) {
            if (m instanceof BatchNorm2d bn) {
                out.add(bn);
            }
        }
        return out;
    }

    /** Running mean 0 and variance 1 (a fresh BatchNorm's), in place. */
    private static void reset(BatchNorm2d bn) {
        Tensor mean = bn.runningMean().get();
        Tensor var = bn.runningVar().get();
        for (int ch = 0; ch < bn.channels(); ch++) {
            mean.set(0f, ch);
            var.set(1f, ch);
        }
    }
}
