package dev.sprig.method.experiment;

import dev.sprig.data.DataLoader;
import dev.sprig.method.BankEntry;
import dev.sprig.method.Neighbour;
import dev.sprig.method.Retrieval;
import dev.sprig.method.ScoreMask;
import dev.sprig.method.TaskEmbedding;
import dev.sprig.method.TaskSimilarity;
import dev.sprig.method.VoteWeighting;
import dev.sprig.nn.Module;
import dev.sprig.prune.Importance;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import dev.sprig.prune.Selection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Choosing a new task's mask in one shot, by the method (the neighbours' vote) or by a one-shot
 * baseline (L1, Taylor, random), to a budget. Used by the experiment and by
 * {@code sprig prune}.
 */
public final class OneShotMasks {
    private OneShotMasks() {}

    /**
     * How the method votes and selects.
     *
     * @param neighbours  K
     * @param temperature tau of the softmax vote
     * @param weighting   {@code softmax} or {@code uniform}
     * @param similarity  how tasks are compared
     * @param layerRatios {@code neighbours}, {@code uniform} or {@code global}
     * @param roundTo     kept counts rounded to a multiple of this
     */
    public record Settings(int neighbours, double temperature, String weighting, TaskSimilarity similarity, String layerRatios,
                           int roundTo) {
        public static Settings of(ExperimentConfig c) {
            return new Settings(c.neighbours(), c.temperature(), c.weighting(), TaskSimilarity.valueOf(c.similarity()), c.layerRatios(),
                    c.roundTo());
        }
    }

    /** A chosen mask, and the bank entries it was voted from (empty for the baselines). */
    public record Choice(PruningMask mask, List<Neighbour> neighbours) {}

    /**
     * @param model         θ0 with the task's head (not yet pruned)
     * @param graph         its graph
     * @param budget        the target size (a keep ratio of units, a parameter or a MAC budget)
     * @param bank          the bank entries to vote from (the method and its random control), else ignored
     * @param embedding     the task's embedding (the method and its control)
     * @param taylorBatches a few batches of the task (Taylor)
     * @param keepRatio     the target keep ratio: the vote prefers bank masks made for it
     */
    public static Choice choose(PruneMethod method, Module model, PruningGraph graph, Selection.Target budget, List<BankEntry> bank,
                                TaskEmbedding embedding, List<DataLoader.Batch> taylorBatches, double keepRatio, Settings s, long seed) {
        Selection uniform = Selection.uniform(budget).roundTo(s.roundTo());
        return switch (method) {
            case SIMILAR_TASK, RANDOM_NEIGHBOURS -> {
                if (bank == null || embedding == null) {
                    throw new IllegalArgumentException(method.label() + " needs a mask bank and the task's embedding");
                }
                List<BankEntry> candidates = candidates(bank, keepRatio, s.neighbours());
                List<Neighbour> nb = method == PruneMethod.SIMILAR_TASK
                        ? Retrieval.topK(candidates, embedding, s.similarity(), s.neighbours())
                        : Retrieval.randomK(candidates, embedding, s.similarity(), s.neighbours(), seed);
                VoteWeighting w = s.weighting().equals("softmax") ? new VoteWeighting.Softmax(s.temperature()) : new VoteWeighting.Uniform();
                ScoreMask sm = ScoreMask.vote(nb, w);
                // Ties (common with few neighbours) go to the unit with the larger L1 norm in θ0.
                Map<String, float[]> l1 = Importance.l1().scores(model, graph);
                Selection sel = switch (s.layerRatios()) {
                    case "neighbours" -> uniform.withProfile(sm.keepRatios());
                    case "global" -> Selection.global(budget).roundTo(s.roundTo());
                    default -> uniform;
                };
                yield new Choice(sel.withTieBreak(l1).select(graph, sm.scores()), nb);
            }
            case L1 -> new Choice(uniform.select(graph, Importance.l1().scores(model, graph)), List.of());
            case TAYLOR -> {
                if (taylorBatches == null || taylorBatches.isEmpty()) {
                    throw new IllegalArgumentException("one-shot Taylor needs batches of the task");
                }
                yield new Choice(uniform.select(graph, Importance.taylor(taylorBatches).scores(model, graph)), List.of());
            }
            case RANDOM -> new Choice(uniform.select(graph, Importance.random(seed).scores(model, graph)), List.of());
            default -> throw new IllegalArgumentException(method.label() + " is not a one-shot method");
        };
    }

    /**
     * The bank entries a vote may use: those made for {@code keepRatio}; when fewer than {@code k}
     * tasks have one, every task once, by its mask whose keep ratio is closest (then the first in
     * bank order), so that no task votes twice.
     */
    static List<BankEntry> candidates(List<BankEntry> bank, double keepRatio, int k) {
        List<BankEntry> exact = bank.stream().filter(e -> Math.abs(e.keepRatio() - keepRatio) < 1e-9).toList();
        if (exact.size() >= k) {
            return exact;
        }
        Map<String, BankEntry> closest = new LinkedHashMap<>();
        for (BankEntry e : bank) {
            closest.merge(e.task(), e, (a, b) -> Math.abs(b.keepRatio() - keepRatio) < Math.abs(a.keepRatio() - keepRatio) ? b : a);
        }
        return List.copyOf(closest.values());
    }
}
