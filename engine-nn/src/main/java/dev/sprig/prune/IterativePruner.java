package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.nn.optim.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The structured form of iterative magnitude pruning: in each of {@code rounds} rounds, score the
 * units of the current model, shrink it a step towards the target, and fine-tune. The steps are
 * geometric, so each round removes about the same fraction of what is left: round i of R keeps
 * {@code ratio^(i/R)} of the original units, or meets the budget {@code C0·(B/C0)^(i/R)} (C0 the
 * original cost); the last round meets the target. Per-group minimums are relative to the
 * original widths. The result's mask is relative to the original model, so it can be stored in a
 * bank and compared with other tasks' masks unit by unit.
 *
 * <p>Deterministic: the same model, importance (seeded), fine-tuner and settings give the same mask.
 */
public final class IterativePruner {
    private final Importance importance;
    private final Selection.Target target;
    private final int rounds;
    private final FineTuner fineTuner;
    private final Selection.Strategy strategy;
    private final int roundTo;
    private final double minKeepRatio;

    private IterativePruner(Importance importance, Selection.Target target, int rounds, FineTuner fineTuner, Selection.Strategy strategy,
                            int roundTo, double minKeepRatio) {
        if (importance == null || target == null || fineTuner == null || strategy == null) {
            throw new IllegalArgumentException("IterativePruner needs an importance, a target, a fine-tuner (FineTuner.NONE for none)"
                    + " and a strategy");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("IterativePruner needs rounds >= 1, got " + rounds);
        }
        if (roundTo < 1 || !(minKeepRatio >= 0 && minKeepRatio <= 1)) {
            throw new IllegalArgumentException("roundTo must be >= 1 and minKeepRatio in [0, 1], got " + roundTo + " and " + minKeepRatio);
        }
        this.importance = importance;
        this.target = target;
        this.rounds = rounds;
        this.fineTuner = fineTuner;
        this.strategy = strategy;
        this.roundTo = roundTo;
        this.minKeepRatio = minKeepRatio;
    }

    /** Uniform per-group selection, no rounding, no minimum beyond one unit. */
    public static IterativePruner of(Importance importance, Selection.Target target, int rounds, FineTuner fineTuner) {
        return new IterativePruner(importance, target, rounds, fineTuner, Selection.Strategy.UNIFORM, 1, 0);
    }

    public IterativePruner withStrategy(Selection.Strategy s) {
        return new IterativePruner(importance, target, rounds, fineTuner, s, roundTo, minKeepRatio);
    }

    public IterativePruner roundTo(int n) {
        return new IterativePruner(importance, target, rounds, fineTuner, strategy, n, minKeepRatio);
    }

    /** Every group keeps at least {@code ceil(ratio · original units)}. */
    public IterativePruner minKeepRatio(double ratio) {
        return new IterativePruner(importance, target, rounds, fineTuner, strategy, roundTo, ratio);
    }

    /**
     * The pruning run's outcome.
     *
     * @param mask   kept units relative to the original model's groups
     * @param report the original model against the final one
     * @param rounds each round's own report
     */
    public record Result(PruningMask mask, PruneReport report, List<PruneReport> rounds) {
        public Result {
            rounds = List.copyOf(rounds);
        }
    }

