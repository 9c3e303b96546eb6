package dev.sprig.nn.infer;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ViT;
import dev.sprig.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * The compiled plan of a model where Sprig has one: a {@link ResNetPlan} for a ResNet, a
 * {@link ViTPlan} for a ViT at its config's image size. Both are bit for bit the model's eval-mode
 * forward without gradients, so evaluation and latency measurements use them where they can.
 */
public final class Plans {
    private Plans() {}

    /**
     * The forward of a plan compiled from {@code model} (in eval mode) for images {@code [c, h, w]},
     * or null where there is none: another kind of model, a ViT at another image size (its own
     * forward then reports the size), or {@code -Dsprig.infer.fuse=false} ({@link KernelConfig#INFER_FUSE}).
     * A ResNet's channels are its own; a wrong c is reported by the plan's forward.
     *
     * @throws IllegalArgumentException if model is null, or is a ResNet or ViT built in a way its plan does not
     *                                  support (a layer replaced by another kind); {@code -Dsprig.infer.fuse=false}
     *                                  runs such a model through its own forward
     */
    public static UnaryOperator<Tensor> compile(Module model, int c, int h, int w) {
        if (model == null) {
            throw new IllegalArgumentException("plans: the model must not be null");
        }
        if (!KernelConfig.INFER_FUSE) {
            return null;
        }
        if (model instanceof ResNet resnet) {
            return ResNetPlan.of(resnet, h, w)::forward;
        }
        if (model instanceof ViT vit && c == vit.config().inChannels() && h == vit.config().imageSize()
                && w == vit.config().imageSize()) {
            return ViTPlan.of(vit)::forward;
        }
        return null;
    }

    /** What a plan does with item i (an image, or a chunk of images), its kernels on at most {@code threads} threads. */
    interface Item {
        void run(int i, int threads);
    }

    /**
     * Items 0..n-1: spread over {@link Parallel}'s threads, one thread each, when there are at least as
     * many items as threads; else one after another on this thread, each giving its kernels every thread.
     */
    static void items(int n, Item item) {
        int t = Parallel.threads();
        if (t > 1 && n >= t) {
            Parallel.forRange(n, (from, to) -> {
                for (int i = from; i < to; i++) {
                    item.run(i, 1);
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                item.run(i, t);
            }
        }
    }
}
