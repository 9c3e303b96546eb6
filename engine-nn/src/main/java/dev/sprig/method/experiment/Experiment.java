package dev.sprig.method.experiment;

import dev.sprig.data.Augment;
import dev.sprig.data.DataLoader;
import dev.sprig.data.FashionMnist;
import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.data.SyntheticShapes;
import dev.sprig.data.Tasks;
import dev.sprig.method.BankEntry;
import dev.sprig.method.MaskBank;
import dev.sprig.method.ModelFingerprint;
import dev.sprig.method.Neighbour;
import dev.sprig.method.TaskEmbedding;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.Module;
import dev.sprig.nn.io.AtomicFiles;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.nn.train.BatchNormRecalibration;
import dev.sprig.nn.train.Evaluation;
import dev.sprig.nn.train.TrainConfig;
import dev.sprig.nn.train.TrainListener;
import dev.sprig.nn.train.Trainer;
import dev.sprig.ops.Functional;
import dev.sprig.prune.CostModel;
import dev.sprig.prune.Group;
import dev.sprig.prune.Importance;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Selection;
import dev.sprig.prune.Shrinker;
import dev.sprig.prune.SoftMask;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs METHOD.md's experiment in a directory, caching every stage so that a rerun skips what is done:
 * <pre>
 * DIR/pretrained/model.safetensors   θ0 (pre-trained on all classes, or a copy of the given file)
 * DIR/pretrained/checkpoint-HASH/     the pre-training checkpoint, per hash of θ0's settings (gone when done)
 * DIR/bank-HASH/                      the mask bank ({@link MaskBank}), per hash of the settings it is built with
 * DIR/runs/TARGET_RATIO_METHOD.json   one finished (target, keep ratio, method) run, with the hash of its settings
 * </pre>
 * A cached stage is only reused under the settings that made it: a θ0 made with other settings is
 * an error, a bank or a run made with other settings is built anew. The keep ratio is the kept
 * fraction of the parameters of θ0 with the task's head, or of its MACs (config {@code budget}; see
 * {@link #budget}). Every method gets the same θ0, the same task data in the same order, the same
 * budget and the same fine-tuning.
 */
public final class Experiment {

    /** Progress of the stages: the CLI draws a bar with an ETA per stage. */
    public interface Listener {
        /** A stage of {@code total} steps starts. */
        default void stage(String name, long total) {
        }

        /** {@code done} steps of the current stage are finished. */
        default void progress(long done) {
        }

        /** The current stage ended. */
        default void stageDone() {
        }

        /** A line worth showing. */
        default void message(String line) {
        }

        Listener NONE = new Listener() {
        };
    }

    private final ExperimentConfig cfg;
    private final Path dir;
    private final Listener listener;
    private final Path pretrainedSource;

    private LabeledImages train;
    private LabeledImages test;
    private Normalize norm;
    private int[] inputShape; // [c, h, w]
    private Path thetaFile;
    private String fingerprint;  // of θ0
    private String architecture; // of θ0, from its file

    /**
     * @param pretrained a model file to use as θ0 instead of pre-training one (copied into the run
     *                   directory), or null
     */
    public Experiment(ExperimentConfig cfg, Path dir, Path pretrained, Listener listener) {
        this.cfg = cfg;
        this.dir = dir;
        this.listener = listener;
        this.pretrainedSource = pretrained;
    }

    /** Stages 1 and 2 only: θ0 and the bank (in {@code DIR/pretrained} and {@code DIR/bank-HASH}). */
    public MaskBank buildBank() throws IOException {
        pretrained();
        return buildBank(plan());
    }

    /** The whole experiment. */
    public ExperimentResults run() throws IOException {
        Map<String, Object> pretrainedInfo = pretrained();
        TaskPlan plan = plan();
        long t0 = System.nanoTime();
        MaskBank bank = buildBank(plan);
        Map<String, Object> bankInfo = new LinkedHashMap<>();
        bankInfo.put("directory", dir.relativize(bank.directory()).toString());
        bankInfo.put("entries", bank.size());
        bankInfo.put("sourceTasks", cfg.bankTasks());
        bankInfo.put("method", "iterative-" + cfg.bankImportance());
        bankInfo.put("rounds", cfg.bankRounds());
        bankInfo.put("stepsPerRound", cfg.bankStepsPerRound());
        bankInfo.put("secondsThisRun", (System.nanoTime() - t0) / 1e9);
        List<RunResult> runs = runTargets(plan, bank);
        Map<String, Map<String, Double>> overlap = maskOverlap(runs, bank);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("kernelThreads", dev.sprig.kernels.Parallel.threads());
        machine.put("java", Runtime.version().toString());
        machine.put("floatLanes", dev.sprig.kernels.KernelConfig.FLOATS.length());
        return new ExperimentResults(cfg.name(), cfg.toMap(), pretrainedInfo, bankInfo, runs, overlap, machine);
    }

    /** Stage 1 only: the data and θ0; returns what the results record about θ0. */
    Map<String, Object> pretrained() throws IOException {
        Files.createDirectories(dir);
        loadData();
        return pretrain();
    }

    private TaskPlan plan() {
        return TaskPlan.draw(train.classes(), cfg.classesPerTask(), cfg.bankTasks(), cfg.targetTasks(), cfg.seed());
    }

    /** A short hex SHA-256 of settings (written as JSON): what a cached stage was made with. */
    static String hash(Map<String, Object> settings) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dev.sprig.nn.io.Json.write(settings).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    // ------------------------------------------------------------------ data and θ0

    private void loadData() throws IOException {
        if (cfg.dataset().equals("shapes")) {
            train = SyntheticShapes.generate(cfg.shapesTrainPerClass(), 32, cfg.seed(), 0);
            test = SyntheticShapes.generate(cfg.shapesTestPerClass(), 32, cfg.seed(), 1);
        } else {
            train = FashionMnist.train(FashionMnist.dir());
            test = FashionMnist.test(FashionMnist.dir());
        }
        norm = Normalize.fit(train, 1f / 255);
        inputShape = new int[] {train.channels(), train.height(), train.width()};
    }

    private Augment augment() {
        int pad = train.height() >= 32 ? 4 : 2;
        return train.channels() == 1 ? new Augment.RandomCrop(pad) : new Augment.Chain(new Augment.RandomCrop(pad), new Augment.HorizontalFlip());
    }

    private Module buildModel() {
        if (cfg.model().equals("vit")) {
            return new ViT(ViTConfig.small(train.channels(), train.height(), train.height() % 7 == 0 ? 7 : 4, train.classes()), cfg.seed());
        }
        int depth = Integer.parseInt(cfg.model().substring("resnet".length()));
        return new ResNet(ResNetConfig.cifar(depth, train.channels(), train.classes()).withWidthMultiplier((float) cfg.widthMultiplier()),
                cfg.seed());
    }

    /** What identifies θ0: a cached one is reused only if it was made with these settings. */
    private String thetaKey() {
        return cfg.dataset() + "/" + cfg.model() + "/w" + cfg.widthMultiplier() + "/e" + cfg.pretrainEpochs() + "/b" + cfg.pretrainBatch()
                + "/s" + cfg.seed() + (cfg.dataset().equals("shapes") ? "/n" + cfg.shapesTrainPerClass() : "");
    }

    /** Where the pre-training of θ0 checkpoints: one directory per θ0 settings key, so a run never resumes another's. */
    static Path checkpointDir(Path pretrainedDir, String thetaKey) {
        return pretrainedDir.resolve("checkpoint-" + hash(Map.of("theta", thetaKey)));
    }

    private Map<String, Object> pretrain() throws IOException {
        Path pdir = dir.resolve("pretrained");
        thetaFile = pdir.resolve("model.safetensors");
        Map<String, Object> info = new LinkedHashMap<>();
        if (pretrainedSource != null) {
            copyGiven(pdir);
        }
        if (Files.exists(thetaFile)) {
            ModelFile.Loaded l = ModelFile.load(thetaFile);
            String key = l.metadata().getOrDefault("experiment.theta", "");
            if (!key.equals(thetaKey()) && !key.startsWith("given:")) {
                throw new IllegalArgumentException(thetaFile + " holds a θ0 made with other settings (" + key + ", this run: " + thetaKey()
                        + "); use another output directory");
            }
            check(l, key.startsWith("given:") ? key.substring("given:".length()) : thetaFile.toString());
            norm = normalization(l.metadata(), thetaFile.toString());
            listener.message("θ0: reusing " + thetaFile + (key.startsWith("given:") ? " (given)" : ""));
            Evaluation e = Trainer.evaluate(l.model(), testLoader());
            info.put("source", key);
            info.put("testAccuracy", e.accuracy());
            info.put("seconds", Double.parseDouble(l.metadata().getOrDefault("experiment.seconds", "0")));
        } else {
            Module net = buildModel();
            DataLoader loader = DataLoader.builder(train, cfg.pretrainBatch()).seed(cfg.seed()).augment(augment()).normalize(norm).build();
            long steps = Math.max(1, Math.round(cfg.pretrainEpochs() * loader.batchesPerEpoch()));
            boolean vit = net instanceof ViT;
            float lr = vit ? 1e-3f : 0.1f;
            Optimizer opt = vit ? new AdamW(net.namedParameters(), lr, 0.9f, 0.999f, 1e-8f, 0.05f)
                    : new Sgd(net.namedParameters(), lr, 0.9f, 5e-4f, true);
            Path ckpt = checkpointDir(pdir, thetaKey());
            TrainConfig tc = new TrainConfig(steps, new LrSchedule.CosineWithWarmup(lr, 0f, Math.min(steps / 20, 500)), vit ? 1.0 : 0, 0f,
                    0, Math.max(1, loader.batchesPerEpoch() / 4), ckpt);
            listener.stage("pre-train θ0 (" + cfg.model() + ", " + train.classes() + " classes)", steps);
            long t0 = System.nanoTime();
            Evaluation e = new Trainer(net, opt, loader, testLoader(), tc, new TrainListener() {
                @Override
                public void onStep(long step, long totalSteps, double loss, float lrNow, double eta) {
                    listener.progress(step);
                }
            }).run();
            listener.stageDone();
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("experiment.theta", thetaKey());
            meta.put("experiment.seconds", Double.toString(secs));
            // The dataset and its normalisation, as sprig pretrain writes them, so the CLI's prune/eval read this θ0 too.
            meta.put("data", cfg.dataset());
            meta.put("data.seed", Long.toString(cfg.seed()));
            norm.putMetadata(meta);
            ModelFile.save(thetaFile, net, meta);
            Files.deleteIfExists(ckpt.resolve("last.safetensors"));
            try {
                Files.deleteIfExists(ckpt);
            } catch (java.nio.file.DirectoryNotEmptyException ignored) {
                // something else lives there; leave it
            }
            info.put("source", thetaKey());
            info.put("testAccuracy", e.accuracy());
            info.put("seconds", secs);
        }
        Module theta = ModelFile.load(thetaFile).model();
        fingerprint = ModelFingerprint.of(theta);
        architecture = architectureOf(theta);
        ModelStats st = ModelStats.of(theta, inputShape);
        info.put("architecture", architecture);
        if (theta instanceof ResNet r) {
            info.put("widthMultiplier", (double) r.config().widthMultiplier());
        }
        info.put("fingerprint", fingerprint);
        Map<String, Object> normInfo = new LinkedHashMap<>();
        normInfo.put("scale", (double) norm.scale());
        normInfo.put("mean", Normalize.join(norm.mean()));
        normInfo.put("std", Normalize.join(norm.std()));
        info.put("normalize", normInfo);
        info.put("parameters", st.parameters());
        info.put("macs", st.macs());
        info.put("classes", train.classes());
        listener.message(String.format(Locale.ROOT, "θ0: %s, test accuracy %.2f%%", st, 100 * (double) info.get("testAccuracy")));
        return info;
    }

    private DataLoader testLoader() {
        return DataLoader.builder(test, 256).shuffle(false).normalize(norm).build();
    }

    /** Copies the given θ0 into the run directory (unless the copy there is already this file: weights and metadata). */
    private void copyGiven(Path pdir) throws IOException {
        ModelFile.Loaded given = ModelFile.load(pretrainedSource);
        check(given, pretrainedSource.toString());
        Map<String, String> meta = new LinkedHashMap<>(given.metadata());
        meta.put("experiment.theta", "given:" + pretrainedSource.toAbsolutePath());
        if (Files.exists(thetaFile)) {
            ModelFile.Loaded current = ModelFile.load(thetaFile);
            if (current.metadata().equals(meta) && ModelFingerprint.of(current.model()).equals(ModelFingerprint.of(given.model()))) {
                return;
            }
            listener.message("θ0: replacing " + thetaFile + " by the given " + pretrainedSource);
        }
        Files.createDirectories(pdir);
        ModelFile.save(thetaFile, given.model(), meta);
    }

    /** Fails unless a θ0 file fits this experiment: its dataset, its number of classes, its architecture and its normalisation. */
    private void check(ModelFile.Loaded l, String source) {
        String data = l.metadata().get("data");
        if (!cfg.dataset().equals(data)) {
            throw new IllegalArgumentException("θ0 " + source + " was trained on " + (data == null ? "an unnamed dataset (no 'data' metadata)"
                    : "'" + data + "'") + ", this experiment's dataset is '" + cfg.dataset() + "'");
        }
        String arch = architectureOf(l.model());
        if (!arch.equals(cfg.model())) {
            throw new IllegalArgumentException("θ0 " + source + " is a " + arch + " (by its file's config), this experiment's model is "
                    + cfg.model() + "; set \"model\": \"" + arch + "\"");
        }
        if (l.model() instanceof ResNet r && r.config().widthMultiplier() != (float) cfg.widthMultiplier()) {
            throw new IllegalArgumentException("θ0 " + source + " has width multiplier " + r.config().widthMultiplier()
                    + ", this experiment's widthMultiplier is " + cfg.widthMultiplier());
        }
        int classes = ((dev.sprig.nn.Linear) l.model().get(TaskHeads.headPath(l.model()))).outFeatures();
        if (classes != train.classes()) {
            throw new IllegalArgumentException("θ0 " + source + " has a head of " + classes + " classes, " + cfg.dataset() + " has "
                    + train.classes());
        }
        normalization(l.metadata(), source);
    }

    /**
     * The architecture a model file's config describes, named as the {@code model} setting names it
     * ({@code resnet20}, {@code vit}; {@code resnet18}/{@code resnet34} for those stage layouts).
     */
    static String architectureOf(Module m) {
        return switch (m) {
            case ViT v -> "vit";
            case ResNet r -> {
                ResNetConfig c = r.config();
                int[] b = c.blocksPerStage();
                if (c.stem() == ResNetConfig.Stem.CIFAR && b.length == 3 && b[0] == b[1] && b[1] == b[2]
                        && Arrays.equals(c.widths(), new int[] {16, 32, 64})) {
                    yield "resnet" + (6 * b[0] + 2);
                }
                if (Arrays.equals(c.widths(), new int[] {64, 128, 256, 512}) && Arrays.equals(b, new int[] {2, 2, 2, 2})) {
                    yield "resnet18";
                }
                if (Arrays.equals(c.widths(), new int[] {64, 128, 256, 512}) && Arrays.equals(b, new int[] {3, 4, 6, 3})) {
                    yield "resnet34";
                }
                yield "resnet(blocks " + Arrays.toString(b) + ", widths " + Arrays.toString(c.widths()) + ", stem " + c.stem() + ")";
            }
            default -> m.getClass().getSimpleName();
        };
    }

    /** The normalisation a θ0 file records ({@code normalize.*}, as sprig pretrain writes it), else the one fitted to the data. */
    private Normalize normalization(Map<String, String> meta, String file) {
        Normalize n = Normalize.fromMetadata(meta, file);
        if (n == null) {
            return norm;
        }
        if (n.mean().length != train.channels()) {
            throw new IllegalArgumentException(file + ": the normalisation in the metadata has " + n.mean().length + " channels, "
                    + cfg.dataset() + " has " + train.channels());
        }
        return n;
    }

    // ------------------------------------------------------------------ tasks

    private Tasks.Task task(int[] classes) {
        String name = TaskPlan.name(classes);
        Tasks.Task t = Tasks.task(name, train, test, classes, cfg.trainPerClass(), cfg.seed());
        if (cfg.testPerClass() > 0) {
            t = new Tasks.Task(name, classes, t.train(), Tasks.subset(test, classes, cfg.testPerClass(), cfg.seed()));
        }
        return t;
    }

    private DataLoader trainLoader(Tasks.Task t, long seed) {
        return DataLoader.builder(t.train(), cfg.finetuneBatch()).seed(seed).augment(augment()).normalize(norm).build();
    }

    /**
     * The task's training images for the BatchNorm recalibration: shuffled by the target's data seed,
     * as the fine-tuning's, but not augmented (the statistics are for the images evaluation sees).
     */
    private DataLoader recalibrationLoader(Tasks.Task t, long seed) {
        return DataLoader.builder(t.train(), cfg.finetuneBatch()).seed(seed).normalize(norm).build();
    }

    private DataLoader testLoader(Tasks.Task t) {
        return DataLoader.builder(t.test(), 256).shuffle(false).normalize(norm).build();
    }

    /** θ0 (a fresh copy) with the task's head. */
    private Module thetaWithHead(int[] classes, long seed) throws IOException {
        Module m = ModelFile.load(thetaFile).model();
        TaskHeads.attach(m, classes, cfg.headInit().equals("pretrained-rows"), seed);
        return m;
    }

    /** A few normalised batches of the task's training data (for Taylor scores and embeddings). */
    private List<DataLoader.Batch> sampleBatches(Tasks.Task t, long seed) {
        LabeledImages sample = Tasks.subset(t.train(), seq(t.classes().length), cfg.embeddingPerClass(), seed);
        DataLoader l = DataLoader.builder(sample, Math.max(1, Math.min(64, sample.size()))).shuffle(false).normalize(norm).build();
        List<DataLoader.Batch> out = new ArrayList<>();
        try (DataLoader.Batches b = l.epoch(0)) {
            while (b.hasNext()) {
                out.add(b.next());
            }
        }
        return out;
    }

    private TaskEmbedding embed(Module theta, Tasks.Task t) {
        LabeledImages sample = Tasks.subset(t.train(), seq(t.classes().length), cfg.embeddingPerClass(), cfg.seed());
        return TaskEmbedding.of(theta, sample, norm);
    }

    private static int[] seq(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    // ------------------------------------------------------------------ the bank

    private static String entryId(String task, double ratio) {
        return String.format(Locale.ROOT, "%s_keep%.3f", task, ratio);
    }

    /** What the data of a task depends on (beyond its classes), and θ0 with the normalisation it is used with. */
    private Map<String, Object> dataSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("theta", fingerprint);
        m.put("normalize", List.of((double) norm.scale(), Normalize.join(norm.mean()), Normalize.join(norm.std())));
        m.put("dataset", cfg.dataset());
        m.put("shapesTrainPerClass", cfg.shapesTrainPerClass());
        m.put("shapesTestPerClass", cfg.shapesTestPerClass());
        m.put("trainPerClass", cfg.trainPerClass());
        m.put("testPerClass", cfg.testPerClass());
        m.put("seed", cfg.seed());
        m.put("headInit", cfg.headInit());
        return m;
    }

    /**
     * The hash of everything the bank's entries depend on: θ0, the source tasks and their data, the
     * bank's keep ratios (they set the pruning schedule) and its pruning and fine-tuning settings.
     */
    private String bankHash(TaskPlan plan) {
        Map<String, Object> m = dataSettings();
        m.put("sourceTasks", plan.bank().stream().map(TaskPlan::name).toList());
        m.put("keepRatios", new ArrayList<>(new TreeSet<>(cfg.keepRatios()).descendingSet()));
        m.put("bankRounds", cfg.bankRounds());
        m.put("bankStepsPerRound", cfg.bankStepsPerRound());
        m.put("bankImportance", cfg.bankImportance());
        m.put("embeddingPerClass", cfg.embeddingPerClass());
        m.put("finetuneBatch", cfg.finetuneBatch());
        m.put("finetuneLr", cfg.finetuneLr());
        m.put("roundTo", cfg.roundTo());
        if (!cfg.budget().equals("params")) {
            m.put("budget", cfg.budget()); // the bank's masks are made to the same kind of size; a params bank keeps its hash
        }
        return hash(m);
    }

    private MaskBank buildBank(TaskPlan plan) throws IOException {
        MaskBank bank = MaskBank.openOrCreate(dir.resolve("bank-" + bankHash(plan)), architecture, fingerprint);
        Module theta = ModelFile.load(thetaFile).model();
        List<Double> ratios = new ArrayList<>(new TreeSet<>(cfg.keepRatios()).descendingSet());
        long perTask = (long) schedule(ratios, cfg.bankRounds()).size() * cfg.bankStepsPerRound();
        listener.stage("build the bank (" + cfg.bankTasks() + " source tasks, iterative " + cfg.bankImportance() + ")",
                perTask * plan.bank().size());
        long done = 0;
        for (int[] classes : plan.bank()) {
            Tasks.Task t = task(classes);
            boolean complete = ratios.stream().allMatch(r -> bank.contains(entryId(t.name(), r)));
            if (!complete) {
                long base = done;
                TaskEmbedding emb = embed(theta, t);
                iterative(t, ratios, cfg.bankRounds(), cfg.bankStepsPerRound(), cfg.bankImportance(), cfg.seed() + 1000L * Arrays.hashCode(classes),
                        (ratio, mask, acc) -> {
                            String id = entryId(t.name(), ratio);
                            if (!bank.contains(id)) {
                                bank.add(new BankEntry(id, t.name(), classes, ratio, "iterative-" + cfg.bankImportance(), acc, mask,
                                        emb));
                            }
                        }, step -> listener.progress(base + step), null);
            }
            done += perTask;
            listener.progress(done);
        }
        listener.stageDone();
        return bank;
    }

    /** The keep ratios of an iterative run: geometric steps from 1 to the smallest target, with every target on the way. */
    static List<Double> schedule(List<Double> targets, int rounds) {
        double min = targets.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        TreeSet<Double> s = new TreeSet<>(targets);
        for (int k = 1; k <= rounds; k++) {
            s.add(Math.pow(min, (double) k / rounds));
        }
        return new ArrayList<>(s.descendingSet());
    }

    /** Receives a mask, and the test accuracy there, when an iterative run reaches one of its target ratios. */
    private interface AtRatio {
        void reached(double ratio, PruningMask mask, double accuracy) throws IOException;
    }

    /**
     * Iterative structured pruning with soft masks (the bank's method, and the iterative baseline):
     * for each ratio of the schedule, score the units of the current masked model (removed units
     * cannot return), keep the best by a global ranking of per-group-normalised scores to the
     * ratio's {@link #budget} (parameters or MACs of the unpruned model, as the config says), then
     * fine-tune {@code steps} iterations at the constant rate {@code finetuneLr} with the removed units held at zero.
     * Returns the model (soft-masked at the last ratio) and calls {@code at} at each target ratio
     * (null: no call, and no test evaluation inside the loop).
     */
    private Module iterative(Tasks.Task t, List<Double> targets, int rounds, int steps, String importance, long seed, AtRatio at,
                             java.util.function.LongConsumer progress, PruningMask[] lastMask) throws IOException {
        Module model = thetaWithHead(t.classes(), seed);
        PruningGraph graph = PruningGraph.of(model, inputShape);
        CostModel full = graph.cost();
        DataLoader loader = trainLoader(t, seed);
        DataLoader testL = at == null ? null : testLoader(t);
        Sgd sgd = new Sgd(model.namedParameters(), (float) cfg.finetuneLr(), 0.9f, 5e-4f, true);
        PruningMask mask = PruningMask.allKeep(graph);
        long step = 0;
        try (BatchStream stream = new BatchStream(loader)) {
            for (double ratio : schedule(targets, rounds)) {
                Importance crit = importance.equals("l1") ? Importance.l1().withNormalization(Importance.Normalization.MAX)
                        : Importance.taylor(sampleBatches(t, seed + step)).withNormalization(Importance.Normalization.MAX);
                Map<String, float[]> scores = crit.scores(model, graph);
                for (Group g : graph.prunable()) {
                    float[] s = scores.get(g.id());
                    for (int u = 0; u < s.length; u++) {
                        if (!mask.keeps(g.id(), u)) {
                            s[u] = Float.NEGATIVE_INFINITY; // removed units do not come back
                        }
                    }
                }
                mask = Selection.global(budget(cfg.budget(), ratio, full)).roundTo(cfg.roundTo()).select(graph, scores);
                SoftMask soft = new SoftMask(model, graph, mask);
                soft.apply(sgd);
                for (int i = 0; i < steps; i++) {
                    DataLoader.Batch b = stream.next();
                    model.train(true);
                    model.zeroGrad();
                    Tensor loss = Functional.crossEntropy(model.forward(b.images()), b.labels());
                    loss.backward();
                    soft.zeroGrads();
                    sgd.step();
                    soft.apply();
                    step++;
                    progress.accept(step);
                }
                if (at != null && targets.contains(ratio)) {
                    at.reached(ratio, mask, Trainer.evaluate(model, testL).accuracy());
                }
            }
        }
        if (lastMask != null) {
            lastMask[0] = mask;
        }
        model.zeroGrad();
        return model;
    }

    // ------------------------------------------------------------------ the targets

    /**
     * The bank entries of the plan's source tasks (a bank directory could hold others); fails if a
     * target task is among the sources or in the bank: targets must be held out.
     */
    static List<BankEntry> sourceEntries(List<BankEntry> bank, TaskPlan plan) {
        Set<String> sources = new HashSet<>();
        plan.bank().forEach(c -> sources.add(TaskPlan.name(c)));
        for (int[] target : plan.targets()) {
            String name = TaskPlan.name(target);
            int[] sorted = target.clone();
            Arrays.sort(sorted);
            for (BankEntry e : bank) {
                int[] ec = e.classes();
                Arrays.sort(ec);
                if (e.task().equals(name) || Arrays.equals(ec, sorted)) {
                    throw new IllegalStateException("target task " + name + " is in the mask bank (entry '" + e.id()
                            + "'): target tasks must be held out of the bank");
                }
            }
            if (sources.contains(name)) {
                throw new IllegalStateException("target task " + name + " is also a source task of the bank: target tasks must be held out");
            }
        }
        return bank.stream().filter(e -> sources.contains(e.task())).toList();
    }

    /**
     * The target size of keep ratio {@code ratio} for a model of full cost {@code full} (θ0 with the
     * task's head): at most {@code ratio} × its parameters ({@code params}) or × its MACs per image
     * ({@code macs}), met by {@link Selection} with the graph's exact {@link CostModel}.
     */
    static Selection.Target budget(String kind, double ratio, CostModel full) {
        return switch (kind) {
            case "params" -> Selection.parameters((long) (ratio * full.parameters()));
            case "macs" -> Selection.macs((long) (ratio * full.macs()));
            default -> throw new IllegalArgumentException("unknown budget '" + kind + "', expected one of "
                    + ExperimentConfig.BUDGETS);
        };
    }

    /** The seed of a target's data order, head and sample batches: the same for every method on that target. */
    private long dataSeed(int[] classes) {
        return cfg.seed() + 7919L * Arrays.hashCode(classes);
    }

    /** The seed of a method's own random choices (the random mask, the random neighbours), apart from the data. */
    private long methodSeed(int[] classes, PruneMethod m) {
        return dataSeed(classes) + 1 + m.ordinal();
    }

    /**
     * The hash of everything a run's numbers depend on: θ0, the task's data, the fine-tuning, and the
     * method's own settings (for the vote, the bank's hash). Not the keep ratio (in the file name),
     * and for the dense model nothing of the pruning.
     */
    private String runHash(PruneMethod m, String bankHash, boolean batchNorm) {
        return hash(runSettings(dataSettings(), cfg, m, bankHash, batchNorm));
    }

    /**
     * What {@link #runHash} hashes: {@code data} ({@link #dataSettings()}) with the settings of method
     * {@code m}. The BatchNorm recalibration is in it only where it changes the numbers (a one-shot
     * method, recalibration on, a θ0 with BatchNorm), so that the runs it cannot change keep the
     * hashes they had before the setting existed, and their cached results. Likewise the budget kind
     * (only {@code macs}, and not for the dense model) and the fine-tuning schedule (only
     * {@code cosine}): at their defaults a run keeps the hash it had before they existed.
     */
    static Map<String, Object> runSettings(Map<String, Object> data, ExperimentConfig cfg, PruneMethod m, String bankHash,
                                           boolean batchNorm) {
        Map<String, Object> s = new LinkedHashMap<>(data);
        s.put("method", m.label());
        s.put("finetuneBudgets", cfg.finetuneBudgets());
        s.put("finetuneBatch", cfg.finetuneBatch());
        s.put("finetuneLr", cfg.finetuneLr());
        if (!cfg.finetuneSchedule().equals("constant")) {
            s.put("finetuneSchedule", cfg.finetuneSchedule());
        }
        if (m != PruneMethod.DENSE) {
            s.put("roundTo", cfg.roundTo());
            if (!cfg.budget().equals("params")) {
                s.put("budget", cfg.budget());
            }
        }
        if (m == PruneMethod.TAYLOR || m == PruneMethod.ITERATIVE || m == PruneMethod.SIMILAR_TASK || m == PruneMethod.RANDOM_NEIGHBOURS) {
            s.put("embeddingPerClass", cfg.embeddingPerClass());
        }
        if (m == PruneMethod.ITERATIVE) {
            s.put("iterativeRounds", cfg.iterativeRounds());
            s.put("bankImportance", cfg.bankImportance());
        }
        if (m == PruneMethod.SIMILAR_TASK || m == PruneMethod.RANDOM_NEIGHBOURS) {
            s.put("bank", bankHash);
            s.put("neighbours", cfg.neighbours());
            s.put("temperature", cfg.temperature());
            s.put("weighting", cfg.weighting());
            s.put("similarity", cfg.similarity());
            s.put("layerRatios", cfg.layerRatios());
        }
        if (recalibrates(m) && cfg.bnRecalibrationBatches() > 0 && batchNorm) {
            s.put("bnRecalibrationBatches", cfg.bnRecalibrationBatches());
        }
        return s;
    }

    /** The methods whose pruned model has its BatchNorm statistics re-estimated: the one-shot ones (not dense, not iterative). */
    static boolean recalibrates(PruneMethod m) {
        return m != PruneMethod.DENSE && m != PruneMethod.ITERATIVE;
    }

    private List<RunResult> runTargets(TaskPlan plan, MaskBank bank) throws IOException {
        List<String> methods = cfg.methods();
        int total = plan.targets().size() * cfg.keepRatios().size() * methods.size();
        int maxBudget = cfg.finetuneBudgets().get(cfg.finetuneBudgets().size() - 1);
        listener.stage("prune and fine-tune " + plan.targets().size() + " target tasks × " + cfg.keepRatios().size() + " sizes × "
                + methods.size() + " methods", (long) total * maxBudget);
        Path runsDir = dir.resolve("runs");
        Files.createDirectories(runsDir);
        Module theta = ModelFile.load(thetaFile).model();
        List<BankEntry> sources = sourceEntries(bank.entries(), plan);
        String bankHash = bankHash(plan);
        boolean batchNorm = BatchNormRecalibration.hasBatchNorm(theta);
        List<RunResult> out = new ArrayList<>();
        long done = 0;
        for (int[] classes : plan.targets()) {
            Tasks.Task t = task(classes);
            TaskEmbedding emb = null;
            double embedSecs = 0;
            RunResult dense = null; // the dense model does not depend on the keep ratio: fine-tuned once per target
            for (double ratio : cfg.keepRatios()) {
                for (String label : methods) {
                    PruneMethod m = PruneMethod.ofLabel(label);
                    Path f = runsDir.resolve(String.format(Locale.ROOT, "%s_%.3f_%s.json", t.name(), ratio, label));
                    String settings = runHash(m, bankHash, batchNorm);
                    RunResult r;
                    if (Files.exists(f) && settings.equals(RunJson.settings(f))) {
                        r = RunJson.read(f);
                    } else {
                        if (m == PruneMethod.DENSE && dense != null) {
                            r = withKeepRatio(dense, ratio);
                        } else {
                            if (emb == null && (m == PruneMethod.SIMILAR_TASK || m == PruneMethod.RANDOM_NEIGHBOURS)) {
                                long t0 = System.nanoTime();
                                emb = embed(theta, t);
                                embedSecs = (System.nanoTime() - t0) / 1e9;
                            }
                            long base = done;
                            r = runOne(t, ratio, m, sources, emb, embedSecs, step -> listener.progress(base + step));
                        }
                        AtomicFiles.writeString(f, RunJson.write(r, settings));
                    }
                    if (m == PruneMethod.DENSE) {
                        dense = r;
                    }
                    out.add(r);
                    done += maxBudget;
                    listener.progress(done);
                }
            }
        }
        listener.stageDone();
        return out;
    }

    private static RunResult withKeepRatio(RunResult r, double ratio) {
        return new RunResult(r.target(), r.classes(), r.method(), ratio, r.params(), r.macs(), r.latencyMs(), r.pruneSeconds(),
                r.finetuneSeconds(), r.curve(), r.groupKeepRatios(), r.neighbours(), r.similarities());
    }

    /**
     * One method on one target at one size, {@code ratio} a keep ratio of the config's
     * {@link #budget}. Every method trains on the same batches in the same order
     * (the target's data seed); only the random choices of a method (the random mask, the random
     * neighbours) have a seed of their own. The method's pruning time includes the task embedding and,
     * for a one-shot method, the BatchNorm recalibration of the shrunk model (on the same batches for
     * every method; skipped if the mask removes nothing, as the model is then θ0 with the head, as dense).
     * Every method's fine-tuning follows the config's {@code finetuneSchedule}: the iterative baseline's
     * after its pruning rounds too (its warmup then starts anew and a cosine ends at the same last
     * budget as the others'), while its pruning rounds keep the constant rate of the bank's method, as
     * they are the pruning method itself, not the fine-tuning budget compared.
     */
    private RunResult runOne(Tasks.Task t, double ratio, PruneMethod method, List<BankEntry> bank, TaskEmbedding emb, double embedSecs,
                             java.util.function.LongConsumer progress) throws IOException {
        long seed = dataSeed(t.classes());
        DataLoader trainL = trainLoader(t, seed);
        DataLoader testL = testLoader(t);
        List<Integer> budgets = cfg.finetuneBudgets();
        long t0 = System.nanoTime();
        Module model;
        PruningMask mask = null;
        List<String> neighbourIds = new ArrayList<>();
        List<Double> sims = new ArrayList<>();
        List<CurvePoint> curve;
        double pruneSecs;
        double ftSecs;
        if (method == PruneMethod.ITERATIVE) {
            // R rounds of s = maxBudget / 2R iterations each from iteration 0 (the config checks s >= 1): the target size is
            // reached by the R-th pruning at iteration ·s and fine-tuned s more, so the pruning uses R·s iterations, at
            // most half the budget. Budget points below R·s have no accuracy (NaN); from R·s on, the rest of the budget fine-tunes.
            int rounds = cfg.iterativeRounds();
            int maxBudget = budgets.get(budgets.size() - 1);
            int s = Math.max(1, maxBudget / (2 * rounds));
            int used = schedule(List.of(ratio), rounds).size() * s;
            PruningMask[] last = new PruningMask[1];
            model = iterative(t, List.of(ratio), rounds, s, cfg.bankImportance(), seed, null, progress, last);
            mask = last[0];
            Shrinker.shrink(model, PruningGraph.of(model, inputShape), mask, null);
            pruneSecs = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            List<Integer> rest = new ArrayList<>();
            rest.add(0);
            for (int b : budgets) {
                if (b > used) {
                    rest.add(b - used);
                }
            }
            curve = new ArrayList<>();
            for (int b : budgets) {
                if (b < used) {
                    curve.add(new CurvePoint(b, Double.NaN, Double.NaN));
                }
            }
            for (CurvePoint p : Finetune.curve(model, trainL, testL, rest, cfg.finetuneLr(), cfg.finetuneSchedule(),
                    Finetune.StepHook.NONE, i -> progress.accept(used + i))) {
                if (budgets.contains(p.iterations() + used)) {
                    curve.add(new CurvePoint(p.iterations() + used, p.accuracy(), p.loss()));
                }
            }
            ftSecs = (System.nanoTime() - t1) / 1e9;
        } else {
            model = thetaWithHead(t.classes(), seed);
            if (method != PruneMethod.DENSE) {
                PruningGraph graph = PruningGraph.of(model, inputShape);
                Selection.Target budget = budget(cfg.budget(), ratio, graph.cost());
                OneShotMasks.Choice choice = OneShotMasks.choose(method, model, graph, budget, bank, emb,
                        method == PruneMethod.TAYLOR ? sampleBatches(t, seed) : null, ratio, OneShotMasks.Settings.of(cfg),
                        methodSeed(t.classes(), method));
                mask = choice.mask();
                for (Neighbour n : choice.neighbours()) {
                    neighbourIds.add(n.entry().id());
                    sims.add(n.similarity());
                }
                Shrinker.shrink(model, graph, mask, null);
                if (recalibrates(method) && !mask.isAllKeep()) {
                    BatchNormRecalibration.recalibrate(model, recalibrationLoader(t, seed), cfg.bnRecalibrationBatches());
                }
            }
            pruneSecs = (System.nanoTime() - t0) / 1e9 + (method == PruneMethod.SIMILAR_TASK ? embedSecs : 0);
            long t1 = System.nanoTime();
            curve = Finetune.curve(model, trainL, testL, budgets, cfg.finetuneLr(), cfg.finetuneSchedule(), Finetune.StepHook.NONE,
                    progress::accept);
            ftSecs = (System.nanoTime() - t1) / 1e9;
        }
        ModelStats st = ModelStats.of(model, inputShape);
        double latency = Latency.medianMs(model, inputShape, 10, 21);
        Map<String, Double> groupRatios = new LinkedHashMap<>();
        if (mask != null) {
            for (String id : mask.ids()) {
                groupRatios.put(id, (double) mask.kept(id) / mask.units(id));
            }
        }
        return new RunResult(t.name(), t.classes(), method.label(), ratio, st.parameters(), st.macs(), latency, pruneSecs, ftSecs, curve,
                groupRatios, neighbourIds, sims);
    }

    // ------------------------------------------------------------------ mask overlap

    /**
     * Per keep ratio and group (in the bank's group order, which is forward order): the mean
     * pairwise Jaccard overlap of the kept units of the similar-task neighbours' masks, averaged
     * over the target tasks.
     */
    static Map<String, Map<String, Double>> maskOverlap(List<RunResult> runs, MaskBank bank) {
        Map<String, BankEntry> byId = new LinkedHashMap<>();
        bank.entries().forEach(e -> byId.put(e.id(), e));
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (RunResult r : runs) {
            if (!r.method().equals(PruneMethod.SIMILAR_TASK.label()) || r.neighbours().size() < 2) {
                continue;
            }
            String key = String.format(Locale.ROOT, "%.2f", r.keepRatio());
            List<BankEntry> nb = r.neighbours().stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
            if (nb.size() < 2) {
                continue;
            }
            for (String g : nb.get(0).mask().ids()) {
                double sum = 0;
                int pairs = 0;
                for (int i = 0; i < nb.size(); i++) {
                    for (int j = i + 1; j < nb.size(); j++) {
                        sum += jaccard(nb.get(i).mask().keep(g), nb.get(j).mask().keep(g));
                        pairs++;
                    }
                }
                out.computeIfAbsent(key, k -> new LinkedHashMap<>()).merge(g, sum / pairs, Double::sum);
                counts.computeIfAbsent(key, k -> new LinkedHashMap<>()).merge(g, 1, Integer::sum);
            }
        }
        out.forEach((k, m) -> m.replaceAll((g, v) -> v / counts.get(k).get(g)));
        return out;
    }

    static double jaccard(boolean[] a, boolean[] b) {
        int inter = 0;
        int union = 0;
        for (int i = 0; i < a.length; i++) {
            inter += a[i] && b[i] ? 1 : 0;
            union += a[i] || b[i] ? 1 : 0;
        }
        return union == 0 ? 1 : (double) inter / union;
    }
}
