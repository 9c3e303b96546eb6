package dev.sprig.bench.model;

import dev.sprig.kernels.Parallel;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole-model speed: training throughput in images per second at batch 64 (forward, cross-entropy,
 * backward, an SGD step with momentum and weight decay; BatchNorm in training mode), and batch-1
 * inference latency (eval mode, no gradients), for the models of {@link ModelCase}.
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
@State(Scope.Benchmark)
public class ModelBenchmark {
    static final int TRAIN_BATCH = 64;

    /** The benchmarked models and their inputs. */
    public enum ModelCase {
        /** ResNet-20 on Fashion-MNIST-sized input, 10 classes. */
        RESNET20_28X28X1,
        /** ResNet-20 on CIFAR-sized input. */
        RESNET20_32X32X3,
        /** The small ViT (d=96, 6 blocks, 3 heads) on 28x28x1 with 7x7 patches, as {@code sprig train --model vit}. */
        VIT_SMALL_28X28X1;

        int[] input() {
            return this == RESNET20_32X32X3 ? new int[] {3, 32, 32} : new int[] {1, 28, 28};
        }

        Module build() {
            int[] in = input();
            return switch (this) {
                case RESNET20_28X28X1, RESNET20_32X32X3 -> new ResNet(ResNetConfig.resnet20(in[0], 10), 0);
                case VIT_SMALL_28X28X1 -> new ViT(ViTConfig.small(1, 28, 7, 10), 0);
            };
        }
    }

    @Param({"RESNET20_28X28X1", "RESNET20_32X32X3", "VIT_SMALL_28X28X1"})
    public ModelCase model;

    @Param({"1", "2"})
    public int threads;

    private Module net;
    private Sgd sgd;
    private Tensor batch;   // [64, c, h, w]
    private int[] labels;   // [64]
    private Tensor single;  // [1, c, h, w]

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        net = model.build();
        sgd = new Sgd(net.namedParameters(), 0.01f, 0.9f, 5e-4f, true);
        int[] in = model.input();
        batch = Tensor.randn(1, TRAIN_BATCH, in[0], in[1], in[2]);
        single = Tensor.randn(2, 1, in[0], in[1], in[2]);
        labels = new int[TRAIN_BATCH];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
    }

    /** One SGD step on a batch of 64; the score is images per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(TRAIN_BATCH)
    @Warmup(iterations = 3, time = 4)
    @Measurement(iterations = 5, time = 4)
    public float trainStep() {
        net.train(true);
        net.zeroGrad();
        Tensor loss = Functional.crossEntropy(net.forward(batch), labels);
        loss.backward();
        sgd.step();
        return loss.item();
    }

    /** One eval-mode forward of a single image; the score is milliseconds. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public Tensor inferBatch1() {
        net.eval();
        try (GradMode.Scope s = GradMode.noGrad()) {
            return net.forward(single);
        }
    }
}
