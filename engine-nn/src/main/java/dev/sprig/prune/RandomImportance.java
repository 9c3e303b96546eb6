package dev.sprig.prune;

import dev.sprig.nn.Module;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Uniform random scores in [0, 1): the random-pruning baseline. A group's scores depend only on the
 * seed and the group id, so they do not change when other groups are added or excluded.
 */
public record RandomImportance(long seed, Normalization normalization) implements Importance {

    @Override
    public Map<String, float[]> scores(Module model, PruningGraph graph) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            Random rng = new Random(seed * 1_000_003L + g.id().hashCode());
            double[] s = new double[g.units()];
            for (int u = 0; u < s.length; u++) {
                s[u] = rng.nextDouble();
            }
            out.put(g.id(), UnitScores.normalize(s, normalization));
        }
        return out;
    }
}
