package dev.sprig.method;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The score mask of METHOD.md step 3: {@code S[u] = sum_i w_i * M_i[u]}, in [0, 1], how strongly
 * similar tasks kept unit u; and each group's keep ratio as the neighbours' weighted average.
 *
 * @param scores     per group id, a score per unit
 * @param keepRatios per group id, {@code min(1, sum_i w_i * kept_i / units)} (the weights sum to 1 only up to
 *                   rounding, so a layer every neighbour keeps whole could otherwise come out a little above 1)
 * @param weights    the neighbours' weights, in their order
 */
public record ScoreMask(Map<String, float[]> scores, Map<String, Double> keepRatios, double[] weights) {

    /** Votes the neighbours' masks; every neighbour must have a mask of the same size for every group of the first. */
    public static ScoreMask vote(List<Neighbour> neighbours, VoteWeighting weighting) {
        if (neighbours.isEmpty()) {
            throw new IllegalArgumentException("the vote needs at least one neighbour");
        }
        double[] w = weighting.weights(neighbours);
        dev.sprig.prune.PruningMask first = neighbours.get(0).entry().mask();
        Map<String, float[]> scores = new LinkedHashMap<>();
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String group : first.ids()) {
            int units = first.units(group);
            double[] s = new double[units];
            double ratio = 0;
            for (int i = 0; i < neighbours.size(); i++) {
                BankEntry e = neighbours.get(i).entry();
                boolean[] keep = e.mask().contains(group) ? e.mask().keep(group) : null;
                if (keep == null || keep.length != units) {
                    throw new IllegalArgumentException("bank entry '" + e.id() + "' has " + (keep == null ? "no mask" : keep.length + " units")
                            + " for group '" + group + "', entry '" + neighbours.get(0).entry().id() + "' has " + units
                            + " (masks from different models?)");
                }
                int kept = 0;
                for (int u = 0; u < units; u++) {
                    if (keep[u]) {
                        s[u] += w[i];
                        kept++;
                    }
                }
                ratio += w[i] * ((double) kept / units);
            }
            float[] f = new float[units];
            for (int u = 0; u < units; u++) {
                f[u] = (float) s[u];
            }
            scores.put(group, f);
            ratios.put(group, Math.min(1.0, ratio));
        }
        return new ScoreMask(scores, ratios, w);
    }
}
