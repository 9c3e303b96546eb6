package dev.sprig.bench.prune;

import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.nn.infer.InferenceFusion;
import dev.sprig.nn.infer.Plans;
import dev.sprig.nn.infer.ResNetPlan;
import dev.sprig.nn.infer.ViTPlan;
import dev.sprig.tensor.Tensor;
import java.util.function.UnaryOperator;
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
 * {@link PruneBenchmark}'s cases through a compiled plan ({@link ResNetPlan}, {@link ViTPlan}) instead of
 * the module's forward: the same models, keep ratios, roundings and batches, the forward of a plan
 * made once in setup (what a deployment runs). Named ResNetPlanBenchmark until the ViT had a plan. The score is milliseconds per forward; a case's speedup
 * is the keep-1 score over its score, next to the MAC reduction {@link PruneCases} prints.
 *
 * <pre>{@code
 * bin/jmh PlanBenchmark -p model=VIT -p batch=1
 * }</pre>
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class PlanBenchmark {
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

    /** Fold each BatchNorm into the conv before it before compiling (a ResNet plan folds them into its epilogues either way). */
    @Param({"false"})
    public boolean foldBn;

    private UnaryOperator<Tensor> plan;
    private Tensor x; // [batch, 3, 32, 32]

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        Module net = PruneCases.prune(model, keep, roundTo).model();
        if (foldBn) {
            InferenceFusion.foldBatchNorm(net);
        }
        int[] in = model.input();
        plan = compile(net, model);
        x = Tensor.randn(PruneBenchmark.INPUT_SEED, batch, in[0], in[1], in[2]);
    }

    /** {@code net}'s compiled plan for {@code model}'s input; throws if there is none. */
    static UnaryOperator<Tensor> compile(Module net, PruneCases.Model model) {
        int[] in = model.input();
        UnaryOperator<Tensor> plan = Plans.compile(net, in[0], in[1], in[2]);
        if (plan == null) {
            throw new IllegalStateException("no plan for " + model + " (is -Dsprig.infer.fuse=false set?)");
        }
        return plan;
    }

    /** One forward of the batch through the plan; the score is milliseconds. */
    @Benchmark
    public Tensor forward() {
        return plan.apply(x);
    }
}
