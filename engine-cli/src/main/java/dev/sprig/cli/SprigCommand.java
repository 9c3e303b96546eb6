package dev.sprig.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sprig} command: entry point and subcommand registry. */
@Command(name = "sprig",
        mixinStandardHelpOptions = true,
        versionProvider = SprigCommand.Version.class,
        description = "Sprig: one-shot pruning of pre-trained networks for new tasks, in pure Java.",
        subcommands = {DemoCommand.class, ExperimentCommand.class, TrainCommand.class, BankCommand.class, PruneCommand.class,
                FinetuneCommand.class, EvalCommand.class, ExportCommand.class, CommandLine.HelpCommand.class})
public final class SprigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 usage error). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new SprigCommand());
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("sprig: " + ex.getMessage());
            return 1;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SprigCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sprig " + (v == null ? "dev" : v) + " on Java " + Runtime.version()
                    + ", " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + " float lanes"};
        }
    }
}
