package dev.sprig.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.nn.infer.InferenceFusion;
import dev.sprig.onnx.OnnxExport;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference latency of the same model in Sprig (eval-mode forward, no autograd) and in ONNX
 * Runtime (the model exported by {@link OnnxExport}, all graph optimisations on), side by side:
 * {@code sprig} and {@code onnxRuntime} at each model, batch and thread count. Sprig's threads are
 * {@link Parallel#setThreads}, ONNX Runtime's its intra-op pool (inter-op 1, sequential execution).
 * Each timed call includes creating the output (Sprig allocates its activations; ORT its result).
 * With {@code foldBn} Sprig's model has its BatchNorms folded into its convs
 * ({@link InferenceFusion#foldBatchNorm}), as ONNX Runtime folds them when it loads the unfolded
 * export; ONNX Runtime's side is the same either way.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class OnnxRuntimeBenchmark {
    @Param({"RESNET20", "RESNET20_HALF", "VIT_SMALL"})
    public BenchModel model;

    @Param({"1", "64"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    /** Fold Sprig's BatchNorms into its convs (after the export: ONNX Runtime gets the unfolded graph). */
    @Param({"false", "true"})
    public boolean foldBn;

    private Module sprigModel;
    private Tensor x; // [batch, c, h, w]
    private Path file;
    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor ortInput;

    @Setup
    public void setup() throws IOException, OrtException {
        Parallel.setThreads(threads);
        sprigModel = model.build();
        int[] chw = model.chw();
        x = Tensor.randn(42, batch, chw[0], chw[1], chw[2]);
        file = Files.createTempFile("sprig-bench-" + model, ".onnx");
        OnnxExport.export(sprigModel, new int[] {1, chw[0], chw[1], chw[2]}, file);
        if (foldBn) {
            InferenceFusion.foldBatchNorm(sprigModel);
        }
        env = OrtEnvironment.getEnvironment();
        session = OrtSessions.open(env, file, threads);
        long[] shape = {batch, chw[0], chw[1], chw[2]};
        ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()), shape);
    }

    @TearDown
    public void tearDown() throws IOException, OrtException {
        ortInput.close();
        session.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public Tensor sprig() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return sprigModel.forward(x);
        }
    }

    @Benchmark
    public float onnxRuntime() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, ortInput))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            return out.get(0);
        }
    }
}
