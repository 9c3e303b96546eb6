package dev.sprig.onnx.conformance;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The ONNX operators (default domain) this runner maps onto Sprig, by op type. */
final class OpTable {
    private static final Map<String, OpFn> OPS = build();

    private OpTable() {}

    private static Map<String, OpFn> build() {
        Map<String, OpFn> t = new TreeMap<>();
        ElementwiseOps.register(t);
        ShapeOps.register(t);
        ReduceOps.register(t);
        NnOps.register(t);
        PoolOps.register(t);
        return Map.copyOf(t);
    }

    static OpFn get(String op) {
        return OPS.get(op);
    }

    static Set<String> operators() {
        return OPS.keySet();
    }
}
