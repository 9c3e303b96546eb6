package dev.sprig.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses which units to keep from importance scores and a target size, producing a
 * {@link PruningMask} over every prunable group. Immutable; configure with the {@code with...}
 * methods:
 *
 * <pre>{@code
 * PruningMask m = Selection.uniform(Selection.keepRatio(0.5)).roundTo(8).select(graph, scores);
 * PruningMask m = Selection.global(Selection.macs(20_000_000)).minKeepRatio(0.1).select(graph, scores);
 * }</pre>
 *
 * <ul>
 *   <li>{@link Strategy#UNIFORM}: every group keeps {@code ceil(min(1, s·r_g)·n_g)} units, with
 *       {@code r_g} = 1 or a per-group profile ({@link #withProfile}); for a keep-ratio target
 *       {@code s} is the ratio, for a budget the largest {@code s} that meets it.</li>
 *   <li>{@link Strategy#GLOBAL}: units of all groups ranked together by score; the top {@code j}
 *       are kept, {@code j = ceil(ratio · all units)} or the largest that meets the budget. Scores of
 *       different groups should then be comparable (see {@link Importance.Normalization}).</li>
 * </ul>
 *
 * <p>In both, a group keeps at least {@code max(1, ceil(minKeepRatio·n))} units (or its
 * {@link #withMinUnits} minimum), kept counts are
 * rounded up to a multiple of {@link #roundTo} (never above the group's units, never zero), and a
 * group keeps its best-scored units. Ties go to the higher tie-break score if given
 * ({@link #withTieBreak}), then to the lower index (then, in a global ranking, the earlier group):
 * the same scores always give the same mask. Parameters and MACs are measured exactly with the
 * graph's {@link CostModel}. A budget smaller than the smallest allowed model is an
 * {@link IllegalArgumentException} that names both.
 */
public final class Selection {
    /** A target size. */
    public sealed interface Target permits KeepRatio, ParameterBudget, MacBudget {}

    /** Keep this fraction of the prunable units, in (0, 1]. */
    public record KeepRatio(double ratio) implements Target {
        public KeepRatio {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("keep ratio must be in (0, 1], got " + ratio);
            }
        }
    }

    /** At most this many parameters. */
    public record ParameterBudget(long parameters) implements Target {
        public ParameterBudget {
            if (parameters < 1) {
                throw new IllegalArgumentException("parameter budget must be >= 1, got " + parameters);
            }
        }
    }

    /** At most this many multiply-accumulates per input (FLOPs / 2). */
    public record MacBudget(long macs) implements Target {
        public MacBudget {
            if (macs < 1) {
                throw new IllegalArgumentException("MAC budget must be >= 1, got " + macs);
            }
        }
    }

    /** Per-group ratios or one global ranking. */
    public enum Strategy { UNIFORM, GLOBAL }

    public static KeepRatio keepRatio(double ratio) {
        return new KeepRatio(ratio);
    }

    public static ParameterBudget parameters(long budget) {
        return new ParameterBudget(budget);
    }

    public static MacBudget macs(long budget) {
        return new MacBudget(budget);
    }

    /** FLOPs are counted as 2 × MACs. */
    public static MacBudget flops(long budget) {
        return new MacBudget(Math.max(1, budget / 2));
    }

    private final Strategy strategy;
    private final Target target;
    private final int roundTo;
    private final double minKeepRatio;
    private final Map<String, Double> profile;    // null: uniform r_g = 1
    private final Map<String, float[]> tieBreak; // null: ties go to the lower index
    private final Map<String, Integer> minUnits; // null: no per-group minimum beyond minKeepRatio

    private Selection(Strategy strategy, Target target, int roundTo, double minKeepRatio, Map<String, Double> profile,
                      Map<String, float[]> tieBreak, Map<String, Integer> minUnits) {
        if (strategy == null || target == null) {
            throw new IllegalArgumentException("a selection needs a strategy and a target");
        }
        this.strategy = strategy;
        this.target = target;
        this.roundTo = roundTo;
        this.minKeepRatio = minKeepRatio;
        this.profile = profile;
        this.tieBreak = tieBreak;
        this.minUnits = minUnits;
    }

    public static Selection uniform(Target target) {
        return new Selection(Strategy.UNIFORM, target, 1, 0, null, null, null);
    }

    public static Selection global(Target target) {
        return new Selection(Strategy.GLOBAL, target, 1, 0, null, null, null);
    }

    /** Kept counts become multiples of {@code n} (e.g. 1, 4, 8, 16 for SIMD-friendly widths), capped at the group's units. */
    public Selection roundTo(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("roundTo must be >= 1, got " + n);
        }
        return new Selection(strategy, target, n, minKeepRatio, profile, tieBreak, minUnits);
    }

    /** Every group keeps at least {@code ceil(ratio · units)} units (and at least one). */
    public Selection minKeepRatio(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("minKeepRatio must be in [0, 1], got " + ratio);
        }
        return new Selection(strategy, target, roundTo, ratio, profile, tieBreak, minUnits);
    }

    /**
     * Per-group relative keep ratios {@code r_g} in (0, 1] for the uniform strategy (every prunable
     * group needs one): group g keeps {@code ceil(min(1, s·r_g)·n_g)} units, {@code s} as the target says.
     */
    public Selection withProfile(Map<String, Double> ratios) {
        if (strategy != Strategy.UNIFORM) {
            throw new IllegalArgumentException("a per-group profile needs the UNIFORM strategy, not " + strategy);
        }
        Map<String, Double> copy = new LinkedHashMap<>(ratios);
        copy.forEach((id, r) -> {
            if (r == null || !(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("profile ratio of group " + id + " must be in (0, 1], got " + r);
            }
        });
        return new Selection(strategy, target, roundTo, minKeepRatio, copy, tieBreak, minUnits);
    }

    /** Second scores per group (same lengths as the scores) that decide ties before the unit index. */
    public Selection withTieBreak(Map<String, float[]> secondScores) {
        return new Selection(strategy, target, roundTo, minKeepRatio, profile, new LinkedHashMap<>(secondScores), minUnits);
    }

    /**
     * Per-group minimum kept units (on top of {@link #minKeepRatio}), e.g. a fraction of the widths
     * before an earlier shrink; capped at the group's units.
     */
    public Selection withMinUnits(Map<String, Integer> minimum) {
        Map<String, Integer> copy = new LinkedHashMap<>(minimum);
        copy.forEach((id, k) -> {
            if (k == null || k < 1) {
                throw new IllegalArgumentException("minimum units of group " + id + " must be >= 1, got " + k);
            }
        });
        return new Selection(strategy, target, roundTo, minKeepRatio, profile, tieBreak, copy);
    }

    public Strategy strategy() {
        return strategy;
    }

    public Target target() {
        return target;
    }

    // ------------------------------------------------------------------ selection

    /** The mask: per prunable group of {@code graph}, its best units up to the target. */
    public PruningMask select(PruningGraph graph, Map<String, float[]> scores) {
        List<Group> groups = graph.groups();
        List<Integer> prunable = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            if (!groups.get(i).excluded()) {
                prunable.add(i);
            }
        }
        int[][] order = new int[groups.size()][];
        int[] minimum = new int[groups.size()];
        for (int gi : prunable) {
            Group g = groups.get(gi);
            float[] s = checkedScores(scores, g, "scores");
            float[] t = tieBreak == null || !tieBreak.containsKey(g.id()) ? null : checkedScores(tieBreak, g, "tie-break scores");
            order[gi] = rank(s, t);
            int min = (int) Math.ceil(minKeepRatio * g.units() - 1e-9);
            if (minUnits != null && minUnits.containsKey(g.id())) {
                min = Math.max(min, minUnits.get(g.id()));
            }
            minimum[gi] = round(min, g.units());
        }
        if (profile != null) {
            for (int gi : prunable) {
                if (!profile.containsKey(groups.get(gi).id())) {
                    throw new IllegalArgumentException("the profile has no ratio for prunable group " + groups.get(gi).id());
                }
            }
        }
        Counts counts = strategy == Strategy.UNIFORM ? new UniformCounts(groups, prunable, minimum)
                : new GlobalCounts(groups, prunable, minimum, scores, order);
        int[] kept = switch (target) {
            case KeepRatio r -> counts.at(strategy == Strategy.UNIFORM ? r.ratio() : Math.ceil(r.ratio() * counts.total() - 1e-9));
            case ParameterBudget p -> search(counts, k -> graph.cost().parameters(k), p.parameters(), "parameter budget", "parameters");
            case MacBudget m -> search(counts, k -> graph.cost().macs(k), m.macs(), "MAC budget", "MACs");
        };
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        for (int gi : prunable) {
            boolean[] k = new boolean[groups.get(gi).units()];
            for (int r = 0; r < kept[gi]; r++) {
                k[order[gi][r]] = true;
            }
            keep.put(groups.get(gi).id(), k);
        }
        return PruningMask.of(keep);
    }

    private static float[] checkedScores(Map<String, float[]> scores, Group g, String what) {
        float[] s = scores.get(g.id());
        if (s == null) {
            throw new IllegalArgumentException("no " + what + " for prunable group " + g.id());
        }
        if (s.length != g.units()) {
            throw new IllegalArgumentException(what + " of group " + g.id() + " have " + s.length + " entries, the group has " + g.units()
                    + " units");
        }
        for (int i = 0; i < s.length; i++) {
            if (Float.isNaN(s[i])) {
                throw new IllegalArgumentException(what + " of group " + g.id() + " are NaN at unit " + i);
            }
        }
        return s;
    }

    /** Unit indices, best first: higher score, then higher tie-break, then lower index. */
    private static int[] rank(float[] s, float[] t) {
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(s[b], s[a]);
            if (c == 0 && t != null) {
                c = Float.compare(t[b], t[a]);
            }
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** {@code k} rounded up to a multiple of {@link #roundTo}, at least 1 (rounded), at most {@code units}. */
    private int round(int k, int units) {
        int r = Math.max(1, k);
        r = (r + roundTo - 1) / roundTo * roundTo;
        return Math.min(r, units);
    }

    /** Kept counts (by position in the graph's groups; excluded groups at full units) as a function of one parameter. */
    private interface Counts {
        int[] at(double x);

        /** The parameter's range: at(low()) is the smallest model, at(high()) keeps every unit. */
        double low();

        double high();

        /** Whether x only takes integer values (global: a unit count). */
        boolean discrete();

        /** Total prunable units. */
        int total();
    }

    private final class UniformCounts implements Counts {
        private final List<Group> groups;
        private final List<Integer> prunable;
        private final int[] minimum;

        UniformCounts(List<Group> groups, List<Integer> prunable, int[] minimum) {
            this.groups = groups;
            this.prunable = prunable;
            this.minimum = minimum;
        }

        private double ratio(int gi) {
            return profile == null ? 1.0 : profile.get(groups.get(gi).id());
        }

        @Override
        public int[] at(double s) {
            int[] kept = full(groups);
            for (int gi : prunable) {
                int n = groups.get(gi).units();
                int k = (int) Math.ceil(Math.min(1.0, s * ratio(gi)) * n - 1e-9);
                kept[gi] = Math.max(minimum[gi], round(k, n));
            }
            return kept;
        }

        @Override
        public double low() {
            return 0;
        }

        @Override
        public double high() {
            double h = 1;
            for (int gi : prunable) {
                h = Math.max(h, 1 / ratio(gi));
            }
            return h;
        }

        @Override
        public boolean discrete() {
            return false;
        }

        @Override
        public int total() {
            int t = 0;
            for (int gi : prunable) {
                t += groups.get(gi).units();
            }
            return t;
        }
    }

    private final class GlobalCounts implements Counts {
        private final List<Group> groups;
        private final List<Integer> prunable;
        private final int[] minimum;
        private final int[] rankedGroup; // group of the j-th best unit overall

        GlobalCounts(List<Group> groups, List<Integer> prunable, int[] minimum, Map<String, float[]> scores, int[][] order) {
            this.groups = groups;
            this.prunable = prunable;
            this.minimum = minimum;
            List<long[]> all = new ArrayList<>(); // {group, unit}
            for (int gi : prunable) {
                for (int u = 0; u < groups.get(gi).units(); u++) {
                    all.add(new long[] {gi, u});
                }
            }
            // A unit's rank inside its group, so that ties across groups keep each group's own order.
            Map<Integer, int[]> rankInGroup = new LinkedHashMap<>();
            for (int gi : prunable) {
                int[] r = new int[order[gi].length];
                for (int i = 0; i < r.length; i++) {
                    r[order[gi][i]] = i;
                }
                rankInGroup.put(gi, r);
            }
            all.sort((a, b) -> {
                float sa = scores.get(groups.get((int) a[0]).id())[(int) a[1]];
                float sb = scores.get(groups.get((int) b[0]).id())[(int) b[1]];
                int c = Float.compare(sb, sa);
                if (c == 0 && tieBreak != null) {
                    float[] ta = tieBreak.get(groups.get((int) a[0]).id());
                    float[] tb = tieBreak.get(groups.get((int) b[0]).id());
                    c = Float.compare(tb == null ? 0 : tb[(int) b[1]], ta == null ? 0 : ta[(int) a[1]]);
                }
                if (c == 0) {
                    c = Long.compare(a[0], b[0]);
                }
                return c != 0 ? c : Integer.compare(rankInGroup.get((int) a[0])[(int) a[1]], rankInGroup.get((int) b[0])[(int) b[1]]);
            });
            rankedGroup = new int[all.size()];
            for (int j = 0; j < rankedGroup.length; j++) {
                rankedGroup[j] = (int) all.get(j)[0];
            }
        }

        @Override
        public int[] at(double x) {
            int j = (int) Math.min(rankedGroup.length, Math.max(0, Math.round(x)));
            int[] top = new int[groups.size()];
            for (int r = 0; r < j; r++) {
                top[rankedGroup[r]]++;
            }
            int[] kept = full(groups);
            for (int gi : prunable) {
                kept[gi] = Math.max(minimum[gi], round(top[gi], groups.get(gi).units()));
            }
            return kept;
        }

        @Override
        public double low() {
            return 0;
        }

        @Override
        public double high() {
            return rankedGroup.length;
        }

        @Override
        public boolean discrete() {
            return true;
        }

        @Override
        public int total() {
            return rankedGroup.length;
        }
    }

    private static int[] full(List<Group> groups) {
        int[] k = new int[groups.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = groups.get(i).units();
        }
        return k;
    }

    /** The largest model of the family {@code counts} whose cost fits {@code budget}. */
    private int[] search(Counts counts, java.util.function.ToLongFunction<int[]> cost, long budget, String what, String unit) {
        int[] smallest = counts.at(counts.low());
        long min = cost.applyAsLong(smallest);
        if (min > budget) {
            throw new IllegalArgumentException(String.format("%s %,d cannot be met: the smallest model this selection allows has %,d %s"
                    + " (every prunable group at its minimum: at least max(1, ceil(%s x units)) units, rounded up to a multiple of %d)",
                    what, budget, min, unit, minKeepRatio, roundTo));
        }
        int[] all = counts.at(counts.high());
        if (cost.applyAsLong(all) <= budget) {
            return all;
        }
        double lo = counts.low();  // fits
        double hi = counts.high(); // does not fit
        if (counts.discrete()) {
            long l = (long) lo;
            long h = (long) hi;
            while (h - l > 1) {
                long mid = (l + h) >>> 1;
                if (cost.applyAsLong(counts.at(mid)) <= budget) {
                    l = mid;
                } else {
                    h = mid;
                }
            }
            return counts.at(l);
        }
        for (int it = 0; it < 60; it++) {
            double mid = (lo + hi) / 2;
            if (cost.applyAsLong(counts.at(mid)) <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return counts.at(lo);
    }

    @Override
    public String toString() {
        return "Selection(" + strategy + ", " + target + (roundTo != 1 ? ", roundTo " + roundTo : "")
                + (minKeepRatio != 0 ? ", minKeepRatio " + minKeepRatio : "") + (profile != null ? ", profile" : "")
                + (tieBreak != null ? ", tie-break" : "") + (minUnits != null ? ", per-group minimum" : "") + ")";
    }
}
