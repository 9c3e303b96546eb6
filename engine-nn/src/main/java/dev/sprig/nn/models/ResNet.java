package dev.sprig.nn.models;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Init;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.infer.ConvBnPairs;
import dev.sprig.nn.infer.FusedConv;
import dev.sprig.nn.infer.FusedInference;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * ResNet of BasicBlocks, named as torchvision: {@code conv1, bn1, [maxpool], layer1..layerK (each a
 * Sequential of blocks "0", "1", ...), fc}. Convs are initialised Kaiming-normal (fan-out),
 * BatchNorm γ=1, β=0, as torchvision. In eval mode without gradients the stem and the blocks run
 * their BatchNorms, ReLUs and residual adds in the convs' epilogues ({@link FusedConv}).
 */
public final class ResNet extends Module implements FeatureExtractor, ConvBnPairs {
    private final ResNetConfig config;

    public ResNet(ResNetConfig config, long seed) {
        this.config = config;
        Random rng = new Random(seed);
        int w0 = config.width(0);
        if (config.stem() == ResNetConfig.Stem.IMAGENET) {
            registerModule("conv1", conv(config.inChannels(), w0, 7, 2, 3, rng));
            registerModule("bn1", new BatchNorm2d(w0));
            registerModule("maxpool", new Layers.MaxPool2d(3, 2, 1));
        } else {
            registerModule("conv1", conv(config.inChannels(), w0, 3, 1, 1, rng));
            registerModule("bn1", new BatchNorm2d(w0));
        }
        int in = w0;
        int[] blocks = config.blocksPerStage();
        for (int s = 0; s < blocks.length; s++) {
            int out = config.width(s);
            Sequential stage = new Sequential();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                stage.add(new BasicBlock(b == 0 ? in : out, out, stride, rng));
            }
            registerModule("layer" + (s + 1), stage);
            in = out;
        }
        registerModule("fc", new Linear(in, config.classes(), true, rng));
    }

    /** A bias-free conv initialised Kaiming-normal with fan-out, as torchvision's ResNet. */
    static Conv2d conv(int in, int out, int kernel, int stride, int padding, Random rng) {
        Conv2d c = new Conv2d(in, out, kernel, stride, padding, false, rng);
        c.weight().set(Init.kaimingNormalFanOut(rng, out * kernel * kernel, out, in, kernel, kernel));
        return c;
    }

    public ResNetConfig config() {
        return config;
    }

    /** Number of stages. */
    public int stages() {
        return config.blocksPerStage().length;
    }

    /** The penultimate features {@code [n, lastWidth]} (after global average pooling). */
    public Tensor features(Tensor x) {
        if (x.dim() != 4 || x.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("ResNet expects input [n, " + config.inChannels() + ", h, w], got " + Shape.str(x.shape()));
        }
        Tensor h = FusedInference.applies(this)
                ? FusedConv.forward(child("conv1"), child("bn1"), x, null, true) // bn1 and ReLU in conv1's epilogue
                : child("bn1").forward(child("conv1").forward(x)).relu();
        if (children().containsKey("maxpool")) {
            h = child("maxpool").forward(h);
        }
        for (int s = 1; s <= stages(); s++) {
            h = child("layer" + s).forward(h);
        }
        return dev.sprig.ops.Functional.globalAvgPool2d(h);
    }

    /** The stem's conv1 → bn1 (the blocks declare their own). */
    @Override
    public List<Pair> convBnPairs() {
        return List.of(new Pair("conv1", "bn1"));
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("fc").forward(features(x));
    }
}
