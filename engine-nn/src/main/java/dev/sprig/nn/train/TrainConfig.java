package dev.sprig.nn.train;

import dev.sprig.nn.optim.LrSchedule;
import java.nio.file.Path;

/**
 * What a training run does.
 *
 * @param totalSteps      optimizer steps to run (an epoch is {@code loader.batchesPerEpoch()} steps)
 * @param schedule        learning rate per step
 * @param clipNorm        global gradient-norm clip, or 0 for none
 * @param labelSmoothing  cross-entropy label smoothing in [0, 1)
 * @param evalEvery       evaluate on the test loader every this many steps (and at the end); 0 = only at the end
 * @param checkpointEvery write a checkpoint every this many steps (and at the end); 0 = only at the end
 * @param checkpointDir   where checkpoints go ({@code last.safetensors}); null = no checkpoints, no resume
 */
public record TrainConfig(long totalSteps, LrSchedule schedule, double clipNorm, float labelSmoothing, long evalEvery,
                          long checkpointEvery, Path checkpointDir) {
    public TrainConfig {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("a learning-rate schedule is required");
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clipNorm must be >= 0 (0 = off), got " + clipNorm);
        }
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (evalEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("evalEvery and checkpointEvery must be >= 0, got " + evalEvery + " and " + checkpointEvery);
        }
    }
}
