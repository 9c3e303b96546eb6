package dev.sprig.nn.infer;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.nn.Module;
import dev.sprig.tensor.GradMode;

/**
 * When a model's forward may take its fused inference path: the ResNets' convolutions with their
 * BatchNorm, residual and ReLU in the epilogue ({@link FusedConv}), the ViT's linear layers with
 * bias, GELU and residual in theirs ({@code Functional.linearFused}). Only in eval mode without
 * gradients, and not under {@code -Dsprig.infer.fuse=false} ({@link KernelConfig#INFER_FUSE}); in
 * training or with grad mode on the models keep their separate ops, which record the graph.
 */
public final class FusedInference {
    private FusedInference() {}

    /**
     * Whether {@code module}'s forward may take the fused path now: it is in eval mode, grad mode
     * is off on this thread, and the fusion is not switched off.
     */
    public static boolean applies(Module module) {
        return KernelConfig.INFER_FUSE && !module.isTraining() && !GradMode.isEnabled();
    }
}
