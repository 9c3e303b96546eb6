package dev.sprig.onnx;

import static dev.sprig.onnx.GraphBuilder.f;
import static dev.sprig.onnx.GraphBuilder.i;
import static dev.sprig.onnx.GraphBuilder.ints;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.LayerNorm;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.BasicBlock;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ViT;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Writes a module's eval-mode forward pass into a {@link GraphBuilder}, one ONNX node (or a few)
 * per Sprig op, mirroring each module's {@code forward}. Sizes come from the weights' shapes, so
 * pruned models with uneven widths export as they run. Layers are handled here; the transformer's
 * pieces in {@link TransformerEmitter}.
 */
final class Emitter {
    /** A graph value: its name and rank (which decides, e.g., Gemm or MatMul for a linear layer). */
    record Val(String name, int rank) {}

    /** The modules the exporter maps, for the error message on any other. */
    static final String SUPPORTED = "ResNet, BasicBlock, ViT (and its Block, Mlp), MultiHeadSelfAttention, Sequential, Conv2d, "
            + "BatchNorm2d, LayerNorm, Linear, Layers.{ReLU, GELU, Identity, Dropout, Flatten, GlobalAvgPool, MaxPool2d, AvgPool2d}";

    final GraphBuilder g;
    private final TransformerEmitter transformer;

    Emitter(GraphBuilder g) {
        this.g = g;
        this.transformer = new TransformerEmitter(this);
    }

    /** Emits {@code m} (at dotted {@code path}) applied to {@code x}; returns its output. */
    Val emit(Module m, String path, Val x) {
        return switch (m) {
            case ResNet r -> resnet(r, path, x);
            case BasicBlock b -> basicBlock(b, path, x);
            case ViT v -> transformer.vit(v, path, x);
            case ViT.Block b -> transformer.block(b, path, x);
            case MultiHeadSelfAttention a -> transformer.attention(a, path, x);
            case Sequential s -> chain(s, path, x);
            case ViT.Mlp mlp -> chain(mlp, path, x);
            case Conv2d c -> conv(c, path, x);
            case BatchNorm2d bn -> batchNorm(bn, path, x);
            case LayerNorm ln -> layerNorm(ln, path, x);
            case Linear l -> linear(l, path, x);
            case Layers.ReLU r -> unary("Relu", path, x);
            case Layers.GELU act -> gelu(path, x);
            case Layers.Identity id -> x;
            case Layers.Dropout d -> x; // eval mode: the identity
            case Layers.Flatten fl -> new Val(g.node("Flatten", path, List.of(x.name()), i("axis", 1)), 2);
            case Layers.GlobalAvgPool p -> globalAvgPool(path, x);
            case Layers.MaxPool2d p -> pool("MaxPool", p, path, x);
            case Layers.AvgPool2d p -> pool("AveragePool", p, path, x);
            default -> throw new IllegalArgumentException("OnnxExport: no ONNX mapping for module '" + (path.isEmpty() ? "<root>" : path)
                    + "' of type " + m.getClass().getName() + "; supported: " + SUPPORTED);
        };
    }

    /** Children in registration order, as {@link Sequential#forward} and {@code Mlp.forward} apply them. */
    private Val chain(Module m, String path, Val x) {
        Val h = x;
        for (Map.Entry<String, Module> e : m.children().entrySet()) {
            h = emit(e.getValue(), join(path, e.getKey()), h);
        }
        return h;
    }

    static String join(String path, String child) {
        return path.isEmpty() ? child : path + "." + child;
    }

    Val child(Module parent, String name, String path, Val x) {
        return emit(parent.child(name), join(path, name), x);
    }

    Val unary(String op, String name, Val x) {
        return new Val(g.node(op, name, List.of(x.name())), x.rank());
    }

    Val binary(String op, String name, Val a, String b, int rank) {
        return new Val(g.node(op, name, List.of(a.name(), b)), rank);
    }

    // ------------------------------------------------------------------ ResNet

    /** {@code fc(flatten(gap(layers(maxpool?(relu(bn1(conv1(x))))))))}, as {@link ResNet#forward}. */
    private Val resnet(ResNet r, String path, Val x) {
        Val h = child(r, "bn1", path, child(r, "conv1", path, x));
        h = unary("Relu", join(path, "relu"), h);
        if (r.children().containsKey("maxpool")) {
            h = child(r, "maxpool", path, h);
        }
        for (int s = 1; s <= r.stages(); s++) {
            h = child(r, "layer" + s, path, h);
        }
        h = globalAvgPool(join(path, "avgpool"), h);
        return child(r, "fc", path, h);
    }

    /** {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, as {@link BasicBlock#forward}. */
    private Val basicBlock(BasicBlock b, String path, Val x) {
        Val h = child(b, "bn1", path, child(b, "conv1", path, x));
        h = unary("Relu", join(path, "relu1"), h);
        h = child(b, "bn2", path, child(b, "conv2", path, h));
        Val shortcut = b.hasDownsample() ? child(b, "downsample", path, x) : x;
        Val sum = binary("Add", join(path, "add"), h, shortcut.name(), h.rank());
        return unary("Relu", join(path, "relu2"), sum);
    }

