package dev.sprig.onnx.conformance;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One ONNX backend test case: {@code <dir>/model.onnx} and data sets
 * {@code test_data_set_k/{input,output}_i.pb}, the i-th file of each being the i-th graph input or
 * output.
 *
 * @param operator the op type of a one-node graph; for a function-expanded case ({@code *_expanded},
 *                 several nodes) the op type of the case it expands; else the node op types
 * @param expanded whether this is the multi-node, function-expanded form of {@code operator}
 */
record ConformanceCase(String name, Path dir, ModelProto model, String operator, boolean expanded) {

    static ConformanceCase load(Path dir) throws IOException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        String name = dir.getFileName().toString();
        List<NodeProto> nodes = model.getGraph().getNodeList();
        if (nodes.size() == 1) {
            return new ConformanceCase(name, dir, model, nodes.get(0).getOpType(), false);
        }
        Path base = dir.resolveSibling(name.replaceFirst("_expanded$", ""));
        if (name.endsWith("_expanded") && Files.isRegularFile(base.resolve("model.onnx"))) {
            List<NodeProto> baseNodes = ModelProto.parseFrom(Files.readAllBytes(base.resolve("model.onnx"))).getGraph().getNodeList();
            if (baseNodes.size() == 1) {
                return new ConformanceCase(name, dir, model, baseNodes.get(0).getOpType(), true);
            }
        }
        Set<String> ops = new TreeSet<>();
        nodes.forEach(n -> ops.add(n.getOpType()));
        return new ConformanceCase(name, dir, model, "graph" + ops, false);
    }

    /** The default-domain opset the model imports. */
    int opset() {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return (int) o.getVersion();
            }
        }
        throw new IllegalArgumentException(name + " imports no default-domain opset");
    }

    /** The graph's inputs that are fed (not initializers), in order. */
    List<ValueInfoProto> feeds() {
        GraphProto g = model.getGraph();
        Set<String> inits = new TreeSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        return g.getInputList().stream().filter(v -> !inits.contains(v.getName())).toList();
    }

    /** Element type of the first fed input (0 when it is not a tensor). */
    int firstInputType() {
        List<ValueInfoProto> f = feeds();
        return f.isEmpty() ? 0 : f.get(0).getType().getTensorType().getElemType();
    }

    /** The data set directories, sorted. */
    List<Path> dataSets() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        }
    }

    /** Skips the case when a graph input or output is not a tensor of a type this runner reads. */
    void checkTypes() throws Unsupported {
        List<ValueInfoProto> all = new ArrayList<>(feeds());
        all.addAll(model.getGraph().getOutputList());
        for (ValueInfoProto v : all) {
            if (!v.getType().hasTensorType()) {
                throw new Unsupported("a graph value is a " + v.getType().getValueCase() + ", not a tensor");
            }
            int t = v.getType().getTensorType().getElemType();
            if (!TensorProtos.readable(t)) {
                throw new Unsupported("a graph value is " + TensorProtos.typeName(t) + "; Sprig tensors are float32");
            }
        }
    }

    /** Reads {@code prefix_0.pb, prefix_1.pb, ...} of a data set, keyed by the matching graph value names. */
    static Map<String, Value> read(Path set, String prefix, List<ValueInfoProto> slots) throws IOException, Unsupported {
        Map<String, Value> out = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            Path f = set.resolve(prefix + "_" + i + ".pb");
            if (!Files.isRegularFile(f)) {
                throw new IllegalStateException(set + " lacks " + f.getFileName() + " for graph value '" + slots.get(i).getName() + "'");
            }
            out.put(slots.get(i).getName(), TensorProtos.read(TensorProto.parseFrom(Files.readAllBytes(f))));
        }
        return out;
    }
}
