package dev.sprig.onnx.conformance;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.sprig.tensor.GradMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Runs an ONNX graph node by node (graphs are stored in topological order) on Sprig's ops. */
final class GraphRunner {
    private GraphRunner() {}

    /** All values of the graph after running it on {@code feeds} (graph inputs by name). */
    static Map<String, Value> run(GraphProto graph, Map<String, Value> feeds, int opset) throws Unsupported {
        checkOperators(graph);
        Map<String, Value> values = new HashMap<>(feeds);
        for (TensorProto init : graph.getInitializerList()) {
            values.putIfAbsent(init.getName(), TensorProtos.read(init));
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (NodeProto node : graph.getNodeList()) {
                runNode(node, values, opset);
            }
        }
        return values;
    }

    /** Skips a graph naming every operator in it that is not mapped, before running any node. */
    private static void checkOperators(GraphProto graph) throws Unsupported {
        Set<String> missing = new TreeSet<>();
        for (NodeProto node : graph.getNodeList()) {
            boolean defaultDomain = node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
            if (!defaultDomain || OpTable.get(node.getOpType()) == null) {
                missing.add(defaultDomain ? node.getOpType() : node.getDomain() + "." + node.getOpType());
            }
        }
        if (!missing.isEmpty()) {
            throw new Unsupported("graph uses operators not mapped to Sprig: " + String.join(", ", missing));
        }
    }

    private static void runNode(NodeProto node, Map<String, Value> values, int opset) throws Unsupported {
        OpFn fn = OpTable.get(node.getOpType());
        Value[] inputs = new Value[node.getInputCount()];
        for (int i = 0; i < inputs.length; i++) {
            String name = node.getInput(i);
            if (!name.isEmpty()) {
                inputs[i] = values.get(name);
                if (inputs[i] == null) {
                    throw new IllegalStateException(node.getOpType() + " input '" + name + "' has not been computed");
                }
            }
        }
        int outputs = 0;
        for (int i = 0; i < node.getOutputCount(); i++) {
            if (!node.getOutput(i).isEmpty()) {
                outputs = i + 1;
            }
        }
        Value[] results = fn.apply(new NodeCall(node.getOpType(), new Attrs(node), inputs, outputs, opset));
        for (int i = 0; i < outputs; i++) {
            String name = node.getOutput(i);
            if (!name.isEmpty()) {
                values.put(name, results[i]);
            }
        }
    }
}
