package dev.sprig.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sprig.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Runs an exported ONNX file in ONNX Runtime (one intra-op thread, so results do not depend on the machine). */
final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(Path file) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(file.toString(), options);
        }
    }

    /** The graph output for input {@code x} {@code [n, c, h, w]}, as a Sprig tensor. */
    Tensor run(Tensor x) throws OrtException {
        long[] shape = Arrays.stream(x.shape()).asLongStream().toArray();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()), shape);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, in))) {
            OnnxTensor out = (OnnxTensor) result.get(OnnxExport.OUTPUT).orElseThrow();
            long[] os = out.getInfo().getShape();
            FloatBuffer buf = out.getFloatBuffer();
            float[] y = new float[buf.remaining()];
            buf.get(y);
            return Tensor.fromStorage(y, Arrays.stream(os).mapToInt(Math::toIntExact).toArray());
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
