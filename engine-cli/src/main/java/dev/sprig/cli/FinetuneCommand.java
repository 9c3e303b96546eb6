package dev.sprig.cli;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.data.Tasks;
import dev.sprig.method.experiment.CurvePoint;
import dev.sprig.method.experiment.Finetune;
import dev.sprig.method.experiment.TaskPlan;
import dev.sprig.nn.models.ModelFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig finetune}: fine-tune a (pruned) task model file on its task, with an accuracy curve. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tune a task model (from sprig prune) on its task's training data; prints test accuracy along the way.")
final class FinetuneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A task model file (sprig prune).")
    Path file;

    @Option(names = "--iterations", required = true, description = "Fine-tuning iterations.")
    int iterations;

    @Option(names = "--every", defaultValue = "50", description = "Evaluate every this many iterations (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--train-per-class", defaultValue = "300", description = "Training images per class (default: ${DEFAULT-VALUE}).")
    int trainPerClass;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "The fine-tuned model file to write.")
    Path out;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        CliArgs.modelFile(file);
        if (iterations < 1 || every < 1 || batch < 1) {
            throw new IllegalArgumentException("--iterations, --every and --batch must be >= 1, got " + iterations + ", " + every + ", " + batch);
        }
        CliArgs.threads(threads);
        ModelFile.Loaded m = ModelFile.load(file);
        String cls = m.metadata().get("task.classes");
        if (cls == null) {
            throw new IllegalArgumentException(file + " names no task (metadata task.classes); it is not from sprig prune");
        }
        int[] classes = java.util.Arrays.stream(cls.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        DataChoice d = DataChoice.fromMetadata(m.metadata());
        long dataSeed = DataChoice.seedFromMetadata(m.metadata());
        Normalize norm = DataChoice.normalizeFromMetadata(m.metadata(), file.toString());
        LabeledImages train = d.train(dataSeed);
        Tasks.Task task = Tasks.task(TaskPlan.name(classes), train, d.test(dataSeed), classes, trainPerClass, seed);
        DataLoader trainL = DataLoader.builder(task.train(), batch).seed(seed).augment(PruneCommand.augment(train)).normalize(norm).build();
        DataLoader testL = DataLoader.builder(task.test(), 256).shuffle(false).normalize(norm).build();
        List<Integer> budgets = new ArrayList<>();
        for (int i = 0; i < iterations; i += every) {
            budgets.add(i);
        }
        budgets.add(iterations);
        long t0 = System.nanoTime();
        List<CurvePoint> curve = Finetune.curve(m.model(), trainL, testL, budgets, lr, Finetune.StepHook.NONE, i -> { });
        for (CurvePoint p : curve) {
            System.out.printf("iteration %5d: test accuracy %.2f%%, loss %.4f%n", p.iterations(), 100 * p.accuracy(), p.loss());
        }
        Map<String, String> meta = new LinkedHashMap<>(m.metadata());
        int before = Integer.parseInt(meta.getOrDefault("prune.finetune_iterations", "0"));
        meta.put("prune.finetune_iterations", Integer.toString(before + iterations));
        meta.put("task.test_accuracy", Double.toString(curve.get(curve.size() - 1).accuracy()));
        ModelFile.save(out, m.model(), meta);
        System.out.printf("wrote %s (%d iterations in %.1f s)%n", out, iterations, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
