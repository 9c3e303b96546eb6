package dev.sprig.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Sequential;
import dev.sprig.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX test data (1.12) predates the Gelu operator (opset 20), so Sprig's GELU is checked here
 * against ONNX Runtime's Gelu and against the Erf spelling the exporter writes, over
 * {@code [-12, 12]} in steps of 1/64 (both tails and the bend).
 */
class GeluInOnnxRuntimeTest {
    @TempDir
    Path dir;

    private static Tensor grid() {
        return Tensor.arange(-12f, 12f, 1f / 64).reshape(1, 1, 3, -1);
    }

    private static void assertClose(Tensor actual, Tensor expected) {
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < e.length; i++) {
            assertThat((double) a[i]).as("element %d (expected %s)", i, e[i]).isCloseTo(e[i],
                    org.assertj.core.api.Assertions.within(1e-6 + 1e-5 * Math.abs(e[i])));
        }
    }

    @Test
    void sprigGeluMatchesOnnxRuntimesGeluOperator() throws Exception {
        Tensor x = grid();
        GraphBuilder g = new GraphBuilder();
        g.unique(OnnxExport.INPUT);
        g.node("Gelu", OnnxExport.OUTPUT, List.of(OnnxExport.INPUT));
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int d : x.shape()) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
        g.graph().setName("gelu")
                .addInput(ValueInfoProto.newBuilder().setName(OnnxExport.INPUT).setType(type))
                .addOutput(ValueInfoProto.newBuilder().setName(OnnxExport.OUTPUT).setType(type));
        ModelProto model = ModelProto.newBuilder().setIrVersion(9)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(20)).setGraph(g.graph()).build();
        Path file = dir.resolve("gelu.onnx");
        Files.write(file, model.toByteArray());
        try (OrtRunner ort = new OrtRunner(file)) {
            assertClose(x.gelu(), ort.run(x));
        }
    }

    @Test
    void sprigGeluMatchesTheErfFormTheExporterWrites() throws Exception {
        Tensor x = grid();
        Path file = dir.resolve("gelu-erf.onnx");
        OnnxExport.export(new Sequential(new Layers.GELU()), x.shape(), file);
        try (OrtRunner ort = new OrtRunner(file)) {
            assertClose(x.gelu(), ort.run(x));
        }
    }
}
