package dev.sprig.bench.prune;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sprig.bench.onnx.OrtSessions;
import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.onnx.OnnxExport;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * Pruning's speedup in ONNX Runtime next to Sprig's: {@link PruneBenchmark}'s shrunk models,
 * exported by {@link OnnxExport} and run by ONNX Runtime (CPU provider, all graph optimisations,
 * intra-op threads = {@code threads}, sequential execution), and the same model through Sprig's
 * compiled plan ({@code Plans.compile}, as {@link PlanBenchmark}), in one run: each fork sets up
 * both engines and times one of them. A case's speedup is the
 * keep-1 score over its score, for each engine, next to the MAC reduction {@link PruneCases}
 * prints. Setup checks that both engines give the same logits ({@code |ORT − Sprig| <= 1e-4 x
 * max |Sprig logit|} over the batch), so both time the same model.
 *
 * <pre>{@code
 * bin/jmh OnnxPruneBenchmark -p model=VIT
 * }</pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class OnnxPruneBenchmark {
    /** The largest |ORT − Sprig| allowed, relative to the largest |logit|. */
    static final double AGREEMENT = 1e-4;

    @Param({"RESNET20", "RESNET18", "VIT"})
    public PruneCases.Model model;

    @Param({"1.0", "0.75", "0.5", "0.25"})
    public double keep;

    @Param({"1", "8"})
    public int roundTo;

    @Param({"1", "64"})
    public int batch;

    @Param({"1"})
    public int threads;

    private UnaryOperator<Tensor> plan;
    private Tensor x; // [batch, 3, 32, 32]
    private Path file;
    private OrtSession session;
    private OnnxTensor ortInput;

    @Setup
    public void setup() throws IOException, OrtException {
        Parallel.setThreads(threads);
        Module net = PruneCases.prune(model, keep, roundTo).model();
        int[] in = model.input();
        plan = PlanBenchmark.compile(net, model);
        x = Tensor.randn(PruneBenchmark.INPUT_SEED, batch, in[0], in[1], in[2]);
        file = Files.createTempFile("sprig-prune-" + model + "-" + keep + "-" + roundTo, ".onnx");
        try {
            OnnxExport.export(net, new int[] {1, in[0], in[1], in[2]}, file);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            session = OrtSessions.open(env, file, threads);
            ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()), new long[] {batch, in[0], in[1], in[2]});
            requireAgreement(plan.apply(x).toArray(), onnxLogits());
        } catch (IOException | OrtException | RuntimeException e) {
            tearDown(); // JMH skips @TearDown when @Setup throws
            throw e;
        }
    }

    private String describe() {
        return model + " keep " + keep + " round " + roundTo + " batch " + batch;
    }

    private float[] onnxLogits() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, ortInput))) {
            FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    private void requireAgreement(float[] sprig, float[] ort) {
        if (sprig.length != ort.length) {
            throw new IllegalStateException("OnnxPruneBenchmark: " + describe() + ": Sprig gave " + sprig.length
                    + " logits, ONNX Runtime " + ort.length);
        }
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < sprig.length; i++) {
            largest = Math.max(largest, Math.abs(sprig[i]));
            worst = Math.max(worst, Math.abs(sprig[i] - ort[i]));
        }
        if (!(worst <= AGREEMENT * Math.max(largest, 1e-30))) { // also fails on NaN
            throw new IllegalStateException("OnnxPruneBenchmark: " + describe() + ": ONNX Runtime's logits differ from Sprig's by "
                    + worst + ", more than " + AGREEMENT + " x the largest |logit|, " + largest);
        }
    }

    @TearDown
    public void tearDown() throws IOException, OrtException {
        try {
            if (ortInput != null) {
                ortInput.close();
            }
            if (session != null) {
                session.close();
            }
        } finally {
            ortInput = null;
            session = null;
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** One forward of the batch through Sprig's plan; the score is milliseconds. */
    @Benchmark
    public Tensor sprigPlan() {
        return plan.apply(x);
    }

    /** One forward of the batch through ONNX Runtime, reading the first logit; the score is milliseconds. */
    @Benchmark
    public float onnxRuntime() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, ortInput))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }
}
