package dev.sprig.bench.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;

/** ONNX Runtime sessions as Sprig's benchmarks measure them. */
public final class OrtSessions {
    private OrtSessions() {}

    /**
     * A session on the ONNX file, CPU provider, all graph optimisations, {@code threads} intra-op
     * threads, one inter-op thread and sequential execution (one op at a time, as Sprig runs them).
     */
    public static OrtSession open(OrtEnvironment env, Path file, int threads) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(file.toString(), o);
        }
    }
}
