package dev.sprig.bench.onnx;

import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The models compared with ONNX Runtime, seeded, in eval mode, with their input {@code [c, h, w]}. */
public enum BenchModel {
    /** CIFAR ResNet-20 (16/32/64 channels) on 3x32x32. */
    RESNET20,
    /** ResNet-20 shrunk to half of every channel group (8/16/32) by slicing its state dict, as pruning leaves it. */
    RESNET20_HALF,
    /** {@link ViTConfig#small}: d=96, 6 blocks of 3 heads x 32, MLP 192, 4x4 patches of 3x32x32 (65 tokens). */
    VIT_SMALL;

    /** The input's {@code [c, h, w]}. */
    public int[] chw() {
        return new int[] {3, 32, 32};
    }

    public Module build() {
        Module m = switch (this) {
            case RESNET20 -> new ResNet(ResNetConfig.resnet20(3, 10), 1);
            case RESNET20_HALF -> halve(new ResNet(ResNetConfig.resnet20(3, 10), 1));
            case VIT_SMALL -> new ViT(ViTConfig.small(3, 32, 4, 10), 1);
        };
        m.eval();
        return m;
    }

    /**
     * Keeps the first half of every channel group: each conv's filters and (but for the image
     * channels) inputs, each BN's statistics, the classifier's inputs. Taking the same first half
     * of every group keeps coupled widths (residual streams, shortcuts) consistent.
     */
    static ResNet halve(ResNet net) {
        int imageChannels = net.config().inChannels();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            if (t.dim() == 4) {                                  // conv [outC, inC, kh, kw]
                t = t.narrow(0, 0, t.size(0) / 2);
                t = t.size(1) == imageChannels ? t : t.narrow(1, 0, t.size(1) / 2);
            } else if (k.equals("fc.weight")) {                  // [classes, in]
                t = t.narrow(1, 0, t.size(1) / 2);
            } else if (t.dim() == 1 && !k.startsWith("fc.")) {  // BN [c]
                t = t.narrow(0, 0, t.size(0) / 2);
            }
            out.put(k, t);
        }
        net.adoptStateDict(out);
        return net;
    }
}
