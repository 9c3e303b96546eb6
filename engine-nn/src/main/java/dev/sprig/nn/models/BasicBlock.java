package dev.sprig.nn.models;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.infer.ConvBnPairs;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, with a 1x1 conv + BN shortcut
 * ("downsample", as torchvision) where the stride or the width changes.
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
        Tensor h = child("bn1").forward(child("conv1").forward(x)).relu();
        h = child("bn2").forward(child("conv2").forward(h));
        Tensor shortcut = hasDownsample() ? child("downsample").forward(x) : x;
        return h.add(shortcut).relu();
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
