package dev.sprig.onnx.conformance;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads ONNX {@code TensorProto}s (raw little-endian bytes or the typed repeated fields) into {@link Value}s. */
final class TensorProtos {
    private TensorProtos() {}

    /** The ONNX name of a {@code TensorProto.DataType} code, for skip reasons. */
    static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        return t == null ? "type " + dataType : t.name();
    }

    /** True for the element types this runner reads: float32 (Sprig's), int32 and int64 (indices, shapes). */
    static boolean readable(int dataType) {
        return dataType == TensorProto.DataType.FLOAT_VALUE || dataType == TensorProto.DataType.INT64_VALUE
                || dataType == TensorProto.DataType.INT32_VALUE;
    }

    static Value read(TensorProto p) throws Unsupported {
        int[] shape = new int[p.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.toIntExact(p.getDims(i));
        }
        int n = Shape.numel(shape);
        if (p.hasDataLocation() && p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new Unsupported("a tensor stores its data externally");
        }
        ByteBuffer raw = p.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !p.getRawData().isEmpty();
        switch (p.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getFloat(4 * i) : p.getFloatData(i);
                }
                return new Value.Floats(Tensor.fromStorage(v, shape));
            }
            case TensorProto.DataType.INT64_VALUE -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getLong(8 * i) : p.getInt64Data(i);
                }
                return new Value.Ints(v, shape);
            }
            case TensorProto.DataType.INT32_VALUE -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getInt(4 * i) : p.getInt32Data(i);
                }
                return new Value.Ints(v, shape);
            }
            default -> throw new Unsupported("a tensor is " + typeName(p.getDataType())
                    + "; Sprig tensors are float32");
        }
    }
}
