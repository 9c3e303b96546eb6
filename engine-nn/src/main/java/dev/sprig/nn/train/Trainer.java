package dev.sprig.nn.train;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Module;
import dev.sprig.nn.infer.Plans;
import dev.sprig.nn.optim.GradClip;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Trains a classifier with cross-entropy for a fixed number of steps, evaluating, checkpointing
 * and resuming.
 *
 * <p>Resuming is exact: the data order and augmentation of every step follow from (seed, epoch,
 * position), and the checkpoint holds the model (with BatchNorm statistics) and the optimizer
 * state, so an interrupted run continued from its checkpoint ends with the same weights as an
 * uninterrupted one. Dropout modules are reseeded from (their seed, step) before every step, so a
 * model with active dropout resumes bit-identically too.
 */
public final class Trainer {
    private final Module model;
    private final Optimizer optimizer;
    private final DataLoader train;
    private final DataLoader test;
    private final TrainConfig config;
    private final TrainListener listener;
    private final java.util.List<Layers.Dropout> dropouts; // reseeded before every step

    public Trainer(Module model, Optimizer optimizer, DataLoader train, DataLoader test, TrainConfig config, TrainListener listener) {
        if (model == null || optimizer == null || train == null || config == null) {
            throw new IllegalArgumentException("trainer needs a model, an optimizer, training data and a config");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.train = train;
        this.test = test;
        this.config = config;
        this.listener = listener == null ? TrainListener.NONE : listener;
        this.dropouts = model.namedModules().values().stream().filter(m -> m instanceof Layers.Dropout).map(m -> (Layers.Dropout) m)
                .toList();
    }

    /** The checkpoint file of this run, or null when checkpoints are off. */
    public Path checkpointFile() {
        return config.checkpointDir() == null ? null : config.checkpointDir().resolve("last.safetensors");
    }

    /**
     * Runs to {@code totalSteps}, first resuming from the checkpoint if one exists; returns the
     * final evaluation (null without test data).
     *
     * @throws TrainingDivergedException on a NaN or infinite loss, leaving the last checkpoint in place
     */
    public Evaluation run() {
        long step = 0;
        Path ckpt = checkpointFile();
        try {
            if (ckpt != null && Files.exists(ckpt)) {
                step = Checkpoint.load(ckpt, model, optimizer);
                if (step > config.totalSteps()) {
                    throw new IllegalStateException(ckpt + " is at step " + step + ", beyond this run's " + config.totalSteps() + " steps");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long total = config.totalSteps();
        int perEpoch = train.batchesPerEpoch();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("the training data gives no batch (" + train.data().size() + " samples)");
        }
        long startStep = step;
        listener.onStart(startStep, total);
        long started = System.nanoTime();
        Evaluation last = null;
        model.train(true);
        while (step < total) {
            int epoch = (int) (step / perEpoch);
            try (DataLoader.Batches batches = train.epoch(epoch, (int) (step % perEpoch))) {
                while (batches.hasNext() && step < total) {
                    double loss = trainStep(batches.next(), step, epoch, ckpt);
                    step++;
                    double elapsed = (System.nanoTime() - started) / 1e9;
                    listener.onStep(step, total, loss, optimizer.learningRate(), elapsed / (step - startStep) * (total - step));
                    boolean end = step == total;
                    if (test != null && (end || (config.evalEvery() > 0 && step % config.evalEvery() == 0))) {
                        last = evaluate(model, test);
                        listener.onEval(step, last);
                    }
                    if (ckpt != null && (end || (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0))) {
                        save(ckpt, step);
                    }
                }
            }
        }
        if (test != null && last == null) {
            last = evaluate(model, test);
        }
        return last;
    }

    /** One optimizer step on one batch; returns the batch's loss. */
    private double trainStep(DataLoader.Batch b, long step, int epoch, Path ckpt) {
        float lr = config.schedule().at(step, config.totalSteps());
        optimizer.setLearningRate(lr);
        model.zeroGrad(); // every parameter, also ones the optimizer does not hold (clipping sees them all)
        for (Layers.Dropout d : dropouts) {
            d.seedForStep(step);
        }
        Tensor loss = Functional.crossEntropy(model.forward(b.images()), b.labels(), config.labelSmoothing());
        double value = loss.item();
        if (!Double.isFinite(value)) {
            throw new TrainingDivergedException("loss is " + value + " at step " + step + " (epoch " + epoch + ", lr " + lr + "); "
                    + (ckpt != null && Files.exists(ckpt) ? "the last good checkpoint is kept at " + ckpt : "no checkpoint was written"));
        }
        loss.backward();
        if (config.clipNorm() > 0) {
            GradClip.clipByNorm(model.namedParameters().values(), config.clipNorm());
        }
        optimizer.step();
        optimizer.zeroGrad();
        return value;
    }

    private void save(Path ckpt, long step) {
        try {
            Checkpoint.save(ckpt, model, optimizer, step, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listener.onCheckpoint(step, ckpt);
    }

    /**
     * Accuracy and mean loss of {@code model} (in eval mode, without a graph) over {@code data}. A
     * ResNet or a ViT runs through its compiled plan ({@link Plans#compile}) for the batches' image
     * size: bit for bit its forward, and faster; not under {@code -Dsprig.infer.fuse=false}.
     */
    public static Evaluation evaluate(Module model, DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long correct = 0;
        double lossSum = 0;
        int n = 0;
        int[] planned = null; // the image size the plan below was compiled for
        UnaryOperator<Tensor> plan = null;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            try (DataLoader.Batches it = data.epoch(0)) {
                while (it.hasNext()) {
                    DataLoader.Batch b = it.next();
                    Tensor images = b.images();
                    if (images.dim() == 4) {
                        int[] size = {images.size(1), images.size(2), images.size(3)};
                        if (!Arrays.equals(size, planned)) {
                            planned = size;
                            plan = Plans.compile(model, size[0], size[1], size[2]);
                        }
                    }
                    Tensor logits = plan != null && images.dim() == 4 ? plan.apply(images) : model.forward(images);
                    lossSum += Functional.crossEntropy(logits, b.labels()).item() * b.size();
                    Tensor pred = logits.argmax(1, false);
                    for (int i = 0; i < b.size(); i++) {
                        correct += (int) pred.get(i) == b.labels()[i] ? 1 : 0;
                    }
                    n += b.size();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(n == 0 ? 0 : (double) correct / n, n == 0 ? 0 : lossSum / n, n);
    }
}