    // ------------------------------------------------------------------ layers

    /** Conv with the weight's own kernel and channel sizes: {@code [outChannels, inChannels/groups, kh, kw]}. */
    private Val conv(Conv2d c, String path, Val x) {
        Tensor w = c.weight().get();
        int[] ws = w.shape();
        String wName = g.weight(join(path, "weight"), w);
        List<String> inputs = c.bias() == null ? List.of(x.name(), wName)
                : List.of(x.name(), wName, g.weight(join(path, "bias"), c.bias().get()));
        int s = c.stride();
        int p = c.padding();
        int d = c.dilation();
        String y = g.node("Conv", path, inputs, ints("kernel_shape", ws[2], ws[3]), ints("strides", s, s),
                ints("pads", p, p, p, p), ints("dilations", d, d), i("group", c.groups()));
        return new Val(y, 4);
    }

    /** Eval-mode batch norm on the running statistics: {@code (x − mean) / √(var + ε) · γ + β}. */
    private Val batchNorm(BatchNorm2d bn, String path, Val x) {
        List<String> inputs = List.of(x.name(), g.weight(join(path, "weight"), bn.weight().get()),
                g.weight(join(path, "bias"), bn.bias().get()), g.weight(join(path, "running_mean"), bn.runningMean().get()),
                g.weight(join(path, "running_var"), bn.runningVar().get()));
        return new Val(g.node("BatchNormalization", path, inputs, f("epsilon", bn.eps())), x.rank());
    }

    /** LayerNormalization (opset 17) over the last dimension. */
    private Val layerNorm(LayerNorm ln, String path, Val x) {
        List<String> inputs = List.of(x.name(), g.weight(join(path, "weight"), ln.parameter("weight").get()),
                g.weight(join(path, "bias"), ln.parameter("bias").get()));
        return new Val(g.node("LayerNormalization", path, inputs, i("axis", -1), f("epsilon", ln.eps())),
                x.rank());
    }

    /**
     * {@code x · Wᵀ + b}: Gemm (transB) on a 2-d input; on a batched {@code [..., in]} input MatMul
     * by {@code Wᵀ} stored transposed, then Add of the bias.
     */
    Val linear(Linear l, String path, Val x) {
        Tensor w = l.weight().get(); // [out, in]
        Tensor b = l.bias() == null ? null : l.bias().get();
        return linear(w, b, path, x);
    }

    Val linear(Tensor w, Tensor b, String path, Val x) {
        if (x.rank() == 2) {
            String wName = g.weight(join(path, "weight"), w);
            List<String> inputs = b == null ? List.of(x.name(), wName) : List.of(x.name(), wName, g.weight(join(path, "bias"), b));
            return new Val(g.node("Gemm", path, inputs, i("transB", 1)), 2);
        }
        String wt = g.weight(join(path, "weight_t"), w.t()); // [in, out]
        Val y = new Val(g.node("MatMul", b == null ? path : join(path, "matmul"), List.of(x.name(), wt)), x.rank());
        return b == null ? y : binary("Add", path, y, g.weight(join(path, "bias"), b), x.rank());
    }

    /** Exact GELU as ONNX's functions spell it: {@code x · ½ · (1 + erf(x / √2))}. */
    Val gelu(String path, Val x) {
        Val scaled = binary("Div", join(path, "div"), x, g.scalar(join(path, "sqrt2"), (float) Math.sqrt(2.0)), x.rank());
        Val erf = unary("Erf", join(path, "erf"), scaled);
        Val onePlus = binary("Add", join(path, "add"), erf, g.scalar(join(path, "one"), 1f), x.rank());
        Val times = binary("Mul", join(path, "mul"), x, onePlus.name(), x.rank());
        return binary("Mul", path, times, g.scalar(join(path, "half"), 0.5f), x.rank());
    }

    /** {@code [n, c, h, w] -> [n, c]}: GlobalAveragePool then Flatten. */
    private Val globalAvgPool(String path, Val x) {
        String pooled = g.node("GlobalAveragePool", path, List.of(x.name()));
        return new Val(g.node("Flatten", join(path, "flatten"), List.of(pooled), i("axis", 1)), 2);
    }

    /** Square window, floor-mode output size (ceil_mode 0); average pooling counts the padding, as Sprig's layer. */
    private Val pool(String op, Module p, String path, Val x) {
        int k = p instanceof Layers.MaxPool2d mp ? mp.kernel() : ((Layers.AvgPool2d) p).kernel();
        int s = p instanceof Layers.MaxPool2d mp ? mp.stride() : ((Layers.AvgPool2d) p).stride();
        int pad = p instanceof Layers.MaxPool2d mp ? mp.padding() : ((Layers.AvgPool2d) p).padding();
        if (op.equals("MaxPool")) {
            return new Val(g.node(op, path, List.of(x.name()), ints("kernel_shape", k, k), ints("strides", s, s),
                    ints("pads", pad, pad, pad, pad)), 4);
        }
        return new Val(g.node(op, path, List.of(x.name()), ints("kernel_shape", k, k), ints("strides", s, s),
                ints("pads", pad, pad, pad, pad), i("count_include_pad", 1)), 4);
    }
}
