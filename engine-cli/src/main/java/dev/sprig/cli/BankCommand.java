package dev.sprig.cli;

import dev.sprig.method.BankEntry;
import dev.sprig.method.MaskBank;
import dev.sprig.method.experiment.Experiment;
import dev.sprig.method.experiment.ExperimentConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig bank}: build a mask bank of pruned source tasks, or list one. */
@Command(name = "bank", mixinStandardHelpOptions = true, description = "Build or list a mask bank.",
        subcommands = {BankCommand.Build.class, BankCommand.List.class})
final class BankCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Pre-train θ0 (or take --pretrained) and prune the experiment's source tasks iteratively into "
                    + "DIR/bank-HASH (HASH of the settings the bank is built with); "
                    + "reruns resume.")
    static final class Build implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "demo", description = "Experiment preset whose bank settings to use (default: ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = "--config", description = "A JSON file of settings over the preset.")
        Path config;

        @Option(names = "--out", required = true, description = "Run directory: θ0 in OUT/pretrained, the bank in OUT/bank-HASH.")
        Path out;

        @Option(names = "--pretrained", description = "A model file to use as θ0.")
        Path pretrained;

        @Option(names = "--threads", description = "Kernel threads (default: all cores).")
        Integer threads;

        @Override
        public Integer call() throws Exception {
            ExperimentCommand ec = new ExperimentCommand();
            ec.preset = preset;
            ec.config = config;
            ExperimentConfig cfg = ec.config();
            CliArgs.threads(threads);
            MaskBank bank = new Experiment(cfg, out, pretrained, new ProgressListener()).buildBank();
            System.out.printf("bank %s: %d entries from model %s%n", bank.directory(), bank.size(), bank.modelFingerprint());
            System.out.printf("θ0: %s%n", out.resolve("pretrained/model.safetensors"));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a bank's entries.")
    static final class List implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The bank directory.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            MaskBank bank = MaskBank.open(dir);
            System.out.printf("%s: %d entries, %s model %s%n", dir, bank.size(), bank.architecture(), bank.modelFingerprint());
            for (BankEntry e : bank.entries()) {
                System.out.printf("%-28s classes %-12s keep %.3f  %-18s accuracy %.2f%%%n", e.id(), Arrays.toString(e.classes()),
                        e.keepRatio(), e.method(), 100 * e.accuracy());
            }
            return 0;
        }
    }
}
