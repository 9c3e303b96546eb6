package dev.sprig.cli;

import dev.sprig.data.Augment;
import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.nn.Module;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.nn.train.Evaluation;
import dev.sprig.nn.train.TrainConfig;
import dev.sprig.nn.train.TrainListener;
import dev.sprig.nn.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sprig train}: trains a model on a dataset, with checkpoints and resume. */
@Command(name = "pretrain", aliases = "train", mixinStandardHelpOptions = true,
        description = "Pre-train (train) a ResNet or a ViT on all classes of Fashion-MNIST or the generated shapes; writes model.safetensors to --out and resumes from a checkpoint there.")
final class TrainCommand implements Callable<Integer> {
    enum ModelKind { resnet8, resnet14, resnet20, resnet32, resnet56, resnet18, vit }

    @Option(names = "--model", description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "resnet20")
    ModelKind model;

    @Option(names = "--width", description = "ResNet width multiplier (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    float width;

    @Option(names = "--data", description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "fashion_mnist")
    DataChoice data;

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    double epochs;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int batch;

    @Option(names = "--lr", description = "Peak learning rate (default: 0.1 for SGD on ResNets, 1e-3 for AdamW on the ViT).")
    Float lr;

    @Option(names = "--seed", description = "Seed of the model, the data order and the augmentation (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--limit", description = "Use only the first N training images (default: all).")
    Integer limit;

    @Option(names = "--out", description = "Directory for checkpoints (last.safetensors) and the trained model (model.safetensors); a run there resumes.")
    Path out;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!(epochs > 0)) {
            throw new IllegalArgumentException("--epochs must be > 0, got " + epochs);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        CliArgs.threads(threads);
        if (out != null) {
            // Fail before training, not at the first checkpoint.
            try {
                java.nio.file.Files.createDirectories(out);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--out " + out + " cannot be created as a directory (" + e.getClass().getSimpleName()
                        + ": " + e.getMessage() + ")", e);
            }
            if (!java.nio.file.Files.isWritable(out)) {
                throw new IllegalArgumentException("--out " + out + " is not a writable directory");
            }
        }
        LabeledImages trainSet = data.train(seed);
        LabeledImages testSet = data.test(seed);
        if (limit != null) {
            if (limit < 1) {
                throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
            }
            int[] idx = new int[Math.min(limit, trainSet.size())];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i;
            }
            trainSet = trainSet.select(idx);
        }
        Normalize norm = Normalize.fit(trainSet, 1f / 255);
        int pad = trainSet.height() >= 32 ? 4 : 2;
        Augment aug = trainSet.channels() == 1 ? new Augment.RandomCrop(pad)
                : new Augment.Chain(new Augment.RandomCrop(pad), new Augment.HorizontalFlip());
        DataLoader train = DataLoader.builder(trainSet, batch).seed(seed).augment(aug).normalize(norm).build();
        DataLoader test = DataLoader.builder(testSet, 256).shuffle(false).normalize(norm).build();
        if (!(width > 0 && width <= 4)) {
            throw new IllegalArgumentException("--width must be in (0, 4], got " + width);
        }
        Module net = switch (model) {
            case resnet18 -> new ResNet(ResNetConfig.resnet18(trainSet.channels(), trainSet.classes(), ResNetConfig.Stem.SMALL)
                    .withWidthMultiplier(width), seed);
            case vit -> new ViT(ViTConfig.small(trainSet.channels(), trainSet.height(), trainSet.height() % 7 == 0 ? 7 : 4,
                    trainSet.classes()), seed);
            default -> new ResNet(ResNetConfig.cifar(Integer.parseInt(model.name().substring(6)), trainSet.channels(),
                    trainSet.classes()).withWidthMultiplier(width), seed);
        };
        boolean vit = model == ModelKind.vit;
        float peak = lr != null ? lr : (vit ? 1e-3f : 0.1f);
        Optimizer opt = vit ? new AdamW(net.namedParameters(), peak, 0.9f, 0.999f, 1e-8f, 0.05f)
                : new Sgd(net.namedParameters(), peak, 0.9f, 5e-4f, true);
        long steps = Math.max(1, Math.round(epochs * train.batchesPerEpoch()));
        TrainConfig cfg = new TrainConfig(steps, new LrSchedule.CosineWithWarmup(peak, 0f, Math.min(steps / 20, 500)),
                vit ? 1.0 : 0, 0f, train.batchesPerEpoch(), Math.max(1, train.batchesPerEpoch() / 4), out);
        System.out.printf("%s on %s: %s; %d training images, %d steps of %d%n", model, data,
                ModelStats.of(net, trainSet.channels(), trainSet.height(), trainSet.width()), trainSet.size(), steps, batch);
        long t0 = System.nanoTime();
        Evaluation result;
        ProgressBar[] bar = new ProgressBar[1];
        try {
            result = new Trainer(net, opt, train, test, cfg, new TrainListener() {
                @Override
                public void onStart(long startStep, long total) {
                    if (startStep > 0) {
                        System.out.printf("resuming from %s at step %d%n", out.resolve("last.safetensors"), startStep);
                    }
                    // startsFrom: the bar's ETA extrapolates only the steps this process runs, not the resumed ones.
                    bar[0] = new ProgressBarBuilder().setTaskName("train").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(500).continuousUpdate().startsFrom(startStep, java.time.Duration.ZERO).build();
                }

                @Override
                public void onStep(long step, long total, double loss, float lrNow, double eta) {
                    bar[0].stepTo(step);
                    bar[0].setExtraMessage(String.format("loss %.3f", loss));
                }

                @Override
                public void onEval(long step, Evaluation e) {
                    bar[0].setExtraMessage(String.format("test %.2f%%", 100 * e.accuracy()));
                    System.err.printf("%nstep %d: test %s%n", step, e);
                }
            }).run();
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("test accuracy %.2f%% (loss %.4f) after %d steps in %.1f s (%.0f images/s)%n", 100 * result.accuracy(),
                result.loss(), steps, secs, steps * (double) batch / secs);
        if (out != null) {
            Map<String, String> meta = new LinkedHashMap<>(data.metadata(seed, norm));
            meta.put("trained.model", model.name());
            meta.put("trained.steps", Long.toString(steps));
            meta.put("trained.test_accuracy", Double.toString(result.accuracy()));
            Path file = out.resolve("model.safetensors");
            ModelFile.save(file, net, meta);
            System.out.println("model written to " + file + " (evaluate it with: sprig eval " + file + ")");
        }
        return 0;
    }
}
