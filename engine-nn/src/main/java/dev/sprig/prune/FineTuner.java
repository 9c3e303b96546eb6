package dev.sprig.prune;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Module;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.nn.train.TrainConfig;
import dev.sprig.nn.train.Trainer;
import java.util.function.Function;

/** Trains a model after a pruning round (the pruners call it with the freshly shrunk model). */
@FunctionalInterface
public interface FineTuner {

    /**
     * Fine-tunes {@code model} in place.
     *
     * @param round 1 for the first pruning round
     */
    void fineTune(Module model, int round);

    /** No fine-tuning. */
    FineTuner NONE = (model, round) -> { };

    /**
     * Each round runs a {@link Trainer} for {@code config.totalSteps()} steps with a new optimizer
     * from {@code optimizer} (the shrunk model's parameters have new shapes). {@code config} should
     * have no checkpoint directory: every round starts from step 0.
     */
    static FineTuner trainer(Function<Module, Optimizer> optimizer, DataLoader train, TrainConfig config) {
        if (config.checkpointDir() != null) {
            throw new IllegalArgumentException("a fine-tuning config must not checkpoint (" + config.checkpointDir()
                    + "): each round would resume from the last round's checkpoint");
        }
        return (model, round) -> new Trainer(model, optimizer.apply(model), train, null, config, null).run();
    }
}
