package dev.sprig.bench.prune;

import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.nn.infer.InferenceFusion;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dense against shrunk: one eval-mode forward, without gradients, of a {@link PruneCases.Model}
 * pruned by {@link PruneCases#prune} to each keep ratio and rounding, at batch 1 (latency) and
 * batch 64 (throughput: images/s = 64 000 / score). The score is milliseconds per forward; the
 * measured speedup of a case is the keep-1 score over its score, to be set next to the MAC
 * reduction that {@code PruneCases} prints. At keep 1 both roundings are the same dense model.
 * With {@code foldBn} the BatchNorms are folded into their convs after shrinking
 * ({@link InferenceFusion#foldBatchNorm}; the ViT has none, so it is unchanged).
 *
 * <pre>{@code
 * bin/jmh PruneBenchmark -p model=RESNET20 -p batch=1      # one model at batch 1
 * bin/jmh PruneBenchmark -p threads=2                      # every case on 2 threads
 * bin/jmh PruneBenchmark -p model=RESNET20 -p foldBn=true  # BatchNorm folded into the convs
 * }</pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
// Five warm-up seconds: a ViT's first forward runs interpreted for over a second, and with two
// cores C2's queue of large vector kernels keeps some methods in C1 code for several seconds more.
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class PruneBenchmark {
    static final long INPUT_SEED = 1;

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

    /** Fold each BatchNorm into the conv before it once the model is shrunk. */
    @Param({"false", "true"})
    public boolean foldBn;

    private Module net;
    private Tensor x; // [batch, 3, 32, 32]

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        net = PruneCases.prune(model, keep, roundTo).model();
        if (foldBn) {
            InferenceFusion.foldBatchNorm(net);
        }
        int[] in = model.input();
        x = Tensor.randn(INPUT_SEED, batch, in[0], in[1], in[2]);
    }

    /** One eval-mode forward of the batch; the score is milliseconds. */
    @Benchmark
    public Tensor forward() {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return net.forward(x);
        }
    }
}
