package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.kernels.Parallel;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Op-level results (forward and gradients) are bit-identical on 1, 2 and 3 threads. */
class ThreadingTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    private static List<float[]> convNetStep() {
        Tensor x = Tensor.randn(1, 8, 16, 20, 20).requiresGrad(true);
        Tensor w1 = Tensor.randn(2, 32, 16, 3, 3).mul(0.1f).requiresGrad(true);
        Tensor w2 = Tensor.randn(3, 32, 1, 3, 3).mul(0.1f).requiresGrad(true);
        Tensor fc = Tensor.randn(4, 10, 32).mul(0.1f).requiresGrad(true);
        Tensor h = Functional.conv2d(x, w1, null, 1, 1).relu();
        h = Functional.conv2d(h, w2, null, 2, 2, 1, 1, 1, 1, 32); // depthwise, stride 2
        h = Functional.maxPool2d(h, 2, 2, 0);
        Tensor logits = Functional.linear(Functional.globalAvgPool2d(h), fc, null);
        Tensor attn = Functional.softmax(logits.matmul(logits.t()), -1).sum();
        Tensor loss = Functional.crossEntropy(logits, new int[] {0, 1, 2, 3, 4, 5, 6, 7}).add(attn);
        loss.backward();
        return List.of(logits.toArray(), x.grad().toArray(), w1.grad().toArray(), w2.grad().toArray(), fc.grad().toArray());
    }

    private static List<float[]> with(int threads, Supplier<List<float[]>> f) {
        Parallel.setThreads(threads);
        return f.get();
    }

    @Test
    void convNetForwardAndBackwardAreIdenticalAcrossThreadCounts() {
        List<float[]> one = with(1, ThreadingTest::convNetStep);
        for (int t : new int[] {2, 3}) {
            List<float[]> many = with(t, ThreadingTest::convNetStep);
            for (int i = 0; i < one.size(); i++) {
                assertThat(many.get(i)).as("output %d on %d threads", i, t).containsExactly(one.get(i));
            }
        }
    }
}
