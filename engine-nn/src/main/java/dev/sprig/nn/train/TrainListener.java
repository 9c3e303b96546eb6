package dev.sprig.nn.train;

import java.nio.file.Path;

/** Receives a training run's progress; the CLI draws it as a progress bar with an ETA. */
public interface TrainListener {
    /** Before the first step; {@code startStep} > 0 when the run resumed from a checkpoint. */
    default void onStart(long startStep, long totalSteps) {
    }

    /** After each optimizer step. {@code etaSeconds} extrapolates the steps done in this process. */
    default void onStep(long step, long totalSteps, double loss, float lr, double etaSeconds) {
    }

    /** After an evaluation on the test data. */
    default void onEval(long step, Evaluation result) {
    }

    /** After a checkpoint was written. */
    default void onCheckpoint(long step, Path file) {
    }

    /** A listener that ignores everything. */
    TrainListener NONE = new TrainListener() {
    };
}
