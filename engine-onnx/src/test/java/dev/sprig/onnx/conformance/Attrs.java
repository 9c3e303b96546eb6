package dev.sprig.onnx.conformance;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A node's attributes with ONNX defaults. Every attribute the node carries must be one its
 * translator declared it understands ({@link #allow}); anything else skips the case by name, so
 * that no attribute is silently ignored.
 */
final class Attrs {
    private final String op;
    private final Map<String, AttributeProto> map = new LinkedHashMap<>();

    Attrs(NodeProto node) {
        this.op = node.getOpType();
        for (AttributeProto a : node.getAttributeList()) {
            map.put(a.getName(), a);
        }
    }

    /** Skips the case when the node carries an attribute outside {@code known}. */
    void allow(String... known) throws Unsupported {
        Set<String> ok = Set.of(known);
        for (String name : map.keySet()) {
            if (!ok.contains(name)) {
                throw new Unsupported(op + " attribute '" + name + "' is not mapped to Sprig");
            }
        }
    }

    boolean has(String name) {
        return map.containsKey(name);
    }

    long i(String name, long def) {
        AttributeProto a = map.get(name);
        return a == null ? def : a.getI();
    }

    int i(String name, int def) {
        return Math.toIntExact(i(name, (long) def));
    }

    float f(String name, float def) {
        AttributeProto a = map.get(name);
        return a == null ? def : a.getF();
    }

    String s(String name, String def) {
        AttributeProto a = map.get(name);
        return a == null ? def : a.getS().toStringUtf8();
    }

    /** An INTS attribute, or {@code def} (which may be null) when absent. */
    int[] ints(String name, int[] def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        int[] v = new int[a.getIntsCount()];
        for (int k = 0; k < v.length; k++) {
            v[k] = Math.toIntExact(a.getInts(k));
        }
        return v;
    }

    TensorProto t(String name) {
        AttributeProto a = map.get(name);
        return a == null ? null : a.getT();
    }
}
