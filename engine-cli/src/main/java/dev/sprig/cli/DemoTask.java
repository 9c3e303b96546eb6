package dev.sprig.cli;

import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.Random;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The engine demo: a 2-hidden-layer MLP on seeded Gaussian-mixture data (several blobs per class,
 * so that a linear model cannot separate it), trained with SGD through Sprig's modules and autograd.
 */
final class DemoTask {
    static final int CLASSES = 6;
    static final int FEATURES = 32;
    static final int HIDDEN = 128;
    static final int BATCH = 64;

    record Result(double testAccuracy, double finalLoss, double seconds) {}

    static Result run(long seed, int steps, boolean showBar) {
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

        Sequential net = new Sequential(new Linear(FEATURES, HIDDEN, true, rng), new Layers.ReLU(),
                new Linear(HIDDEN, HIDDEN, true, rng), new Layers.GELU(), new Linear(HIDDEN, CLASSES, true, rng));
        Sgd sgd = new Sgd(net.namedParameters(), 0.05f, 0f, 0f, false);

        long start = System.nanoTime();
        double loss = Double.NaN;
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
                Tensor l = Functional.crossEntropy(net.forward(Tensor.of(xb, BATCH, FEATURES)), yb);
                loss = l.item();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at step " + step);
                }
                l.backward();
                sgd.step();
                sgd.zeroGrad();
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
            Tensor pred = net.eval().forward(Tensor.of(testX, testN, FEATURES)).argmax(1, false);
            for (int i = 0; i < testN; i++) {
                correct += (int) pred.get(i) == testY[i] ? 1 : 0;
            }
        }
        return new Result((double) correct / testN, loss, (System.nanoTime() - start) / 1e9);
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
