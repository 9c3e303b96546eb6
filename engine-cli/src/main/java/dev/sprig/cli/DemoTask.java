package dev.sprig.cli;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.Random;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The engine demo: a 2-hidden-layer MLP on seeded Gaussian-mixture data (several blobs per class,
 * so that a linear model cannot separate it), trained with plain SGD through Sprig's autograd.
 */
final class DemoTask {
    static final int CLASSES = 6;
    static final int FEATURES = 32;
    static final int HIDDEN = 128;
    static final int BATCH = 64;

    record Result(double testAccuracy, double finalLoss, double seconds) {}

    interface Progress {
        void step(int done, int total);
    }

    static Result run(long seed, int steps, Progress progress, boolean showBar) {
        Random rng = new Random(seed);
        // Two blob centres per class in FEATURES dims.
        float[][] centres = new float[CLASSES * 2][FEATURES];
        for (float[] c : centres) {
            for (int j = 0; j < FEATURES; j++) {
                c[j] = (float) rng.nextGaussian() * 1.2f;
            }
        }
        int trainN = 4096;
        int testN = 1024;
        float[] trainX = new float[trainN * FEATURES];
        int[] trainY = new int[trainN];
        float[] testX = new float[testN * FEATURES];
        int[] testY = new int[testN];
        sample(rng, centres, trainX, trainY);
        sample(rng, centres, testX, testY);

        Tensor w1 = Tensor.normal(rng, 0f, (float) Math.sqrt(2.0 / FEATURES), HIDDEN, FEATURES).requiresGrad(true);
        Tensor b1 = Tensor.zeros(HIDDEN).requiresGrad(true);
        Tensor w2 = Tensor.normal(rng, 0f, (float) Math.sqrt(2.0 / HIDDEN), HIDDEN, HIDDEN).requiresGrad(true);
        Tensor b2 = Tensor.zeros(HIDDEN).requiresGrad(true);
        Tensor w3 = Tensor.normal(rng, 0f, (float) Math.sqrt(1.0 / HIDDEN), CLASSES, HIDDEN).requiresGrad(true);
        Tensor b3 = Tensor.zeros(CLASSES).requiresGrad(true);
        Tensor[] params = {w1, b1, w2, b2, w3, b3};

        long start = System.nanoTime();
        double loss = Double.NaN;
        float lr = 0.05f;
        ProgressBar bar = showBar ? new ProgressBarBuilder().setTaskName("train").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).continuousUpdate().build() : null;
        try {
            float[] xb = new float[BATCH * FEATURES];
            int[] yb = new int[BATCH];
            for (int step = 0; step < steps; step++) {
                for (int i = 0; i < BATCH; i++) {
                    int k = rng.nextInt(trainN);
                    System.arraycopy(trainX, k * FEATURES, xb, i * FEATURES, FEATURES);
                    yb[i] = trainY[k];
                }
                Tensor x = Tensor.of(xb, BATCH, FEATURES);
                Tensor logits = forward(x, params);
                Tensor l = Functional.crossEntropy(logits, yb);
                loss = l.item();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at step " + step);
                }
                l.backward();
                for (Tensor p : params) {
                    float[] d = p.storage();
                    float[] g = p.grad().rowMajorData();
                    for (int i = 0; i < d.length; i++) {
                        d[i] -= lr * g[i];
                    }
                    p.zeroGrad();
                }
                progress.step(step + 1, steps);
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format("loss %.3f", loss));
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        int correct = 0;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor pred = forward(Tensor.of(testX, testN, FEATURES), params).argmax(1, false);
            for (int i = 0; i < testN; i++) {
                correct += (int) pred.get(i) == testY[i] ? 1 : 0;
            }
        }
        return new Result((double) correct / testN, loss, (System.nanoTime() - start) / 1e9);
    }

    private static Tensor forward(Tensor x, Tensor[] p) {
        Tensor h = Functional.linear(x, p[0], p[1]).relu();
        h = Functional.linear(h, p[2], p[3]).gelu();
        return Functional.linear(h, p[4], p[5]);
    }

    private static void sample(Random rng, float[][] centres, float[] x, int[] y) {
        for (int i = 0; i < y.length; i++) {
            int blob = rng.nextInt(centres.length);
            y[i] = blob % CLASSES;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = centres[blob][j] + (float) rng.nextGaussian();
            }
        }
    }
}
