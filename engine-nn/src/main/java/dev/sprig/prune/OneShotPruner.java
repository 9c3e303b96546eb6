package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.nn.optim.Optimizer;
import java.util.Map;

/**
 * Prunes once: score the units, select to the target, shrink, then fine-tune.
 *
 * @param importance how units are scored (on the model as given)
 * @param selection  the target and how units are chosen
 * @param fineTuner  training after the shrink ({@link FineTuner#NONE} for none)
 */
public record OneShotPruner(Importance importance, Selection selection, FineTuner fineTuner) {

    /** What a pruning run did. */
    public record Result(PruningMask mask, PruneReport report, Map<String, float[]> scores) {}

    public OneShotPruner {
        if (importance == null || selection == null || fineTuner == null) {
            throw new IllegalArgumentException("OneShotPruner needs an importance, a selection and a fine-tuner (FineTuner.NONE for none)");
        }
    }

    /**
     * Prunes {@code model} in place.
     *
     * @param graph     the model's graph (with the exclusions to use)
     * @param optimizer an optimizer whose state should shrink with the model, or null
     */
    public Result prune(Module model, PruningGraph graph, Optimizer optimizer) {
        Map<String, float[]> scores = importance.scores(model, graph);
        PruningMask mask = selection.select(graph, scores);
        PruneReport report = Shrinker.shrink(model, graph, mask, optimizer);
        fineTuner.fineTune(model, 1);
        return new Result(mask, report, scores);
    }
}
