package dev.sprig.method;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.FeatureExtractor;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;

/**
 * A task as the frozen pre-trained model sees it: the mean penultimate feature of each class (the
 * class prototypes) and the mean feature of the whole sample.
 *
 * @param prototypes {@code [k][f]}: class i's mean feature
 * @param mean       {@code [f]}: the mean feature over all images of the sample
 */
public record TaskEmbedding(float[][] prototypes, float[] mean) {
    public TaskEmbedding {
        if (prototypes.length == 0) {
            throw new IllegalArgumentException("a task embedding needs at least one class prototype");
        }
        int f = mean.length;
        for (int i = 0; i < prototypes.length; i++) {
            if (prototypes[i].length != f) {
                throw new IllegalArgumentException("prototype " + i + " has " + prototypes[i].length + " features, the mean " + f);
            }
        }
        float[][] copy = new float[prototypes.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = prototypes[i].clone();
        }
        prototypes = copy;
        mean = mean.clone();
    }

    public int classes() {
        return prototypes.length;
    }

    public int features() {
        return mean.length;
    }

    @Override
    public float[][] prototypes() {
        float[][] copy = new float[prototypes.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = prototypes[i].clone();
        }
        return copy;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    float[] prototype(int i) {
        return prototypes[i];
    }

    float[] meanView() {
        return mean;
    }

    /**
     * Embeds a task: runs {@code model} (frozen: eval mode, no gradients; its mode is restored) over
     * {@code sample} (labels {@code 0..k-1}, every class present) and averages the features per class.
     */
    public static TaskEmbedding of(Module model, LabeledImages sample, Normalize norm) {
        if (!(model instanceof FeatureExtractor fx)) {
            throw new IllegalArgumentException("task embeddings need a model with penultimate features (ResNet, ViT), got "
                    + model.getClass().getSimpleName());
        }
        int k = sample.classes();
        int[] counts = sample.classCounts();
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                throw new IllegalArgumentException("class " + c + " of " + k + " has no image in the sample; every class needs one");
            }
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        double[][] sums = null;
        double[] all = null;
        DataLoader loader = DataLoader.builder(sample, 128).shuffle(false).normalize(norm).build();
        try (GradMode.Scope g = GradMode.noGrad(); DataLoader.Batches batches = loader.epoch(0)) {
            while (batches.hasNext()) {
                DataLoader.Batch b = batches.next();
                Tensor feats = fx.features(b.images()); // [n, f]
                int f = feats.size(1);
                if (sums == null) {
                    sums = new double[k][f];
                    all = new double[f];
                }
                float[] d = feats.rowMajorData();
                int[] labels = b.labels();
                for (int i = 0; i < labels.length; i++) {
                    for (int j = 0; j < f; j++) {
                        sums[labels[i]][j] += d[i * f + j];
                        all[j] += d[i * f + j];
                    }
                }
            }
        } finally {
            model.train(wasTraining);
        }
        float[][] protos = new float[k][all.length];
        float[] mean = new float[all.length];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < all.length; j++) {
                protos[c][j] = (float) (sums[c][j] / counts[c]);
            }
        }
        for (int j = 0; j < all.length; j++) {
            mean[j] = (float) (all[j] / sample.size());
        }
        return new TaskEmbedding(protos, mean);
    }
}
