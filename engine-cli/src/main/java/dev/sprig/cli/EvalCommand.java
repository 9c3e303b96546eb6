package dev.sprig.cli;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.train.Evaluation;
import dev.sprig.nn.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig eval}: a model file's accuracy and loss on a dataset's test split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model file (from sprig train or sprig prune) on the test split of its dataset.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A Sprig model file (.safetensors).")
    Path file;

    @Option(names = "--data", description = "Dataset: ${COMPLETION-CANDIDATES} (default: the one the model file names).")
    DataChoice data;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        CliArgs.modelFile(file);
        CliArgs.threads(threads);
        ModelFile.Loaded loaded = ModelFile.load(file);
        DataChoice d = data != null ? data : DataChoice.fromMetadata(loaded.metadata());
        if (d == null) {
            throw new IllegalArgumentException(file + " names no dataset; pass --data");
        }
        LabeledImages test = d.test(DataChoice.seedFromMetadata(loaded.metadata()));
        String task = loaded.metadata().get("task.classes");
        if (task != null) {
            // A task model (sprig prune): its test data is its classes' images, labels remapped in its order.
            int[] classes = java.util.Arrays.stream(task.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            test = dev.sprig.data.Tasks.subset(test, classes, 0, 0);
        }
        Normalize norm = DataChoice.normalizeFromMetadata(loaded.metadata(), file.toString());
        if (norm.mean().length != test.channels()) {
            throw new IllegalArgumentException(file + " was trained on " + norm.mean().length + "-channel images; " + d + " has "
                    + test.channels());
        }
        int outputs;
        try (dev.sprig.tensor.GradMode.Scope g = dev.sprig.tensor.GradMode.noGrad()) {
            outputs = loaded.model().forward(dev.sprig.tensor.Tensor.zeros(1, test.channels(), test.height(), test.width())).size(1);
        }
        if (outputs != test.classes()) {
            throw new IllegalArgumentException(file + " has " + outputs + " outputs; " + d + " has " + test.classes() + " classes");
        }
        DataLoader loader = DataLoader.builder(test, 256).shuffle(false).normalize(norm).build();
        ModelStats stats = ModelStats.of(loaded.model(), test.channels(), test.height(), test.width());
        long t0 = System.nanoTime();
        Evaluation e = Trainer.evaluate(loaded.model(), loader);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %s%n", file.getFileName(), stats);
        System.out.printf("%s test: accuracy %.2f%%, loss %.4f over %d images (%.1f s, %.0f images/s)%n", d, 100 * e.accuracy(),
                e.loss(), e.samples(), secs, e.samples() / secs);
        return 0;
    }
}
