package dev.sprig.cli;

import dev.sprig.kernels.Parallel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An engine demo that needs no data install: trains a small classifier with Sprig's autograd on a
 * generated, seeded dataset and reports train/test accuracy. (The method's full demo replaces it.)
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a small network on generated data with Sprig's engine (no install needed).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    @Option(names = "--steps", description = "Training steps (default: ${DEFAULT-VALUE}).", defaultValue = "400")
    int steps;

    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        if (threads != null) {
            Parallel.setThreads(threads);
        }
        DemoTask.Result r = DemoTask.run(seed, steps, true);
        System.out.printf("test accuracy %.1f%% (chance %.1f%%), final train loss %.4f, %d steps in %.1f s%n",
                100 * r.testAccuracy(), 100.0 / DemoTask.CLASSES, r.finalLoss(), steps, r.seconds());
        return 0;
    }
}
