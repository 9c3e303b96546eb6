package dev.sprig.cli;

import dev.sprig.method.experiment.ExperimentConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole method on generated data that needs no install: pre-train a small ResNet on the 24
 * shape classes, build a bank of pruned source tasks, then prune held-out tasks in one shot from
 * their neighbours and compare with every baseline; prints the table and says where the report is.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The whole experiment on generated shapes (no install): pre-train, build a mask bank, prune new tasks "
                + "with the method and the baselines, report. A few minutes on 2 cores; rerunning resumes.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Run directory (default: ${DEFAULT-VALUE}).", defaultValue = "runs/demo")
    Path out;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        ExperimentCommand.run(ExperimentConfig.preset("demo"), out, null, threads);
        return 0;
    }
}
