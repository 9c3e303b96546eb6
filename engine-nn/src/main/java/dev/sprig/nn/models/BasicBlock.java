package dev.sprig.nn.models;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.infer.ConvBnPairs;
import dev.sprig.nn.infer.FusedConv;
import dev.sprig.nn.infer.FusedInference;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, with a 1x1 conv + BN shortcut
 * ("downsample", as torchvision) where the stride or the width changes. In eval mode without
 * gradients each conv runs with its BatchNorm (or the folded conv's bias), the residual add and
 * the ReLU in its epilogue ({@link FusedConv}); otherwise as the separate ops above.
 */
public final class BasicBlock extends Module implements ConvBnPairs {
    public BasicBlock(int inChannels, int outChannels, int stride, Random rng) {
        registerModule("conv1", ResNet.conv(inChannels, outChannels, 3, stride, 1, rng));
        registerModule("bn1", new BatchNorm2d(outChannels));
        registerModule("conv2", ResNet.conv(outChannels, outChannels, 3, 1, 1, rng));
        registerModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels) {
            registerModule("downsample", new Sequential(ResNet.conv(inChannels, outChannels, 1, stride, 0, rng), new BatchNorm2d(outChannels)));
        }
    }

    public boolean hasDownsample() {
        return children().containsKey("downsample");
    }

    @Override
    public Tensor forward(Tensor x) {
        if (FusedInference.applies(this)) {
            return fusedForward(x);
        }
        Tensor h = child("bn1").forward(child("conv1").forward(x)).relu();
        h = child("bn2").forward(child("conv2").forward(h));
        Tensor shortcut = hasDownsample() ? child("downsample").forward(x) : x;
        return h.add(shortcut).relu();
    }

    /**
     * Eval without gradients: the shortcut's conv with its BatchNorm in its epilogue, then conv1
     * with bn1 and ReLU in its epilogue and conv2 with bn2, the residual add and the last ReLU in
     * its own, as one pair ({@link FusedConv#forwardPair}: at stride 1 each image goes through
     * both convolutions before the next, and conv1's output is never a tensor).
     */
    private Tensor fusedForward(Tensor x) {
        Tensor shortcut = x;
        if (hasDownsample()) {
            Module d = child("downsample");
            shortcut = d instanceof Sequential s && s.size() == 2
                    ? FusedConv.forward(s.child("0"), s.child("1"), x, null, false)
                    : d.forward(x);
        }
        return FusedConv.forwardPair(child("conv1"), child("bn1"), true, child("conv2"), child("bn2"), x, shortcut, true);
    }

    /** conv1 → bn1 and conv2 → bn2; the shortcut's conv → BN is a Sequential, whose order says it. */
    @Override
    public List<Pair> convBnPairs() {
        return List.of(new Pair("conv1", "bn1"), new Pair("conv2", "bn2"));
    }

    /** The block's first conv. */
    public Conv2d conv1() {
        return (Conv2d) child("conv1");
    }
}
