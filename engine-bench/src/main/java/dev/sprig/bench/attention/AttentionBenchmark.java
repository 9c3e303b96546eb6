package dev.sprig.bench.attention;

import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.attention.Attention;
import java.util.Random;
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
 * {@link Attention#forward} as the ViT calls it at batch 64: q, k and v the three column thirds of
 * one fused qkv projection {@code [b·t, 3·heads·hd]}, o {@code [b·t, heads·hd]}, scale 1/√hd, on
 * one thread. {@code heads} 3 is {@code ViTConfig.small}, 1 a ViT pruned to one head per block.
 * The score is microseconds per call (all {@code batch·heads} heads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class AttentionBenchmark {
    @Param({"64"})
    public int batch;

    @Param({"65"})
    public int tokens;

    @Param({"1", "3"})
    public int heads;

    @Param({"32"})
    public int headDim;

    private float[] qkv;  // [batch·tokens, 3·heads·headDim]
    private float[] o;    // [batch·tokens, heads·headDim]
    private int width;
    private float scale;

    @Setup
    public void setup() {
        Parallel.setThreads(1);
        width = heads * headDim;
        scale = (float) (1 / Math.sqrt(headDim));
        Random rnd = new Random(42);
        qkv = new float[batch * tokens * 3 * width];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) rnd.nextGaussian();
        }
        o = new float[batch * tokens * width];
    }

    @Benchmark
    public float[] forward() {
        Attention.forward(batch, tokens, heads, headDim, scale, qkv, 0, 3 * width, qkv, width, 3 * width, qkv, 2 * width, 3 * width,
                o, 0, width);
        return o;
    }
}
