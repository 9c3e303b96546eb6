package dev.sprig.bench;

import dev.sprig.kernels.vec.Activations;
import dev.sprig.kernels.vec.Elementwise;
import dev.sprig.kernels.vec.Reductions;
import dev.sprig.kernels.vec.RowKernels;
import dev.sprig.kernels.vec.Unary;
import java.util.SplittableRandom;
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
 * SIMD speedup of representative {@code dev.sprig.kernels.vec} kernels: each at 1k, 64k and 1M
 * floats, through the single-threaded vector path ({@code vector}), its scalar twin
 * ({@code scalar}) and the dispatching entry that may split over the shared pool
 * ({@code dispatch}, used for lengths >= 2^16). Row kernels use rows of {@code cols} columns, or of
 * min(length, 1024) at {@code cols=0} (the default); a pruned ViT's rows are 24-72 wide
 * ({@code -p length=99840 -p cols=24} is its layer norm at batch 64: 4160 rows of 24).
 * Reported as average time per call; divide the length by it for elements per microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ElementwiseBenchmark {
    @Param({"1024", "65536", "1048576"})
    public int length;

    @Param({"vector", "scalar", "dispatch"})
    public String impl;

    /** Columns of the row kernels' rows; 0 for min(length, 1024). Must divide length. */
    @Param({"0"})
    public int cols;

    private float[] x;   // [length]
    private float[] y;   // [length]
    private float[] out; // [length]
    private float[] gamma; // [cols]
    private float[] beta;  // [cols]
    private float[] mean;  // [rows]
    private float[] rstd;  // [rows]
    private int rows;
    private int mode;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        x = new float[length];
        y = new float[length];
        out = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (rnd.nextDouble() * 8 - 4);
            y[i] = (float) (rnd.nextDouble() * 8 - 4);
        }
        if (cols == 0) {
            cols = Math.min(length, 1024);
        }
        if (cols < 0 || length % cols != 0) {
            throw new IllegalArgumentException("cols=" + cols + " must be positive and divide length=" + length);
        }
        rows = length / cols;
        gamma = new float[cols];
        beta = new float[cols];
        java.util.Arrays.fill(gamma, 1.1f);
        java.util.Arrays.fill(beta, 0.1f);
        mean = new float[rows];
        rstd = new float[rows];
        mode = switch (impl) {
            case "vector" -> 0;
            case "scalar" -> 1;
            case "dispatch" -> 2;
            default -> throw new IllegalArgumentException("impl must be vector, scalar or dispatch, got " + impl);
        };
    }

    @Benchmark
    public float[] add() {
        switch (mode) {
            case 0 -> Elementwise.addVector(x, 0, y, 0, out, 0, length);
            case 1 -> Elementwise.addScalar(x, 0, y, 0, out, 0, length);
            default -> Elementwise.add(x, 0, y, 0, out, 0, length);
        }
        return out;
    }

    @Benchmark
    public float[] exp() {
        switch (mode) {
            case 0 -> Unary.expVector(x, 0, out, 0, length);
            case 1 -> Unary.expScalar(x, 0, out, 0, length);
            default -> Unary.exp(x, 0, out, 0, length);
        }
        return out;
    }

    @Benchmark
    public float[] gelu() {
        switch (mode) {
            case 0 -> Activations.geluVector(x, 0, out, 0, length);
            case 1 -> Activations.geluScalar(x, 0, out, 0, length);
            default -> Activations.gelu(x, 0, out, 0, length);
        }
        return out;
    }

    @Benchmark
    public float sum() {
        return switch (mode) {
            case 0 -> Reductions.sumVector(x, 0, length);
            case 1 -> Reductions.sumScalar(x, 0, length);
            default -> Reductions.sum(x, 0, length);
        };
    }

    @Benchmark
    public float[] softmaxRows() {
        switch (mode) {
            case 0 -> RowKernels.softmaxRowsVector(x, 0, out, 0, rows, cols);
            case 1 -> RowKernels.softmaxRowsScalar(x, 0, out, 0, rows, cols);
            default -> RowKernels.softmaxRows(x, 0, out, 0, rows, cols);
        }
        return out;
    }

    @Benchmark
    public float[] layerNormRows() {
        switch (mode) {
            case 0 -> RowKernels.layerNormRowsVector(x, 0, gamma, beta, 1e-5f, out, 0, mean, rstd, rows, cols);
            case 1 -> RowKernels.layerNormRowsScalar(x, 0, gamma, beta, 1e-5f, out, 0, mean, rstd, rows, cols);
            default -> RowKernels.layerNormRows(x, 0, gamma, beta, 1e-5f, out, 0, mean, rstd, rows, cols);
        }
        return out;
    }

    @Benchmark
    public float[] addRowVector() {
        switch (mode) {
            case 0 -> Elementwise.addRowVectorVector(x, 0, gamma, 0, out, 0, rows, cols);
            case 1 -> Elementwise.addRowVectorScalar(x, 0, gamma, 0, out, 0, rows, cols);
            default -> Elementwise.addRowVector(x, 0, gamma, 0, out, 0, rows, cols);
        }
        return out;
    }

    /** A linear layer's epilogue on its [rows, cols] output: bias, then GELU (fc1 of a ViT block); includes copying x into out first. */
    @Benchmark
    public float[] linearEpilogueGelu() {
        System.arraycopy(x, 0, out, 0, length);
        switch (mode) {
            case 0 -> Activations.linearEpilogueVector(out, 0, gamma, true, null, 0, rows, cols);
            case 1 -> Activations.linearEpilogueScalar(out, 0, gamma, true, null, 0, rows, cols);
            default -> Activations.linearEpilogue(out, 0, gamma, true, null, 0, rows, cols);
        }
        return out;
    }

    /** Bias and residual add (the attention projection and fc2 of a ViT block); includes copying x into out first. */
    @Benchmark
    public float[] linearEpilogueResidual() {
        System.arraycopy(x, 0, out, 0, length);
        switch (mode) {
            case 0 -> Activations.linearEpilogueVector(out, 0, gamma, false, y, 0, rows, cols);
            case 1 -> Activations.linearEpilogueScalar(out, 0, gamma, false, y, 0, rows, cols);
            default -> Activations.linearEpilogue(out, 0, gamma, false, y, 0, rows, cols);
        }
        return out;
    }
}
