package dev.sprig.cli;

import dev.sprig.data.Augment;
import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.data.Tasks;
import dev.sprig.method.MaskBank;
import dev.sprig.method.ModelFingerprint;
import dev.sprig.method.Neighbour;
import dev.sprig.method.TaskEmbedding;
import dev.sprig.method.TaskSimilarity;
import dev.sprig.method.experiment.CurvePoint;
import dev.sprig.method.experiment.Finetune;
import dev.sprig.method.experiment.OneShotMasks;
import dev.sprig.method.experiment.PruneMethod;
import dev.sprig.method.experiment.TaskHeads;
import dev.sprig.method.experiment.TaskPlan;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.nn.train.BatchNormRecalibration;
import dev.sprig.nn.train.TrainConfig;
import dev.sprig.prune.FineTuner;
import dev.sprig.prune.IterativePruner;
import dev.sprig.prune.PruneReport;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Selection;
import dev.sprig.prune.Shrinker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sprig prune}: a new task (classes of the model's dataset) and a budget → a physically
 * shrunk model file with a head for the task, by the method (the neighbours' vote from a mask bank)
 * or a baseline, optionally fine-tuned.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prune a pre-trained model file for a new task (a set of its dataset's classes) to a budget, in one shot "
                + "from a mask bank (the method) or with a baseline; writes a shrunk model file.")
final class PruneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The pre-trained model file (θ0).")
    Path file;

    @Option(names = "--classes", required = true, split = ",", description = "The task's classes, e.g. 0,2,5.")
    int[] classes;

    static final class Budget {
        @Option(names = "--keep", description = "Keep this fraction of the parameters of θ0 with the task's head, in (0, 1].")
        Double keep;

        @Option(names = "--params", description = "At most this many parameters.")
        Long params;

        @Option(names = "--macs", description = "At most this many multiply-accumulates per image.")
        Long macs;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Budget budget;

    @Option(names = "--method", defaultValue = "similar-task",
            description = "similar-task (default), random-neighbours, one-shot-l1, one-shot-taylor, random or iterative.")
    String method;

    /** Rounds of {@code --method iterative} when {@code --rounds} is not given. */
    static final int DEFAULT_ROUNDS = 5;

    @Option(names = "--importance", paramLabel = "CRITERION", converter = ImportanceChoice.Converter.class,
            description = "How iterative scores the units each round: l1, l2 (filter norms), taylor (first-order Taylor on a few "
                    + "batches of the task), bn-scale (BatchNorm |γ|) or random (seeded by --seed); iterative only, the one-shot "
                    + "methods' importance is in their name (default: taylor).")
    ImportanceChoice importance;

    @Option(names = "--rounds", paramLabel = "N", description = "Pruning rounds of iterative, N >= 1: each removes about the same "
            + "fraction of what is left, then fine-tunes max(1, FINETUNE / (2·N)) iterations taken from --finetune; iterative only "
            + "(default: " + DEFAULT_ROUNDS + ").")
    Integer rounds;

    @Option(names = "--bank", description = "The mask bank directory (similar-task, random-neighbours).")
    Path bank;

    @Option(names = "--neighbours", defaultValue = "5", description = "K (default: ${DEFAULT-VALUE}).")
    int neighbours;

    @Option(names = "--temperature", defaultValue = "0.1", description = "Softmax vote temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--weighting", defaultValue = "softmax", description = "softmax or uniform (default: ${DEFAULT-VALUE}).")
    String weighting;

    @Option(names = "--similarity", defaultValue = "PROTOTYPES", description = "PROTOTYPES or MEAN_FEATURE (default: ${DEFAULT-VALUE}).")
    TaskSimilarity similarity;

    @Option(names = "--layer-ratios", defaultValue = "neighbours", description = "neighbours, uniform or global (default: ${DEFAULT-VALUE}).")
    String layerRatios;

    @Option(names = "--round-to", defaultValue = "1", description = "Kept widths rounded to a multiple of this (default: ${DEFAULT-VALUE}).")
    int roundTo;

    @Option(names = "--train-per-class", defaultValue = "300", description = "Training images per class of the task (default: ${DEFAULT-VALUE}).")
    int trainPerClass;

    @Option(names = "--recalibrate-bn", paramLabel = "N", defaultValue = "8",
            description = "Re-estimate the BatchNorm running statistics of the shrunk model on N batches of 32 training images of the "
                    + "task (weights frozen), before any fine-tuning; one-shot methods only, 0 = off (default: ${DEFAULT-VALUE}).")
    int recalibrateBn;

    @Option(names = "--finetune", defaultValue = "0", description = "Fine-tuning iterations after pruning (default: ${DEFAULT-VALUE}).")
    int finetune;

    @Option(names = "--lr", defaultValue = "0.01", description = "Fine-tuning learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "The shrunk model file to write.")
    Path out;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        CliArgs.modelFile(file);
        CliArgs.threads(threads);
        if (finetune < 0) {
            throw new IllegalArgumentException("--finetune must be >= 0, got " + finetune);
        }
        if (recalibrateBn < 0) {
            throw new IllegalArgumentException("--recalibrate-bn must be >= 0, got " + recalibrateBn);
        }
        if (budget.keep != null && !(budget.keep > 0 && budget.keep <= 1)) {
            throw new IllegalArgumentException("--keep must be in (0, 1], got " + budget.keep);
        }
        PruneMethod m = pruneMethod(method);
        iterativeOptions(m, importance, rounds);
        ModelFile.Loaded theta = ModelFile.load(file);
        DataChoice d = DataChoice.fromMetadata(theta.metadata());
        if (d == null) {
            throw new IllegalArgumentException(file + " names no dataset (write it with sprig pretrain)");
        }
        long dataSeed = DataChoice.seedFromMetadata(theta.metadata());
        Normalize norm = DataChoice.normalizeFromMetadata(theta.metadata(), file.toString());
        LabeledImages train = d.train(dataSeed);
        LabeledImages test = d.test(dataSeed);
        Tasks.Task task = Tasks.task(TaskPlan.name(classes), train, test, classes, trainPerClass, seed);
        int[] input = {train.channels(), train.height(), train.width()};

        Module model = theta.model();
        TaskEmbedding emb = null;
        List<dev.sprig.method.BankEntry> entries = null;
        if (m == PruneMethod.SIMILAR_TASK || m == PruneMethod.RANDOM_NEIGHBOURS) {
            if (bank == null) {
                throw new IllegalArgumentException("--method " + method + " needs --bank DIR (build one with sprig bank build)");
            }
            MaskBank b = MaskBank.open(bank);
            b.requireModel(ModelFingerprint.of(model));
            entries = b.entries();
            emb = TaskEmbedding.of(model, Tasks.subset(task.train(), seq(classes.length), 32, seed), norm);
        }
        TaskHeads.attach(model, classes, true, seed);
        PruningGraph graph = PruningGraph.of(model, input);
        Selection.Target target = budget.keep != null ? Selection.parameters((long) (budget.keep * graph.cost().parameters()))
                : budget.params != null ? Selection.parameters(budget.params) : Selection.macs(budget.macs);
        DataLoader trainL = DataLoader.builder(task.train(), 32).seed(seed).augment(augment(train)).normalize(norm).build();
        DataLoader testL = DataLoader.builder(task.test(), 256).shuffle(false).normalize(norm).build();
        long t0 = System.nanoTime();
        PruneReport report;
        List<Neighbour> used = List.of();
        int recalibrated = 0;
        Map<String, String> provenance = new LinkedHashMap<>();
        if (m == PruneMethod.ITERATIVE) {
            int r = rounds != null ? rounds : DEFAULT_ROUNDS;
            ImportanceChoice crit = importance != null ? importance : ImportanceChoice.TAYLOR;
            int perRound = Math.max(1, finetune / (2 * r));
            FineTuner ft = FineTuner.trainer(mm -> new Sgd(mm.namedParameters(), (float) lr, 0.9f, 5e-4f, true), trainL,
                    new TrainConfig(perRound, new LrSchedule.Constant((float) lr), 0, 0f, 0, 0, null));
            report = IterativePruner.of(crit.importance(() -> batches(task, norm), seed), target, r, ft)
                    .withStrategy(Selection.Strategy.GLOBAL).roundTo(roundTo).prune(model, graph, null).report();
            finetune = Math.max(0, finetune - r * perRound);
            provenance.put("prune.importance", crit.label());
            provenance.put("prune.rounds", Integer.toString(r));
        } else {
            OneShotMasks.Choice c = OneShotMasks.choose(m, model, graph, target, entries, emb,
                    m == PruneMethod.TAYLOR ? batches(task, norm) : null, budget.keep != null ? budget.keep : 0,
                    new OneShotMasks.Settings(neighbours, temperature, weighting, similarity, layerRatios, roundTo), seed);
            used = c.neighbours();
            report = Shrinker.shrink(model, graph, c.mask(), null);
            // The dense model's BatchNorm statistics do not fit the shrunk one (the iterative method's were kept up by its training).
            if (recalibrateBn > 0 && !c.mask().isAllKeep() && BatchNormRecalibration.hasBatchNorm(model)) {
                BatchNormRecalibration.recalibrate(model, DataLoader.builder(task.train(), 32).seed(seed).normalize(norm).build(),
                        recalibrateBn);
                recalibrated = recalibrateBn;
            }
        }
        double pruneSecs = (System.nanoTime() - t0) / 1e9;
        System.out.print(report.table());
        if (recalibrated > 0) {
            System.out.printf("BatchNorm statistics recalibrated on %d batches of the task's training images%n", recalibrated);
        }
        for (Neighbour n : used) {
            System.out.printf("neighbour %s (classes %s): similarity %.4f%n", n.entry().id(), Arrays.toString(n.entry().classes()),
                    n.similarity());
        }
        List<CurvePoint> curve = Finetune.curve(model, trainL, testL, finetune == 0 ? List.of(0) : List.of(0, finetune), lr,
                Finetune.StepHook.NONE, i -> { });
        CurvePoint last = curve.get(curve.size() - 1);
        Map<String, String> meta = new LinkedHashMap<>(theta.metadata());
        meta.put("task.classes", Arrays.toString(classes).replaceAll("[\\[\\] ]", ""));
        meta.put("prune.method", m.label());
        meta.putAll(provenance);
        meta.put("prune.source", file.toAbsolutePath().toString());
        meta.put("prune.bn_recalibration_batches", Integer.toString(recalibrated));
        meta.put("prune.finetune_iterations", Integer.toString(finetune));
        meta.put("task.test_accuracy", Double.toString(last.accuracy()));
        ModelFile.save(out, model, meta);
        ModelStats st = ModelStats.of(model, input);
        System.out.printf("%s: %s; pruned in %.1f s; task test accuracy %.2f%% after %d fine-tuning iterations (%.2f%% before)%n",
                out, st, pruneSecs, 100 * last.accuracy(), last.iterations(), 100 * curve.get(0).accuracy());
        return 0;
    }

    /** The method named by {@code --method}; {@code dense} is refused, as it prunes nothing. */
    static PruneMethod pruneMethod(String label) {
        List<String> pruning = Arrays.stream(PruneMethod.values()).filter(x -> x != PruneMethod.DENSE).map(PruneMethod::label).toList();
        if (label.equals(PruneMethod.DENSE.label())) {
            throw new IllegalArgumentException("--method dense prunes nothing (it is the unpruned baseline of sprig experiment); "
                    + "to evaluate the unpruned model use sprig eval MODEL, to prune pick one of " + pruning);
        }
        if (!pruning.contains(label)) {
            throw new IllegalArgumentException("unknown --method '" + label + "', expected one of " + pruning);
        }
        return PruneMethod.ofLabel(label);
    }

    /** {@code --importance} and {@code --rounds} configure the iterative method only; given with another, they are an error. */
    static void iterativeOptions(PruneMethod m, ImportanceChoice importance, Integer rounds) {
        if (m != PruneMethod.ITERATIVE) {
            String why = switch (m) {
                case L1 -> "it scores by l1, as its name says";
                case TAYLOR -> "it scores by taylor, as its name says";
                case RANDOM -> "it scores at random, as its name says";
                default -> "it votes with the masks of the bank's tasks";
            };
            if (importance != null) {
                throw new IllegalArgumentException("--importance " + importance.label() + " applies to --method iterative only, not to "
                        + "--method " + m.label() + " (" + why + ")");
            }
            if (rounds != null) {
                throw new IllegalArgumentException("--rounds " + rounds + " applies to --method iterative only, not to --method "
                        + m.label() + " (it prunes in one shot)");
            }
        }
        if (rounds != null && rounds < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        }
    }

    private static List<DataLoader.Batch> batches(Tasks.Task task, Normalize norm) {
        DataLoader l = DataLoader.builder(Tasks.subset(task.train(), seq(task.classes().length), 32, 0), 64).shuffle(false)
                .normalize(norm).build();
        List<DataLoader.Batch> out = new ArrayList<>();
        try (DataLoader.Batches b = l.epoch(0)) {
            while (b.hasNext()) {
                out.add(b.next());
            }
        }
        return out;
    }

    static Augment augment(LabeledImages d) {
        int pad = d.height() >= 32 ? 4 : 2;
        return d.channels() == 1 ? new Augment.RandomCrop(pad) : new Augment.Chain(new Augment.RandomCrop(pad), new Augment.HorizontalFlip());
    }

    private static int[] seq(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
