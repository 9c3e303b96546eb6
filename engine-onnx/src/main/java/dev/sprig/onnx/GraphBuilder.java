package dev.sprig.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.sprig.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds an ONNX graph: nodes in topological order (each added after its inputs), weights as
 * initializers, unique value names. Float initializers hold their values as little-endian raw bytes.
 */
final class GraphBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private int counter;

    GraphProto.Builder graph() {
        return graph;
    }

    /** {@code base} if unused, else {@code base_1, base_2, ...}. */
    String unique(String base) {
        String name = base;
        while (!names.add(name)) {
            name = base + "_" + (++counter);
        }
        return name;
    }

    /** A float32 initializer holding a copy of {@code t}'s elements in row-major order; returns its name. */
    String weight(String name, Tensor t) {
        float[] v = t.toArray();
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        TensorProto.Builder p = TensorProto.newBuilder()
                .setName(unique(name))
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (int d : t.shape()) {
            p.addDims(d);
        }
        graph.addInitializer(p);
        return p.getName();
    }

    /** A 0-d float32 initializer. */
    String scalar(String name, float value) {
        return weight(name, Tensor.scalar(value));
    }

    /** A 1-d int64 initializer (shapes, axes, indices); returns its name. */
    String int64s(String name, long... values) {
        TensorProto.Builder p = TensorProto.newBuilder()
                .setName(unique(name))
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            p.addInt64Data(v);
        }
        graph.addInitializer(p);
        return p.getName();
    }

    /** A 0-d int64 initializer (a Gather index that drops the axis). */
    String int64Scalar(String name, long value) {
        TensorProto.Builder p = TensorProto.newBuilder()
                .setName(unique(name))
                .setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(value);
        graph.addInitializer(p);
        return p.getName();
    }

    /** Adds node {@code op} named {@code name} with one output (named after the node); returns the output name. */
    String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
        String nodeName = unique(name);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(nodeName).addAllInput(inputs).addOutput(nodeName);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return nodeName;
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto i(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto f(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }
}
