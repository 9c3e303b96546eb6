package dev.sprig.method;

import dev.sprig.prune.CostModel;
import dev.sprig.prune.Group;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * METHOD.md step 4: from the score mask to a concrete mask that meets a parameter or MAC budget.
 *
 * <ul>
 *   <li>{@link LayerRatios#NEIGHBOURS} (default): group l keeps {@code ceil(α · r_l · n_l)} units,
 *       r_l the neighbours' weighted keep ratio, with one factor α for the whole model, the largest
 *       that meets the budget (found by bisection on the exact cost model);</li>
 *   <li>{@link LayerRatios#UNIFORM}: the same with r_l = 1, so every group keeps the same fraction;</li>
 *   <li>{@link LayerRatios#GLOBAL}: units ranked across all groups by score, added best first while
 *       the budget holds, after every group's minimum.</li>
 * </ul>
 * Within a group the units with the highest score are kept; ties (common with few neighbours) are
 * broken by a second score (the unit's L1 norm in θ0), then by the lower index. Kept counts are
 * rounded up to a multiple of {@code roundTo} (never above the group's size), never zero.
 */
public final class OneShotSelection {
    private OneShotSelection() {}

    /** How the per-group keep ratios are set. */
    public enum LayerRatios { NEIGHBOURS, UNIFORM, GLOBAL }

    /** What the budget counts. */
    public enum Cost { PARAMETERS, MACS }

    /**
     * @param graph     the groups and the exact cost model of the model to prune (with its task head)
     * @param scores    per prunable group, a score per unit (higher = keep first)
     * @param ratios    per group, the base keep ratio (NEIGHBOURS mode; ignored otherwise)
     * @param tieBreak  per group, a second score per unit, or null
     * @param budget    the most parameters (or MACs) the pruned model may have
     */
    public static PruningMask select(PruningGraph graph, Map<String, float[]> scores, Map<String, Double> ratios,
                                     Map<String, float[]> tieBreak, Cost cost, long budget, LayerRatios mode, int roundTo) {
        if (roundTo < 1) {
            throw new IllegalArgumentException("roundTo must be >= 1, got " + roundTo);
        }
        List<Group> groups = graph.prunable();
        for (Group g : groups) {
            float[] s = scores.get(g.id());
            if (s == null || s.length != g.units()) {
                throw new IllegalArgumentException("scores for group '" + g.id() + "' must have " + g.units() + " entries, got "
                        + (s == null ? "none" : s.length));
            }
        }
        CostModel cm = graph.cost();
        Map<String, int[]> order = new LinkedHashMap<>();
        for (Group g : groups) {
            order.put(g.id(), ranking(scores.get(g.id()), tieBreak == null ? null : tieBreak.get(g.id())));
        }
        int[] minimum = new int[groups.size()];
        for (int i = 0; i < minimum.length; i++) {
            minimum[i] = Math.min(roundTo, groups.get(i).units());
        }
        long least = measure(cm, cost, mask(groups, order, minimum));
        if (least > budget) {
            throw new IllegalArgumentException("a budget of " + budget + " " + name(cost) + " cannot be met: keeping the minimum of "
                    + roundTo + " unit(s) per group already costs " + least + " (full model: " + full(cm, cost) + ")");
        }
        if (mode == LayerRatios.GLOBAL) {
            return global(groups, scores, order, minimum, cm, cost, budget, roundTo);
        }
        double[] base = new double[groups.size()];
        for (int i = 0; i < base.length; i++) {
            base[i] = mode == LayerRatios.UNIFORM ? 1.0 : ratios.getOrDefault(groups.get(i).id(), 1.0);
            if (!(base[i] > 0)) {
                base[i] = 1e-9; // a group no neighbour kept anything of still keeps its minimum
            }
        }
        double maxAlpha = 0;
        for (double b : base) {
            maxAlpha = Math.max(maxAlpha, 1.0 / b);
        }
        double lo = 0;
        double hi = maxAlpha;
        if (measure(cm, cost, mask(groups, order, counts(groups, base, hi, minimum, roundTo))) <= budget) {
            lo = hi;
        } else {
            for (int it = 0; it < 100; it++) {
                double mid = (lo + hi) / 2;
                if (measure(cm, cost, mask(groups, order, counts(groups, base, mid, minimum, roundTo))) <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
        }
        return mask(groups, order, counts(groups, base, lo, minimum, roundTo));
    }

    private static String name(Cost c) {
        return c == Cost.PARAMETERS ? "parameters" : "MACs";
    }

    private static long full(CostModel cm, Cost c) {
        return c == Cost.PARAMETERS ? cm.parameters() : cm.macs();
    }

    private static long measure(CostModel cm, Cost c, PruningMask m) {
        return c == Cost.PARAMETERS ? cm.parameters(m) : cm.macs(m);
    }

    private static int[] counts(List<Group> groups, double[] base, double alpha, int[] minimum, int roundTo) {
        int[] k = new int[groups.size()];
        for (int i = 0; i < k.length; i++) {
            int n = groups.get(i).units();
            int want = (int) Math.ceil(alpha * base[i] * n - 1e-9);
            want = (want + roundTo - 1) / roundTo * roundTo;
            k[i] = Math.max(minimum[i], Math.min(n, want));
        }
        return k;
    }

    /** Unit indices best first: score descending, then tie-break descending, then index ascending. */
    static int[] ranking(float[] score, float[] tie) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Comparator<Integer> c = Comparator.comparingDouble((Integer i) -> -score[i]);
        if (tie != null) {
            c = c.thenComparingDouble(i -> -tie[i]);
        }
        java.util.Arrays.sort(idx, c.thenComparingInt(i -> i));
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    private static PruningMask mask(List<Group> groups, Map<String, int[]> order, int[] kept) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            boolean[] keep = new boolean[g.units()];
            int[] o = order.get(g.id());
            for (int j = 0; j < kept[i]; j++) {
                keep[o[j]] = true;
            }
            m.put(g.id(), keep);
        }
        return PruningMask.of(m);
    }

    private static PruningMask global(List<Group> groups, Map<String, float[]> scores, Map<String, int[]> order, int[] minimum,
                                      CostModel cm, Cost cost, long budget, int roundTo) {
        int[] kept = minimum.clone();
        // Candidates: the next block of roundTo units of each group, ranked by the mean score of the block.
        record Step(int group, int from, double score) {}
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            float[] s = scores.get(groups.get(i).id());
            int[] o = order.get(groups.get(i).id());
            for (int from = minimum[i]; from < o.length; from += roundTo) {
                double sum = 0;
                int to = Math.min(o.length, from + roundTo);
                for (int j = from; j < to; j++) {
                    sum += s[o[j]];
                }
                steps.add(new Step(i, from, sum / (to - from)));
            }
        }
        // Within a group blocks come in rank order, so their mean scores do not increase: a stable sort keeps that order.
        steps.sort(Comparator.comparingDouble((Step st) -> -st.score()));
        for (Step st : steps) {
            if (kept[st.group()] != st.from()) {
                continue; // an earlier block of this group did not fit
            }
            int before = kept[st.group()];
            kept[st.group()] = Math.min(groups.get(st.group()).units(), st.from() + roundTo);
            if (measure(cm, cost, mask(groups, order, kept)) > budget) {
                kept[st.group()] = before;
            }
        }
        return mask(groups, order, kept);
    }
}
