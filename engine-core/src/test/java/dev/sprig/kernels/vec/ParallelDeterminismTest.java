package dev.sprig.kernels.vec;

import static dev.sprig.kernels.vec.VecTestSupport.assertBitEqual;
import static dev.sprig.kernels.vec.VecTestSupport.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.kernels.Parallel;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatching entries split large work over threads; every result must be bit-identical on 1,
 * 2 and 3 threads (the split never changes which code computes an element, nor the order of any sum).
 */
class ParallelDeterminismTest {
    /** Above the 2^16 parallel threshold and not a multiple of the 4096 block or of the lane count. */
    private static final int N = (1 << 17) + 37;
    private int savedThreads;

    @BeforeEach
    void save() {
        savedThreads = Parallel.threads();
    }

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    /** Runs {@code compute} on 1, 2 and 3 threads and asserts identical arrays. */
    private static void assertSameOnAnyThreadCount(String what, Supplier<float[][]> compute) {
        Parallel.setThreads(1);
        float[][] one = compute.get();
        for (int t : new int[] {2, 3}) {
            Parallel.setThreads(t);
            float[][] many = compute.get();
            for (int k = 0; k < one.length; k++) {
                assertBitEqual(what + " output " + k + " on " + t + " threads", one[k], 0, many[k], 0, one[k].length);
            }
        }
    }

    @Test
    void elementwiseKernelsAreThreadCountIndependent() {
        SplittableRandom rnd = new SplittableRandom(51);
        float[] x = uniform(rnd, 3, N, -4, 4);
        float[] y = uniform(rnd, 5, N, -4, 4);
        // Warm the vector paths so the transcendental intrinsics (not the Java fallback) are compared.
        VecTestSupport.warm(() -> Activations.geluVector(x, 0, new float[512], 0, 512));
        VecTestSupport.warm(() -> Unary.expVector(x, 0, new float[512], 0, 512));
        assertSameOnAnyThreadCount("elementwise", () -> {
            float[] add = new float[N + 9];
            float[] exp = new float[N + 9];
            float[] gelu = new float[N + 9];
            float[] axpy = y.clone();
            Elementwise.add(x, 3, y, 5, add, 7, N);
            Unary.exp(x, 3, exp, 7, N);
            Activations.gelu(x, 3, gelu, 7, N);
            Elementwise.axpy(0.5f, x, 3, axpy, 5, N);
            return new float[][] {add, exp, gelu, axpy};
        });
        // On one thread the dispatch is exactly the vector twin.
        Parallel.setThreads(2);
        float[] viaDispatch = new float[N];
        float[] viaTwin = new float[N];
        Activations.gelu(x, 3, viaDispatch, 0, N);
        Activations.geluVector(x, 3, viaTwin, 0, N);
        assertBitEqual("gelu dispatch vs vector twin", viaTwin, 0, viaDispatch, 0, N);
    }

    @Test
    void rowKernelsAndColumnReductionsAreThreadCountIndependent() {
        SplittableRandom rnd = new SplittableRandom(52);
        int rows = 300;
        int cols = 2500; // several 1024-column chunks for the dgamma/dbeta and sumOuterInto passes
        float[] x = uniform(rnd, 0, rows * cols, -3, 3);    // [rows, cols]
        float[] dy = uniform(rnd, 0, rows * cols, -1, 1);   // [rows, cols]
        float[] gamma = uniform(rnd, 0, cols, 0.5, 1.5);    // [cols]
        float[] beta = uniform(rnd, 0, cols, -1, 1);        // [cols]
        assertSameOnAnyThreadCount("row kernels", () -> {
            float[] soft = new float[x.length];
            float[] logSoft = new float[x.length];
            float[] softBack = new float[x.length];
            float[] ln = new float[x.length];
            float[] mean = new float[rows];
            float[] rstd = new float[rows];
            float[] dx = new float[x.length];
            float[] dgamma = new float[cols];
            float[] dbeta = new float[cols];
            float[] colSums = new float[cols];
            float[] affine = new float[x.length];
            float[] bias = new float[x.length];
            RowKernels.softmaxRows(x, 0, soft, 0, rows, cols);
            RowKernels.logSoftmaxRows(x, 0, logSoft, 0, rows, cols);
            RowKernels.softmaxBackwardRows(soft, 0, dy, 0, softBack, 0, rows, cols);
            RowKernels.layerNormRows(x, 0, gamma, beta, 1e-5f, ln, 0, mean, rstd, rows, cols);
            RowKernels.layerNormBackwardRows(dy, 0, x, 0, gamma, mean, rstd, dx, 0, dgamma, dbeta, rows, cols);
            Reductions.sumOuterInto(x, 0, rows, cols, colSums, 0);
            Elementwise.affinePerChannel(x, 0, gamma, beta, affine, 0, 2, 150, cols);
            Elementwise.addRowVector(x, 0, beta, 0, bias, 0, rows, cols);
            return new float[][] {soft, logSoft, softBack, ln, mean, rstd, dx, dgamma, dbeta, colSums, affine, bias};
        });
        assertThat(rows * cols).isGreaterThan(1 << 16);
    }
}
