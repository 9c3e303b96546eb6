package dev.sprig.cli.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.sprig.method.experiment.ExperimentResults;
import dev.sprig.method.experiment.RunResult;
import dev.sprig.method.experiment.Summary;
import dev.sprig.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes an experiment's {@code results.json} (every number, with Jackson), {@code report.md}
 * (tables a person reads) and the PNG plots ({@link Plots}) into a directory, each file atomically.
 */
public final class ReportWriter {
    private ReportWriter() {}

    /** The files written. */
    public record Written(Path results, Path report, List<Path> plots) {}

    public static Written write(ExperimentResults r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve("results.json");
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).registerModule(NON_FINITE_AS_NULL);
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("format", "sprig-experiment-results");
        doc.put("version", 1);
        doc.put("results", r);
        doc.put("summary", r.summary());
        AtomicFiles.writeString(json, mapper.writeValueAsString(doc) + "\n");
        List<Path> plots = Plots.write(r, dir.resolve("plots"));
        Path md = dir.resolve("report.md");
        AtomicFiles.writeString(md, markdown(r, dir, plots));
        return new Written(json, md, plots);
    }

    /** NaN and infinities as JSON null, as the run files write them (Jackson's default is the string "NaN"). */
    private static final SimpleModule NON_FINITE_AS_NULL = new SimpleModule("non-finite-as-null")
            .addSerializer(Double.class, new NonFiniteAsNull())
            .addSerializer(double.class, new NonFiniteAsNull());

    private static final class NonFiniteAsNull extends StdSerializer<Double> {
        NonFiniteAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (Double.isFinite(v)) {
                g.writeNumber(v);
            } else {
                g.writeNull();
            }
        }
    }

    static String pct(Summary.Stat s) {
        return s.n() == 0 ? "–" : String.format(Locale.ROOT, "%.1f ± %.1f", 100 * s.mean(), 100 * s.std());
    }

    /** The table printed at the end of a run: final accuracy and size per (keep ratio, method). */
    public static String finalTable(ExperimentResults r) {
        Summary s = r.summary();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-6s %-18s %-14s %-14s %10s %9s %9s%n", "keep", "method", "acc@0 (%)", "acc@end (%)",
                "params", "MMACs", "lat ms"));
        for (Summary.Row row : s.rows()) {
            List<Integer> budgets = new ArrayList<>(row.accuracyByBudget().keySet());
            b.append(String.format(Locale.ROOT, "%-6.2f %-18s %-14s %-14s %10.0f %9.2f %9.2f%n", row.keepRatio(), row.method(),
                    pct(row.accuracyByBudget().get(budgets.get(0))), pct(row.accuracyByBudget().get(budgets.get(budgets.size() - 1))),
                    row.params().mean(), row.macs().mean() / 1e6, row.latencyMs().mean()));
        }
        return b.toString();
    }

    static String markdown(ExperimentResults r, Path dir, List<Path> plots) {
        StringBuilder b = new StringBuilder();
        b.append("# Experiment: ").append(r.name()).append("\n\n");
        b.append("Pre-trained model: ").append(r.pretrained()).append("\n\n");
        b.append("Bank: ").append(r.bank()).append("\n\n");
        b.append("Machine: ").append(r.machine()).append("\n\n");
        long targets = r.runs().stream().map(RunResult::target).distinct().count();
        b.append("Every number is the mean ± standard deviation over ").append(targets)
                .append(" held-out target tasks (never in the bank). Accuracy is test accuracy in %, after the given number of "
                        + "fine-tuning iterations; – where there is none: the iterative baseline spends the first R·s iterations of "
                        + "the budget on its R pruning rounds of s = (last budget) / 2R iterations, and has accuracy only from there "
                        + "on. `results.json` holds every number behind these tables (null where there is none).\n\n");
        Summary s = r.summary();
        TreeSet<Double> ratios = new TreeSet<>(java.util.Comparator.reverseOrder());
        s.rows().forEach(row -> ratios.add(row.keepRatio()));
        for (double ratio : ratios) {
            List<Summary.Row> rows = s.rows().stream().filter(x -> x.keepRatio() == ratio).toList();
            List<Integer> budgets = new ArrayList<>(rows.get(0).accuracyByBudget().keySet());
            b.append(String.format(Locale.ROOT, "## Keep ratio %.2f%n%n", ratio));
            b.append("| method |");
            budgets.forEach(x -> b.append(" acc@").append(x).append(" |"));
            b.append(" params | MMACs | batch-1 latency (ms) | prune (s) | fine-tune (s) |\n|---|");
            budgets.forEach(x -> b.append("---:|"));
            b.append("---:|---:|---:|---:|---:|\n");
            for (Summary.Row row : rows) {
                b.append("| ").append(row.method()).append(" |");
                for (int x : budgets) {
                    b.append(' ').append(pct(row.accuracyByBudget().get(x))).append(" |");
                }
                b.append(String.format(Locale.ROOT, " %,.0f ± %,.0f | %.2f ± %.2f | %.2f ± %.2f | %.1f ± %.1f | %.1f ± %.1f |%n",
                        row.params().mean(), row.params().std(), row.macs().mean() / 1e6, row.macs().std() / 1e6, row.latencyMs().mean(),
                        row.latencyMs().std(), row.pruneSeconds().mean(), row.pruneSeconds().std(), row.finetuneSeconds().mean(),
                        row.finetuneSeconds().std()));
            }
            b.append('\n');
        }
        if (!plots.isEmpty()) {
            b.append("## Plots\n\n");
            for (Path p : plots) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                b.append("![").append(p.getFileName()).append("](").append(rel).append(")\n\n");
            }
        }
        return b.toString();
    }
}
