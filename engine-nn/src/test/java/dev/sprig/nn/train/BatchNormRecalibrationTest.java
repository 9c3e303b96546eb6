package dev.sprig.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.nn.BatchNorm2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Shrinker;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchNormRecalibrationTest {

    /** Batches of {@code [n, c, h, w]} noise, batch k scaled by k+1 and shifted by k: the batches' statistics differ. */
    private static List<Tensor> batches(long seed, int count, int n, int c, int h, int w) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(Tensor.randn(seed + k, n, c, h, w).mul(k + 1f).add((float) k));
        }
        return out;
    }

    /** Per channel of {@code [n, c, ...]}: {mean, unbiased variance}, in double. */
    private static double[][] channelStats(Tensor x) {
        int[] s = x.shape();
        int n = s[0];
        int c = s[1];
        int plane = x.numel() / (n * c);
        float[] d = x.contiguous().rowMajorData(); // [n, c, plane]
        double[][] out = new double[c][2];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    sum += d[(i * c + ch) * plane + p];
                }
            }
            double mean = sum / (n * plane);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    double v = d[(i * c + ch) * plane + p] - mean;
                    ss += v * v;
                }
            }
            out[ch][0] = mean;
            out[ch][1] = ss / (n * plane - 1);
        }
        return out;
    }

    private static Map<String, float[]> parameterValues(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().get().contiguous().rowMajorData().clone());
        }
        return out;
    }

    private static Map<String, Boolean> modes(Module m) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        m.namedModules().forEach((path, x) -> out.put(path, x.isTraining()));
        return out;
    }

    @Test
    void theRunningStatisticsBecomeTheAverageOfTheBatchesMeanAndUnbiasedVariance() {
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1, true, new Random(1));
        BatchNorm2d bn = new BatchNorm2d(3, 0.3f, 1e-5f);
        Sequential model = new Sequential(conv, bn);
        for (int ch = 0; ch < 3; ch++) { // stale statistics, which must not survive
            bn.runningMean().get().set(5f, ch);
            bn.runningVar().get().set(7f, ch);
        }
        List<Tensor> data = batches(10, 3, 4, 2, 5, 5);
        // The reference: the conv's outputs (the BN's inputs) by hand, each batch's statistics averaged with equal weights.
        double[][] expected = new double[3][2];
        double[] ema = {5, 7}; // what the BN's own momentum would give on channel 0: mean, var
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Tensor x : data) {
                double[][] s = channelStats(conv.forward(x));
                for (int ch = 0; ch < 3; ch++) {
                    expected[ch][0] += s[ch][0] / data.size();
                    expected[ch][1] += s[ch][1] / data.size();
                }
                ema[0] = 0.7 * ema[0] + 0.3 * s[0][0];
                ema[1] = 0.7 * ema[1] + 0.3 * s[0][1];
            }
        }
        // Mixed modes, all of which must come back: the root in eval, the conv in training.
        model.eval();
        conv.train(true);
        Map<String, float[]> params = parameterValues(model);

        BatchNormRecalibration.recalibrate(model, data);

        for (int ch = 0; ch < 3; ch++) {
            double mean = bn.runningMean().get().get(ch);
            double var = bn.runningVar().get().get(ch);
            assertThat(mean).as("running mean of channel %d", ch)
                    .isCloseTo(expected[ch][0], within(1e-5 * Math.max(1, Math.abs(expected[ch][0]))));
            assertThat(var).as("running var of channel %d", ch).isCloseTo(expected[ch][1], within(1e-5 * Math.max(1, expected[ch][1])));
        }
        // The batches' statistics differ, so the exponential average of the BN's own momentum is far from the plain one.
        assertThat(Math.abs(ema[0] - expected[0][0]) + Math.abs(ema[1] - expected[0][1])).isGreaterThan(0.5);
        assertThat(bn.momentum()).isEqualTo(0.3f);
        assertThat(model.isTraining()).isFalse();
        assertThat(conv.isTraining()).isTrue();
        assertThat(bn.isTraining()).isFalse();
        Map<String, float[]> after = parameterValues(model);
        params.forEach((name, v) -> assertThat(after.get(name)).as(name).containsExactly(v));
    }

    @Test
    void aModelWithoutBatchNormIsLeftAloneAndOneWithItNeedsABatch() {
        Linear lin = new Linear(4, 2, true, new Random(2));
        Sequential noBn = new Sequential(lin);
        Map<String, float[]> params = parameterValues(noBn);
        assertThat(BatchNormRecalibration.hasBatchNorm(noBn)).isFalse();
        BatchNormRecalibration.recalibrate(noBn, List.of());
        BatchNormRecalibration.recalibrate(noBn, List.of(Tensor.randn(3, 5, 4)));
        params.forEach((name, v) -> assertThat(parameterValues(noBn).get(name)).as(name).containsExactly(v));
        assertThat(noBn.isTraining()).isTrue();

        Sequential withBn = new Sequential(new Conv2d(1, 2, 1, 1, 0, false, new Random(3)), new BatchNorm2d(2));
        assertThat(BatchNormRecalibration.hasBatchNorm(withBn)).isTrue();
        assertThatThrownBy(() -> BatchNormRecalibration.recalibrate(withBn, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one batch");
    }

    /** Passes a BatchNorm's input through, keeping a copy (test-only: the BN stays a child, so recalibration finds it). */
    private static final class Tap extends Module {
        final BatchNorm2d bn;
        final List<Tensor> seen = new ArrayList<>();

        Tap(BatchNorm2d bn) {
            this.bn = registerModule("bn", bn);
        }

        @Override
        public Tensor forward(Tensor x) {
            seen.add(x.detach().contiguous());
            return bn.forward(x);
        }
    }

    /**
     * The largest |mean| and |variance − 1| over every BN channel of the normalised input
     * x̂ = (x − running mean) / √(running var + ε), in eval mode over {@code data}.
     */
    private static double[] worstNormalised(Module model, List<Tap> taps, List<Tensor> data) {
        taps.forEach(t -> t.seen.clear());
        model.eval();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            data.forEach(model::forward);
        }
        double worstMean = 0;
        double worstVar = 0;
        for (Tap t : taps) {
            int c = t.bn.channels();
            double[] sum = new double[c];
            double[] sumSq = new double[c];
            long count = 0;
            for (Tensor x : t.seen) {
                int n = x.shape()[0];
                int plane = x.numel() / (n * c);
                float[] d = x.rowMajorData(); // [n, c, plane]
                for (int i = 0; i < n; i++) {
                    for (int ch = 0; ch < c; ch++) {
                        double mu = t.bn.runningMean().get().get(ch);
                        double sd = Math.sqrt(t.bn.runningVar().get().get(ch) + t.bn.eps());
                        for (int p = 0; p < plane; p++) {
                            double xh = (d[(i * c + ch) * plane + p] - mu) / sd;
                            sum[ch] += xh;
                            sumSq[ch] += xh * xh;
                        }
                    }
                }
                count += (long) n * plane;
            }
            for (int ch = 0; ch < c; ch++) {
                double mean = sum[ch] / count;
                worstMean = Math.max(worstMean, Math.abs(mean));
                worstVar = Math.max(worstVar, Math.abs(sumSq[ch] / count - mean * mean - 1));
            }
        }
        return new double[] {worstMean, worstVar};
    }

    @Test
    void aShrunkResNetsBatchNormsNormaliseItsActivationsAgainAfterRecalibration() {
        ResNet model = new ResNet(ResNetConfig.resnet20(3, 10), 7);
        int[] input = {3, 16, 16};
        // The dense network's statistics, from its own activations on data like the task's.
        BatchNormRecalibration.recalibrate(model, batches(100, 2, 8, 3, 16, 16).stream().map(t -> t.mul(0.5f)).toList());
        PruningGraph graph = PruningGraph.of(model, input);
        Shrinker.shrink(model, graph, PruningMask.random(graph, 3), null);
        List<Tap> taps = new ArrayList<>();
        for (Map.Entry<String, Module> e : new ArrayList<>(model.namedModules().entrySet())) {
            if (e.getValue() instanceof BatchNorm2d bn) {
                Tap t = new Tap(bn);
                model.replace(e.getKey(), t);
                taps.add(t);
            }
        }
        assertThat(taps).hasSizeGreaterThanOrEqualTo(19); // the stem's, two per block, and the downsample shortcuts'
        List<Tensor> data = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            data.add(Tensor.randn(200 + k, 8, 3, 16, 16).mul(0.5f));
        }

        double[] before = worstNormalised(model, taps, data);
        // The shrunk convs lost input channels: the dense statistics no longer fit.
        assertThat(Math.max(before[0], before[1])).as("worst |mean|, |var - 1| before (%s)", java.util.Arrays.toString(before))
                .isGreaterThan(0.5);

        model.train(true);
        Map<String, float[]> params = parameterValues(model);
        Map<String, Boolean> modes = modes(model);
        BatchNormRecalibration.recalibrate(model, data);
        assertThat(modes(model)).isEqualTo(modes);
        Map<String, float[]> after = parameterValues(model);
        params.forEach((name, v) -> assertThat(after.get(name)).as(name).containsExactly(v));

        // Not exactly 0 and 1: the statistics are gathered with the BNs normalising by each batch's own statistics, and
        // evaluated with every BN on its running ones (the worst here is about 0.03 and 0.09, against 1.7 and 1.0 before).
        double[] recalibrated = worstNormalised(model, taps, data);
        assertThat(recalibrated[0]).as("worst |mean of x̂| over the BN channels").isLessThan(0.1);
        assertThat(recalibrated[1]).as("worst |variance of x̂ - 1| over the BN channels").isLessThan(0.2);
    }
}
