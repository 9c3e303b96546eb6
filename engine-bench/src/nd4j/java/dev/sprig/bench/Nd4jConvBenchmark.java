package dev.sprig.bench;

import dev.sprig.bench.conv.ConvCase;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.conv.Conv2d;
import dev.sprig.kernels.conv.Conv2dShape;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
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
 * ND4J's conv2d on the same shapes and metric as {@link ConvBenchmark}, in its fastest build
 * that runs here: the oneDNN natives for AVX-512 when the CPU exposes it, else for AVX2 (chosen
 * by the javacpp platform extension, see the static initialiser; the classifier packaged is
 * the {@code nd4j.classifier} property of the {@code nd4j} profile). NCHW data, weights
 * {@code [outC, inC, kh, kw]} (OIYX, Sprig's layout).
 *
 * <p>Forward is the {@code conv2d} op ({@link Conv2D}) executed with a preallocated output;
 * forward + backward adds the {@code conv2d_bp} op (input and weight gradients, no bias),
 * also into preallocated arrays. Setup checks ND4J's results against Sprig's kernels, so a
 * misconfigured op (layout, padding) fails loudly instead of benchmarking the wrong thing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class Nd4jConvBenchmark {
    private static final String EXTENSION = "org.bytedeco.javacpp.platform.extension";
    private static final String NATIVES = "/org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64%s/libnd4jcpu.so";

    static {
        // Choose ND4J's fastest natives that are packaged AND run here: the -onednn-avx512 build dies with
        // SIGILL in its static initialisers where AVX-512 is hidden (this 2-core VM exposes only AVX2), so it is
        // taken only when the JVM's preferred vector is 512 bits wide. -Dorg.bytedeco.javacpp.platform.extension=...
        // in -jvmArgsAppend overrides the choice.
        if (System.getProperty(EXTENSION) == null) {
            boolean avx512 = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
            for (String ext : avx512 ? new String[] {"-onednn-avx512", "-onednn-avx2", "-onednn"}
                                     : new String[] {"-onednn-avx2", "-onednn"}) {
                if (Nd4jConvBenchmark.class.getResource(String.format(NATIVES, ext)) != null) {
                    System.setProperty(EXTENSION, ext);
                    break;
                }
            }
        }
    }
    @Param({"B32_C16_32X32", "B32_C32_16X16", "B32_C64_8X8", "B32_C16TO32_S2", "B1_C64_56X56"})
    public ConvCase shape;

    @Param({"1", "2"})
    public int threads;

    private INDArray x;   // [n, inC, h, w]
    private INDArray w;   // [outC, inC, kh, kw]
    private INDArray b;   // [outC]
    private INDArray y;   // [n, outC, outH, outW]
    private INDArray dy;  // [n, outC, outH, outW]
    private INDArray dx;  // [n, inC, h, w]
    private INDArray dw;  // [outC, inC, kh, kw]
    private Conv2D forwardOp;
    private DynamicCustomOp backwardOp;
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
        System.out.println("# javacpp platform extension: " + System.getProperty(EXTENSION));
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Parallel.setThreads(threads);

        Conv2dShape s = shape.shape();
        float[] xs = ConvCase.random(s.inputSize(), 1);
        float[] ws = ConvCase.random(s.weightSize(), 2);
        float[] bs = ConvCase.random(s.outChannels(), 3);
        float[] dys = ConvCase.random(s.outputSize(), 4);
        long[] inShape = {s.n(), s.inChannels(), s.h(), s.w()};
        long[] wShape = {s.outChannels(), s.inPerGroup(), s.kh(), s.kw()};
        long[] outShape = {s.n(), s.outChannels(), s.outH(), s.outW()};
        x = Nd4j.create(xs, inShape, 'c');
        w = Nd4j.create(ws, wShape, 'c');
        b = Nd4j.create(bs, new long[] {s.outChannels()}, 'c');
        dy = Nd4j.create(dys, outShape, 'c');
        y = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, outShape);
        dx = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, inShape);
        dw = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, wShape);

        Conv2DConfig config = Conv2DConfig.builder()
                .kH(s.kh()).kW(s.kw()).sH(s.strideH()).sW(s.strideW())
                .pH(s.padH()).pW(s.padW()).dH(s.dilationH()).dW(s.dilationW())
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX)
                .build();
        forwardOp = new Conv2D(new INDArray[] {x, w, b}, new INDArray[] {y}, config);
        // conv2d_bp takes the forward's integer arguments; inputs (x, w, dy) -> outputs (dx, dw)
        long[] iArgs = forwardOp.iArgs();
        int[] args = new int[iArgs.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = Math.toIntExact(iArgs[i]);
        }
        backwardOp = DynamicCustomOp.builder("conv2d_bp")
                .addInputs(x, w, dy).addOutputs(dx, dw).addIntegerArguments(args).build();
        forwardGflop = s.flops() / 1e9;

        verifyAgainstSprig(s, xs, ws, bs, dys);
    }

    private void verifyAgainstSprig(Conv2dShape s, float[] xs, float[] ws, float[] bs, float[] dys) {
        Nd4j.exec(forwardOp);
        Nd4j.exec(backwardOp);
        float[] ySprig = new float[s.outputSize()];
        float[] dxSprig = new float[s.inputSize()];
        float[] dwSprig = new float[s.weightSize()];
        Conv2d.forward(s, xs, ws, bs, ySprig);
        Conv2d.backwardInput(s, dys, ws, dxSprig);
        Conv2d.backwardWeight(s, xs, dys, dwSprig);
        requireClose("forward y", ySprig, y.data().asFloat(), s.patchSize());
        requireClose("backward dx", dxSprig, dx.data().asFloat(), s.outChannels() * s.kh() * s.kw());
        requireClose("backward dw", dwSprig, dw.data().asFloat(), s.n() * s.outH() * s.outW());
    }

    private static void requireClose(String what, float[] expected, float[] actual, int reduction) {
        float tol = 1e-5f * reduction + 1e-4f;
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new IllegalStateException("ND4J " + what + " disagrees with Sprig at " + i + ": "
                        + actual[i] + " vs " + expected[i]);
            }
        }
    }

    @Benchmark
    public INDArray forward(Flops f) {
        Nd4j.exec(forwardOp);
        f.gflop += forwardGflop;
        return y;
    }

    /** Forward, then conv2d_bp (input and weight gradients): 3x the forward's flops. */
    @Benchmark
    public INDArray forwardBackward(Flops f) {
        Nd4j.exec(forwardOp);
        Nd4j.exec(backwardOp);
        f.gflop += 3 * forwardGflop;
        return dw;
    }
}
