package dev.sprig.cli;

import dev.sprig.kernels.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks and settings shared by the subcommands' options. */
final class CliArgs {
    private CliArgs() {
    }

    /** Applies {@code --threads} when given; it must be at least 1. */
    static void threads(Integer threads) {
        if (threads == null) {
            return;
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        Parallel.setThreads(threads);
    }

    /** A MODEL parameter must name an existing regular file. */
    static void modelFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model file " + file + " does not exist or is not a file");
        }
    }
}
