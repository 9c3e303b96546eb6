package dev.sprig.method.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Mean and spread over target tasks, per method and keep ratio: accuracy at every fine-tuning
 * budget, and the costs (size, speed, time).
 *
 * @param rows one row per (keep ratio, method), keep ratios descending, methods in {@link PruneMethod} order
 */
public record Summary(List<Row> rows) {

    /** Mean ± sample standard deviation over {@code n} targets. */
    public record Stat(double mean, double std, int n) {
        static Stat of(List<Double> xs) {
            int n = 0;
            double sum = 0;
            for (double x : xs) {
                if (!Double.isNaN(x)) {
                    sum += x;
                    n++;
                }
            }
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double mean = sum / n;
            double ss = 0;
            for (double x : xs) {
                if (!Double.isNaN(x)) {
                    ss += (x - mean) * (x - mean);
                }
            }
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
        }
    }

    /**
     * @param accuracyByBudget fine-tuning iterations → accuracy over targets, budgets ascending
     */
    public record Row(String method, double keepRatio, Map<Integer, Stat> accuracyByBudget, Stat params, Stat macs, Stat latencyMs,
                      Stat pruneSeconds, Stat finetuneSeconds) {}

    public static Summary of(List<RunResult> runs) {
        TreeSet<Double> ratios = new TreeSet<>(java.util.Comparator.reverseOrder());
        TreeSet<Integer> budgets = new TreeSet<>();
        for (RunResult r : runs) {
            ratios.add(r.keepRatio());
            r.curve().forEach(p -> budgets.add(p.iterations()));
        }
        List<Row> rows = new ArrayList<>();
        for (double ratio : ratios) {
            for (PruneMethod m : PruneMethod.values()) {
                List<RunResult> sel = runs.stream().filter(r -> r.keepRatio() == ratio && r.method().equals(m.label())).toList();
                if (sel.isEmpty()) {
                    continue;
                }
                Map<Integer, Stat> acc = new LinkedHashMap<>();
                for (int b : budgets) {
                    acc.put(b, Stat.of(sel.stream().map(r -> r.accuracyAt(b)).toList()));
                }
                rows.add(new Row(m.label(), ratio, acc, Stat.of(sel.stream().map(r -> (double) r.params()).toList()),
                        Stat.of(sel.stream().map(r -> (double) r.macs()).toList()),
                        Stat.of(sel.stream().map(RunResult::latencyMs).toList()),
                        Stat.of(sel.stream().map(RunResult::pruneSeconds).toList()),
                        Stat.of(sel.stream().map(RunResult::finetuneSeconds).toList())));
            }
        }
        return new Summary(List.copyOf(rows));
    }
}
