package dev.sprig.onnx.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts per operator (ran, passed, skipped with reasons) and the table the suite prints. */
final class Summary {
    /** Per-operator counts; {@code floatCases} counts cases whose first input is float32. */
    static final class Row {
        int ran;
        int passed;
        int skipped;
        int floatCases;
    }

    private final Map<String, Row> rows = new TreeMap<>();
    private final Map<String, List<String>> skipReasons = new TreeMap<>();
    private final Map<String, Integer> unmapped = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    private static String key(ConformanceCase c) {
        return c.expanded() ? c.operator() + " (expanded)" : c.operator();
    }

    synchronized Row row(ConformanceCase c) {
        return rows.computeIfAbsent(key(c), k -> new Row());
    }

    synchronized Row row(String operator) {
        return rows.getOrDefault(operator, new Row());
    }

    synchronized void passed(ConformanceCase c) {
        Row r = row(c);
        r.ran++;
        r.passed++;
    }

    synchronized void failed(ConformanceCase c, String why) {
        row(c).ran++;
        failures.add(c.name() + ": " + why);
    }

    synchronized void skipped(ConformanceCase c, String reason) {
        row(c).skipped++;
        skipReasons.computeIfAbsent(reason, k -> new ArrayList<>()).add(c.name());
    }

    /** A case of an operator that Sprig does not implement at all: counted, not run. */
    synchronized void unmapped(ConformanceCase c) {
        unmapped.merge(c.operator(), 1, Integer::sum);
    }

    synchronized int ran() {
        return rows.values().stream().mapToInt(r -> r.ran).sum();
    }

    synchronized int passed() {
        return rows.values().stream().mapToInt(r -> r.passed).sum();
    }

    synchronized int skipped() {
        return rows.values().stream().mapToInt(r -> r.skipped).sum();
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    synchronized String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-34s %5s %7s %8s%n", "operator", "ran", "passed", "skipped"));
        rows.forEach((op, r) -> sb.append(String.format("%-34s %5d %7d %8d%n", op, r.ran, r.passed, r.skipped)));
        sb.append(String.format("%-34s %5d %7d %8d%n", "TOTAL", ran(), passed(), skipped()));
        sb.append("\nSkipped, by reason:\n");
        skipReasons.forEach((reason, cases) -> sb.append("  ").append(reason).append(" (").append(cases.size()).append("): ")
                .append(String.join(", ", cases)).append('\n'));
        int unmappedCases = unmapped.values().stream().mapToInt(Integer::intValue).sum();
        sb.append("\nNot run: ").append(unmappedCases).append(" cases of ").append(unmapped.size())
                .append(" operators Sprig does not implement: ").append(unmapped).append('\n');
        if (!failures.isEmpty()) {
            sb.append("\nFAILED:\n");
            failures.forEach(f -> sb.append("  ").append(f).append('\n'));
        }
        return sb.toString();
    }
}
