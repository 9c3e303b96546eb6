package dev.sprig.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.LayerNorm;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exported models run in ONNX Runtime give Sprig's eval-mode outputs on batches of 1 and 3:
 * {@code max|ort − sprig| / max|sprig| <= 1e-4}, for dense and shrunk (uneven widths) ResNets of
 * every stem and ViTs with separate and fused qkv.
 */
class OnnxExportTest {
    static final double MAX_RELATIVE_ERROR = 1e-4;

    @TempDir
    Path dir;

    /** A named model and the input shape it takes. */
    record Case(String name, Supplier<Module> model, int[] chw) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Gives the BatchNorms non-trivial running statistics (as after training), so that the export of them shows. */
    private static <M extends Module> M warm(M m, int[] chw) {
        m.train(true);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            m.forward(Tensor.randn(99, 4, chw[0], chw[1], chw[2]).mul(2f).add(0.5f));
        }
        m.eval();
        return m;
    }

    private static ResNet resnet(ResNetConfig config, int[] chw) {
        return warm(new ResNet(config, 7), chw);
    }

    static Stream<Arguments> models() {
        int[] cifar = {3, 32, 32};
        int[] small = {3, 24, 24};
        int[] imagenet = {3, 64, 64};
        int[] vitIn = {3, 32, 32};
        ResNetConfig r18Small = ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL).withWidthMultiplier(0.25f);
        ResNetConfig r18Imagenet = ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.IMAGENET).withWidthMultiplier(0.25f);
        ViTConfig vit = ViTConfig.small(3, 32, 4, 10);
        ViTConfig vitFused = new ViTConfig(3, 32, 4, 10, 64, 3, 4, 16, 128, true);
        return Stream.of(
                new Case("resnet20", () -> resnet(ResNetConfig.resnet20(3, 10), cifar), cifar),
                new Case("resnet20-shrunk", () -> new Shrink(1, 0.3f, 0.9f).resnet(resnet(ResNetConfig.resnet20(3, 10), cifar)), cifar),
                new Case("resnet18-small-stem-w0.25", () -> resnet(r18Small, small), small),
                new Case("resnet18-small-stem-w0.25-shrunk", () -> new Shrink(2, 0.3f, 0.9f).resnet(resnet(r18Small, small)), small),
                new Case("resnet18-imagenet-stem-w0.25", () -> resnet(r18Imagenet, imagenet), imagenet),
                new Case("resnet18-imagenet-stem-w0.25-shrunk", () -> new Shrink(3, 0.3f, 0.9f).resnet(resnet(r18Imagenet, imagenet)), imagenet),
                new Case("vit-small", () -> new ViT(vit, 5), vitIn),
                new Case("vit-small-shrunk", () -> new Shrink(4, 0.4f, 0.9f).vit(new ViT(vit, 5)), vitIn),
                new Case("vit-fused-qkv", () -> new ViT(vitFused, 6), vitIn),
                new Case("vit-fused-qkv-shrunk", () -> new Shrink(5, 0.4f, 0.9f).vit(new ViT(vitFused, 6)), vitIn),
                new Case("sequential-of-layers", OnnxExportTest::layerZoo, new int[] {2, 12, 12})
        ).map(Arguments::of);
    }

    /** Every leaf layer the exporter maps, in a Sequential: the generic path. */
    private static Module layerZoo() {
        Random rng = new Random(3);
        Sequential s = new Sequential(
                new Conv2d(2, 6, 3, 1, 1, true, rng), new BatchNorm2d(6), new Layers.ReLU(), new Layers.MaxPool2d(3, 2, 1),
                new Conv2d(6, 6, 3, 1, 2, 2, 3, false, rng), new Layers.GELU(), new Layers.AvgPool2d(3, 1, 1),
                new Layers.Dropout(0.5f, 1), new Layers.Identity(), new Layers.Flatten(), new Linear(6 * 6 * 6, 8, true, rng),
                new LayerNorm(8), new Linear(8, 5, false, rng));
        return warm(s, new int[] {2, 12, 12});
    }

    /** {@code max|actual − expected| / max|expected|}. */
    static double relativeError(Tensor actual, Tensor expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < e.length; i++) {
            assertThat(a[i]).as("element %d", i).isFinite();
            diff = Math.max(diff, Math.abs((double) a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / scale;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void exportedModelMatchesSprigInOnnxRuntime(Case c) throws Exception {
        Module model = c.model().get();
        model.eval();
        Path file = dir.resolve(c.name() + ".onnx");
        OnnxExport.export(model, new int[] {1, c.chw()[0], c.chw()[1], c.chw()[2]}, file);
        try (OrtRunner ort = new OrtRunner(file)) {
            for (int batch : new int[] {1, 3}) {
                Tensor x = Tensor.randn(batch * 31L, batch, c.chw()[0], c.chw()[1], c.chw()[2]);
                Tensor expected;
                try (GradMode.Scope ignored = GradMode.noGrad()) {
                    expected = model.forward(x);
                }
                double err = relativeError(ort.run(x), expected);
                System.out.printf("%s batch %d: max relative error %.3g%n", c.name(), batch, err);
                assertThat(err).as(c.name() + " batch " + batch).isLessThanOrEqualTo(MAX_RELATIVE_ERROR);
            }
        }
    }

    @Test
    void shrunkModelsReallyHaveUnevenWidths() {
        ResNet r = new Shrink(1, 0.3f, 0.9f).resnet(new ResNet(ResNetConfig.resnet20(3, 10), 7));
        java.util.Set<Integer> innerWidths = new java.util.TreeSet<>();
        for (int s = 1; s <= 3; s++) {
            for (int b = 0; b < 3; b++) {
                Conv2d c1 = (Conv2d) r.get("layer" + s + "." + b + ".conv1");
                assertThat(c1.outChannels()).isLessThan(16 << (s - 1));
                innerWidths.add(c1.outChannels());
            }
        }
        assertThat(innerWidths).as("inner widths of the 9 blocks").hasSizeGreaterThanOrEqualTo(5);
        ViT v = new Shrink(4, 0.4f, 0.9f).vit(new ViT(ViTConfig.small(3, 32, 4, 10), 5));
        assertThat(v.parameter("cls_token").get().size(2)).isLessThan(96);
        assertThat(((ViT.Mlp) v.get("blocks.0.mlp")).hidden()).isNotEqualTo(((ViT.Mlp) v.get("blocks.1.mlp")).hidden());
    }

    @Test
    void graphHasADynamicBatchOpset17AndWeightsAsInitializers() throws IOException {
        ResNet net = new ResNet(ResNetConfig.resnet20(1, 4), 1);
        Path file = dir.resolve("r20.onnx");
        OnnxExport.export(net, new int[] {2, 1, 16, 16}, file);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(17);
        TensorShapeProto in = m.getGraph().getInput(0).getType().getTensorType().getShape();
        assertThat(in.getDim(0).getDimParam()).isEqualTo("batch");
        assertThat(in.getDimList().stream().skip(1).map(TensorShapeProto.Dimension::getDimValue)).containsExactly(1L, 16L, 16L);
        long weights = m.getGraph().getInitializerList().stream().mapToLong(t -> t.getDimsList().stream().reduce(1L, (p, q) -> p * q)).sum();
        long buffers = net.namedBuffers().values().stream().mapToLong(b -> b.get().numel()).sum();
        assertThat(weights).isEqualTo(net.parameterCount() + buffers);
        assertThat(m.getGraph().getOutput(0).getName()).isEqualTo(OnnxExport.OUTPUT);
    }

    @Test
    void exportReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("sub/model.onnx");
        OnnxExport.export(new Sequential(new Layers.Flatten(), new Linear(4, 2, true, new Random(1))), new int[] {1, 1, 2, 2}, file);
        long first = Files.size(file);
        OnnxExport.export(new Sequential(new Layers.Flatten(), new Linear(4, 3, true, new Random(1))), new int[] {1, 1, 2, 2}, file);
        assertThat(Files.size(file)).isGreaterThan(first);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void exportLeavesTrainingModeAndRunningStatisticsAlone() throws IOException {
        ResNet net = new ResNet(ResNetConfig.resnet20(1, 4), 1);
        net.train(true);
        float[] mean = ((BatchNorm2d) net.get("bn1")).runningMean().get().toArray();
        OnnxExport.export(net, new int[] {2, 1, 8, 8}, dir.resolve("m.onnx"));
        assertThat(net.isTraining()).isTrue();
        assertThat(net.get("layer2.0.bn1").isTraining()).isTrue();
        assertThat(((BatchNorm2d) net.get("bn1")).runningMean().get().toArray()).containsExactly(mean);
    }

    /** A module the exporter has no mapping for. */
    static final class Doubler extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(2f);
        }
    }

    @Test
    void unsupportedModuleFailsNamingItsPathAndType() {
        Sequential s = new Sequential(new Layers.ReLU(), new Sequential(new Layers.Identity(), new Doubler()));
        assertThatThrownBy(() -> OnnxExport.export(s, new int[] {1, 1, 2, 2}, dir.resolve("x.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'1.1'")
                .hasMessageContaining(Doubler.class.getName())
                .hasMessageContaining("supported:");
        assertThat(dir.resolve("x.onnx")).doesNotExist();
    }

    @Test
    void inputShapeTheModelRejectsFailsWithSprigsMessage() {
        ViT vit = new ViT(ViTConfig.small(3, 32, 4, 10), 1);
        assertThatThrownBy(() -> OnnxExport.export(vit, new int[] {1, 3, 16, 16}, dir.resolve("v.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ViT expects input [n, 3, 32, 32]");
        assertThatThrownBy(() -> OnnxExport.export(vit, new int[] {3, 32, 32}, dir.resolve("v.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inputShape must be [n, c, h, w], got [3, 32, 32]");
    }
}
