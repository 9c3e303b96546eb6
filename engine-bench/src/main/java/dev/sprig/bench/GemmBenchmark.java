package dev.sprig.bench;

import dev.sprig.kernels.gemm.Sgemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
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
 * SGEMM {@code C = A · B} (no transposes, alpha 1, beta 0), Sprig against EJML in the same run.
 *
 * <p>{@code shape} is {@code "S"} for S x S x S or {@code "MxKxN"} (A {@code [M, K]}, B {@code [K, N]});
 * {@code 64x576x3136} is a 3x3 convolution with 64 input and 64 output channels on a 56x56 map
 * lowered to GEMM. Scores are calls per second: GFLOP/s = score * 2*M*N*K / 1e9.
 * {@code sprigLinear} computes {@code C = A · Bᵀ} with B stored {@code [N, K]}, as a Linear layer
 * calls it ({@code y = x · Wᵀ}); {@code 4160x32x24} and {@code 4160x24x48} are the projection and
 * the first MLP layer of a ViT pruned to a quarter of its widths, at batch 64 (64 * 65 tokens):
 * narrow C, whose columns are not whole two-vector tiles.
 * EJML runs {@code CommonOps_FDRM.mult} on one thread and {@code CommonOps_MT_FDRM.mult} with
 * {@code EjmlConcurrency.setMaxThreads(threads)} otherwise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"64", "128", "256", "512", "1024", "64x576x3136", "4160x32x24", "4160x24x48"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private int m;
    private int k;
    private int n;
    private float[] a;  // [m, k]
    private float[] b;  // [k, n], or [n, k] for sprigLinear
    private float[] c;  // [m, n]
    private FMatrixRMaj ea;
    private FMatrixRMaj eb;
    private FMatrixRMaj ec;

    @Setup
    public void setup() {
        int[] mkn = parseShape(shape);
        m = mkn[0];
        k = mkn[1];
        n = mkn[2];
        Random rnd = new Random(42);
        a = random(rnd, m * k);
        b = random(rnd, k * n);
        c = new float[m * n];
        ea = FMatrixRMaj.wrap(m, k, a.clone());
        eb = FMatrixRMaj.wrap(k, n, b.clone());
        ec = new FMatrixRMaj(m, n);
        EjmlConcurrency.setMaxThreads(threads);
    }

    /** "S" → {S, S, S}; "MxKxN" → {M, K, N}. */
    static int[] parseShape(String shape) {
        String[] parts = shape.split("x");
        if (parts.length == 1) {
            int s = Integer.parseInt(parts[0]);
            return new int[] {s, s, s};
        }
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be S or MxKxN, got '" + shape + "'");
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2f - 1f;
        }
        return x;
    }

    @Benchmark
    public float[] sprig() {
        Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, threads);
        return c;
    }

    @Benchmark
    public float[] sprigLinear() {
        Sgemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n, threads);
        return c;
    }

    @Benchmark
    public FMatrixRMaj ejml() {
        if (threads == 1) {
            CommonOps_FDRM.mult(ea, eb, ec);
        } else {
            CommonOps_MT_FDRM.mult(ea, eb, ec);
        }
        return ec;
    }
}
