package dev.sprig.bench;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * ND4J's SGEMM ({@code Nd4j.gemm} into a preallocated C, which reaches OpenBLAS directly; its
 * {@code mmuli} is several times slower) on the shapes of {@link GemmBenchmark}.
 * Scores are calls per second: GFLOP/s = score * 2*M*N*K / 1e9.
 *
 * <p>The thread count is also requested through {@code Nd4j.factory().blas().setMaxThreads} and
 * {@code Nd4j.getEnvironment()}, but the oneDNN builds' OpenMP ignores that: run each thread count
 * with {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} set in the environment (the forks
 * inherit it), as docs/BENCHMARKS.md shows. Only compiled under {@code -Pnd4j}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Nd4jGemmBenchmark {
    @Param({"64", "128", "256", "512", "1024", "64x576x3136"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private INDArray a;  // [m, k]
    private INDArray b;  // [k, n]
    private INDArray c;  // [m, n]

    @Setup
    public void setup() {
        int[] mkn = GemmBenchmark.parseShape(shape);
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        if (Nd4j.factory().blas().getMaxThreads() != threads) {
            throw new IllegalStateException("OpenBLAS runs " + Nd4j.factory().blas().getMaxThreads()
                    + " threads, wanted " + threads);
        }
        Nd4j.getRandom().setSeed(42);
        a = Nd4j.rand(DataType.FLOAT, mkn[0], mkn[1]).subi(0.5f);
        b = Nd4j.rand(DataType.FLOAT, mkn[1], mkn[2]).subi(0.5f);
        c = Nd4j.zeros(DataType.FLOAT, mkn[0], mkn[2]);
    }

    @Benchmark
    public INDArray nd4j() {
        return Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    }
}