    /**
     * Prunes {@code model} in place.
     *
     * @param graph     the model's graph, with the exclusions to keep in every round
     * @param optimizer an optimizer whose state should shrink with the model each round (e.g. one the
     *                  fine-tuner keeps using), or null
     */
    public Result prune(Module model, PruningGraph graph, Optimizer optimizer) {
        List<Group> original = graph.prunable();
        Map<String, int[]> originalIndex = new LinkedHashMap<>(); // current unit -> original unit, per group
        Map<String, Integer> minUnits = new LinkedHashMap<>();
        Map<String, Integer> originalUnits = new LinkedHashMap<>();
        int totalUnits = 0;
        for (Group g : original) {
            int[] id = new int[g.units()];
            for (int i = 0; i < id.length; i++) {
                id[i] = i;
            }
            originalIndex.put(g.id(), id);
            originalUnits.put(g.id(), g.units());
            minUnits.put(g.id(), Math.max(1, (int) Math.ceil(minKeepRatio * g.units() - 1e-9)));
            totalUnits += g.units();
        }
        long originalParams = graph.cost().parameters();
        long originalMacs = graph.cost().macs();
        List<PruneReport> reports = new ArrayList<>();
        PruningGraph current = graph;
        for (int round = 1; round <= rounds; round++) {
            if (round > 1) {
                current = current.retrace(model);
            }
            double fraction = (double) round / rounds;
            Selection sel = selection(current, originalUnits, fraction, totalUnits, originalParams, originalMacs).withMinUnits(minUnits);
            PruningMask mask = sel.select(current, importance.scores(model, current));
            for (String id : mask.ids()) {
                int[] idx = originalIndex.get(id);
                int[] kept = mask.keptIndices(id);
                int[] next = new int[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    next[i] = idx[kept[i]];
                }
                originalIndex.put(id, next);
            }
            reports.add(Shrinker.shrink(model, current, mask, optimizer));
            fineTuner.fineTune(model, round);
        }
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        List<PruneReport.GroupWidth> widths = new ArrayList<>();
        for (Group g : original) {
            boolean[] k = new boolean[g.units()];
            for (int i : originalIndex.get(g.id())) {
                k[i] = true;
            }
            keep.put(g.id(), k);
        }
        for (Group g : graph.groups()) {
            int after = originalIndex.containsKey(g.id()) ? originalIndex.get(g.id()).length : g.units();
            widths.add(new PruneReport.GroupWidth(g.id(), g.kind(), g.units(), after));
        }
        PruneReport first = reports.get(0);
        PruneReport last = reports.get(reports.size() - 1);
        List<PruneReport.LayerShape> layers = new ArrayList<>();
        for (int i = 0; i < first.layers().size(); i++) {
            layers.add(new PruneReport.LayerShape(first.layers().get(i).tensor(), first.layers().get(i).before(), last.layers().get(i).after()));
        }
        return new Result(PruningMask.of(keep), new PruneReport(first.before(), last.after(), widths, layers), reports);
    }

    /** This round's selection on the current model: a step of the geometric schedule towards the target. */
    private Selection selection(PruningGraph current, Map<String, Integer> originalUnits, double fraction, int totalUnits, long params0,
                                long macs0) {
        return switch (target) {
            case Selection.KeepRatio r -> {
                double keep = Math.pow(r.ratio(), fraction);
                if (strategy == Selection.Strategy.GLOBAL) {
                    int now = 0;
                    for (Group g : current.prunable()) {
                        now += g.units();
                    }
                    double ratio = Math.min(1.0, Math.ceil(keep * totalUnits - 1e-9) / now);
                    yield Selection.global(Selection.keepRatio(ratio)).roundTo(roundTo);
                }
                // Uniform: group g keeps ceil(keep · original units), expressed as a ratio of its current units.
                Map<String, Double> profile = new LinkedHashMap<>();
                for (Group g : current.prunable()) {
                    double want = Math.max(1.0, Math.ceil(keep * originalUnits.get(g.id()) - 1e-9));
                    profile.put(g.id(), Math.min(1.0, want / g.units()));
                }
                yield Selection.uniform(Selection.keepRatio(1.0)).withProfile(profile).roundTo(roundTo);
            }
            case Selection.ParameterBudget p -> {
                long budget = Math.round(params0 * Math.pow((double) p.parameters() / params0, fraction));
                yield make(Selection.parameters(fraction == 1.0 ? p.parameters() : Math.max(1, budget)));
            }
            case Selection.MacBudget m -> {
                long budget = Math.round(macs0 * Math.pow((double) m.macs() / macs0, fraction));
                yield make(Selection.macs(fraction == 1.0 ? m.macs() : Math.max(1, budget)));
            }
        };
    }

    private Selection make(Selection.Target t) {
        return (strategy == Selection.Strategy.UNIFORM ? Selection.uniform(t) : Selection.global(t)).roundTo(roundTo);
    }
}
