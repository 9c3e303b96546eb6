package dev.sprig.method.experiment;

import dev.sprig.nn.Module;
import dev.sprig.nn.infer.Plans;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Batch-1 forward latency inside an experiment: eval mode, no gradients, after warm-up, the median
 * of repeated timings. A ResNet or a ViT is timed through its compiled plan ({@link Plans#compile}),
 * as it would be deployed (bit for bit its forward; not under {@code -Dsprig.infer.fuse=false}). For the report's
 * side-by-side of methods; the careful numbers come from JMH (engine-bench).
 */
public final class Latency {
    private Latency() {}

    /** Median milliseconds of {@code repeats} forwards of one {@code inputShape} image after {@code warmup} untimed ones. */
    public static double medianMs(Module model, int[] inputShape, int warmup, int repeats) {
        if (repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("latency needs repeats >= 1 and warmup >= 0, got " + repeats + " and " + warmup);
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = 1;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        Tensor x = Tensor.randn(0, shape);
        boolean wasTraining = model.isTraining();
        model.eval();
        double[] ms = new double[repeats];
        try (GradMode.Scope g = GradMode.noGrad()) {
            UnaryOperator<Tensor> forward = inputShape.length == 3 ? Plans.compile(model, inputShape[0], inputShape[1], inputShape[2]) : null;
            if (forward == null) {
                forward = model::forward;
            }
            for (int i = 0; i < warmup; i++) {
                forward.apply(x);
            }
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                forward.apply(x);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        } finally {
            model.train(wasTraining);
        }
        Arrays.sort(ms);
        return repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
    }
}
