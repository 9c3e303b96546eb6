package dev.sprig.cli;

import dev.sprig.cli.report.ReportWriter;
import dev.sprig.method.experiment.Experiment;
import dev.sprig.method.experiment.ExperimentConfig;
import dev.sprig.method.experiment.ExperimentResults;
import dev.sprig.nn.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sprig experiment}: METHOD.md's experiment from a preset or a config file, with its report. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run the method and every baseline on held-out tasks and write results.json, report.md and plots. "
                + "Every stage is cached in --out: rerunning the command resumes.")
final class ExperimentCommand implements Callable<Integer> {
    @Option(names = "--preset", description = "A named experiment: demo, shapes, fashion-resnet20, fashion-vit (default: ${DEFAULT-VALUE}).",
            defaultValue = "demo")
    String preset;

    @Option(names = "--config", description = "A JSON file of settings over the preset (or naming one with \"preset\"); "
            + "without a \"name\", the experiment is named after the file.")
    Path config;

    @Option(names = "--out", description = "Run directory (default: runs/<name>).")
    Path out;

    @Option(names = "--pretrained", description = "A model file (sprig pretrain) to use as the pre-trained model θ0.")
    Path pretrained;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = config();
        run(cfg, out != null ? out : Path.of("runs", cfg.name()), pretrained, threads);
        return 0;
    }

    @SuppressWarnings("unchecked")
    ExperimentConfig config() throws java.io.IOException {
        if (config == null) {
            return ExperimentConfig.preset(preset);
        }
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("--config " + config + " does not exist or is not a file");
        }
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(config));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--config " + config + ": " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException("--config " + config + " must hold a JSON object of settings");
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>((Map<String, Object>) parsed);
        String base = m.containsKey("preset") ? String.valueOf(m.get("preset")) : preset;
        if (!m.containsKey("name")) {
            // named after the file (my-run.json -> my-run), not after the preset it starts from
            String file = config.getFileName().toString();
            m.put("name", file.contains(".") ? file.substring(0, file.lastIndexOf('.')) : file);
        }
        return ExperimentConfig.preset(base).withOverrides(m);
    }

    static void run(ExperimentConfig cfg, Path out, Path pretrained, Integer threads) throws java.io.IOException {
        CliArgs.threads(threads);
        if (pretrained != null && !Files.isRegularFile(pretrained)) {
            throw new IllegalArgumentException("--pretrained " + pretrained + " does not exist or is not a file");
        }
        long t0 = System.nanoTime();
        System.out.printf("experiment '%s' in %s (%d bank tasks, %d target tasks, keep ratios %s, methods %s)%n", cfg.name(), out,
                cfg.bankTasks(), cfg.targetTasks(), cfg.keepRatios(), cfg.methods());
        ExperimentResults r = new Experiment(cfg, out, pretrained, new ProgressListener()).run();
        ReportWriter.Written w = ReportWriter.write(r, out);
        System.out.println();
        System.out.print(ReportWriter.finalTable(r));
        System.out.printf("%nfinished in %.1f s. Report: %s (every number: %s, plots: %s; θ0: %s, mask bank: %s)%n",
                (System.nanoTime() - t0) / 1e9, w.report(), w.results(), out.resolve("plots"), out.resolve("pretrained/model.safetensors"),
                out.resolve(String.valueOf(r.bank().get("directory"))));
    }
}
