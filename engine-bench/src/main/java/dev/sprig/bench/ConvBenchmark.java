package dev.sprig.bench;

import dev.sprig.bench.conv.ConvCase;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.conv.Conv2d;
import dev.sprig.kernels.conv.Conv2dShape;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Sprig's conv2d at ResNet layer shapes ({@link ConvCase}): forward, and forward + backward
 * (forward, backwardInput, backwardWeight; the bias gradient is negligible and left out).
 *
 * <p>Besides ops/s, each benchmark reports a {@code gflop} secondary metric in GFLOP per second,
 * counting {@code F = 2*n*outC*outH*outW*inC*kh*kw} for the forward and {@code 3F} for
 * forward + backward (each backward pass is one GEMM of the forward's size).
 * {@code Nd4jConvBenchmark} measures ND4J (oneDNN) on the same shapes and metric.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ConvBenchmark {
    @Param({"B32_C16_32X32", "B32_C32_16X16", "B32_C64_8X8", "B32_C16TO32_S2", "B1_C64_56X56",
            "B64_C4_32X32", "B64_C8_16X16", "B64_C16_8X8", "B1_C8_16X16"})
    public ConvCase shape;

    @Param({"1", "2"})
    public int threads;

    private Conv2dShape s;
    private float[] x;   // [n, inC, h, w]
    private float[] w;   // [outC, inC, kh, kw]
    private float[] b;   // [outC]
    private float[] y;   // [n, outC, outH, outW]
    private float[] dy;  // [n, outC, outH, outW]
    private float[] dx;  // [n, inC, h, w]
    private float[] dw;  // [outC, inC, kh, kw]
    private double forwardGflop;

    /** Floating-point work done, reported per second: JMH prints it as {@code gflop} in GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup
    public void setup() {
        Parallel.setThreads(threads);
        s = shape.shape();
        x = ConvCase.random(s.inputSize(), 1);
        w = ConvCase.random(s.weightSize(), 2);
        b = ConvCase.random(s.outChannels(), 3);
        y = new float[s.outputSize()];
        dy = ConvCase.random(s.outputSize(), 4);
        dx = new float[s.inputSize()];
        dw = new float[s.weightSize()];
        forwardGflop = s.flops() / 1e9;
    }

    @Benchmark
    public float[] forward(Flops f) {
        Conv2d.forward(s, x, w, b, y);
        f.gflop += forwardGflop;
        return y;
    }

    /** A training step's convolution work: forward, dX = col2im(Wᵀ·dY), dW = Σ dY·colᵀ (3x the forward's flops). */
    @Benchmark
    public float[] forwardBackward(Flops f) {
        Conv2d.forward(s, x, w, b, y);
        Conv2d.backwardInput(s, dy, w, dx);
        Conv2d.backwardWeight(s, x, dy, dw);
        f.gflop += 3 * forwardGflop;
        return dw;
    }
}
