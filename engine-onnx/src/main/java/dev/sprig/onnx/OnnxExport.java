package dev.sprig.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.sprig.nn.Module;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Sprig model as an ONNX file that ONNX Runtime (or any opset-17 runtime) runs with
 * Sprig's eval-mode outputs: BatchNorm on its running statistics, dropout off.
 *
 * <p>The graph has one input {@value #INPUT} {@code [batch, c, h, w]} whose batch dimension is
 * symbolic and one output {@value #OUTPUT} {@code [batch, classes]}; weights are initializers. Every
 * size comes from the weights' shapes, so pruned models with uneven widths (or fewer heads) export
 * as they run. Opset 17 (the first with LayerNormalization); GELU is the exact form spelt with Erf.
 *
 * <pre>{@code OnnxExport.export(model, new int[] {1, 3, 32, 32}, Path.of("model.onnx"));}</pre>
 */
public final class OnnxExport {
    /** The graph input's name. */
    public static final String INPUT = "input";
    /** The graph output's name. */
    public static final String OUTPUT = "logits";
    /** The default-domain opset the graph imports. */
    public static final int OPSET = 17;
    /** ONNX IR version 8 (ONNX 1.10+): what opset 17 needs, read by every ONNX Runtime since 1.10. */
    static final long IR_VERSION = 8;

    private OnnxExport() {}

    /**
     * Exports {@code model} for inputs of {@code inputShape = [n, c, h, w]} ({@code n} only sizes
     * the trial forward pass: the exported batch is dynamic) to {@code file}, atomically: the bytes
     * go to a temporary file in the same directory, which then replaces {@code file}.
     *
     * @throws IllegalArgumentException for a module type the exporter does not map (naming its path
     *                                  and type) or an input shape the model rejects
     */
    public static void export(Module model, int[] inputShape, Path file) throws IOException {
        byte[] bytes = toBytes(model, inputShape);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The serialized ONNX model (see {@link #export}). */
    public static byte[] toBytes(Module model, int[] inputShape) {
        return toModel(model, inputShape).toByteArray();
    }

    static ModelProto toModel(Module model, int[] inputShape) {
        if (inputShape == null || inputShape.length != 4) {
            throw new IllegalArgumentException("OnnxExport: inputShape must be [n, c, h, w], got "
                    + (inputShape == null ? "null" : Shape.str(inputShape)));
        }
        for (int d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("OnnxExport: every input size must be >= 1, got " + Shape.str(inputShape));
            }
        }
        int[] outShape = trialForward(model, inputShape);
        GraphBuilder g = new GraphBuilder();
        g.unique(INPUT);
        Emitter.Val out = new Emitter(g).emit(model, "", new Emitter.Val(INPUT, 4));
        if (out.rank() != outShape.length) {
            throw new IllegalStateException("OnnxExport: the graph's output has rank " + out.rank() + ", the model's "
                    + Shape.str(outShape));
        }
        g.node("Identity", OUTPUT, List.of(out.name()));
        GraphProto.Builder graph = g.graph().setName(model.getClass().getSimpleName());
        graph.addInput(valueInfo(INPUT, inputShape));
        graph.addOutput(valueInfo(OUTPUT, outShape));
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("sprig")
                .setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    /**
     * Runs the model once in eval mode on zeros of {@code inputShape}, so that an input it rejects
     * fails here with Sprig's own message, and returns the output's shape. Every module's mode is
     * restored afterwards.
     */
    private static int[] trialForward(Module model, int[] inputShape) {
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        model.namedModules().values().forEach(m -> modes.put(m, m.isTraining()));
        model.eval();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return model.forward(Tensor.zeros(inputShape)).shape();
        } finally {
            // Parents come before their children: each train(...) call is then corrected below it.
            modes.forEach(Module::train);
        }
    }

    /** A float tensor value whose first dimension is the symbolic "batch". */
    private static ValueInfoProto valueInfo(String name, int[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int k = 1; k < shape.length; k++) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(shape[k]));
        }
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }
}
