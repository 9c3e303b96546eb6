package dev.sprig.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sprig.method.experiment.CurvePoint;
import dev.sprig.method.experiment.ExperimentResults;
import dev.sprig.method.experiment.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    private static RunResult run(String target, String method, double ratio, double acc0, double acc100) {
        Map<String, Double> groups = new LinkedHashMap<>();
        groups.put("layer1:residual", ratio);
        groups.put("layer1.0.conv1:out", ratio / 2);
        return new RunResult(target, new int[] {0, 1, 2}, method, ratio, (long) (1000 * ratio), (long) (2e6 * ratio), 1.5, 0.25, 3.0,
                List.of(new CurvePoint(0, acc0, 1.0), new CurvePoint(100, acc100, 0.5)), groups, List.of("t1", "t2"), List.of(0.9, 0.8));
    }

    @Test
    void writesEveryNumberTheTablesAndThePlots(@TempDir Path dir) throws IOException {
        List<RunResult> runs = new ArrayList<>();
        runs.add(run("a", "similar-task", 0.5, 0.60, 0.90));
        runs.add(run("b", "similar-task", 0.5, 0.70, 0.80));
        runs.add(run("a", "one-shot-l1", 0.5, 0.30, 0.70));
        runs.add(run("b", "one-shot-l1", 0.5, 0.40, 0.70));
        runs.add(run("a", "similar-task", 0.25, 0.50, 0.75));
        runs.add(run("a", "iterative", 0.25, Double.NaN, 0.60)); // no accuracy before its pruning rounds end
        Map<String, Map<String, Double>> overlap = new LinkedHashMap<>();
        overlap.put("0.50", new LinkedHashMap<>(Map.of("layer1:residual", 0.7)));
        ExperimentResults r = new ExperimentResults("unit", Map.of("k", 5), Map.of("architecture", "resnet"), Map.of("entries", 2),
                runs, overlap, Map.of("cores", 2));
        ReportWriter.Written w = ReportWriter.write(r, dir);

        JsonNode json = new ObjectMapper().readTree(w.results().toFile());
        assertThat(json.get("format").asText()).isEqualTo("sprig-experiment-results");
        assertThat(json.at("/results/runs")).hasSize(6);
        // NaN is null, as in the run files (not the string "NaN")
        assertThat(json.at("/results/runs/5/curve/0/accuracy").isNull()).isTrue();
        assertThat(json.at("/results/runs/5/curve/1/accuracy").asDouble()).isEqualTo(0.60);
        JsonNode iterative = json.at("/summary/rows/3");
        assertThat(iterative.get("method").asText()).isEqualTo("iterative");
        assertThat(iterative.at("/accuracyByBudget/0/mean").isNull()).isTrue();
        assertThat(iterative.at("/accuracyByBudget/0/n").asInt()).isZero();
        assertThat(Files.readString(w.results())).doesNotContain("NaN");
        assertThat(json.at("/results/runs/0/curve/1/accuracy").asDouble()).isEqualTo(0.90);
        // the summary's first row: similar-task at 0.5, accuracy after 100 iterations = mean(0.9, 0.8), std sqrt(0.005)
        JsonNode row = json.at("/summary/rows/0");
        assertThat(row.get("method").asText()).isEqualTo("similar-task");
        assertThat(row.at("/accuracyByBudget/100/mean").asDouble()).isCloseTo(0.85, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(row.at("/accuracyByBudget/100/std").asDouble()).isCloseTo(Math.sqrt(0.005), org.assertj.core.api.Assertions.within(1e-12));

        String md = Files.readString(w.report());
        assertThat(md).contains("## Keep ratio 0.50").contains("## Keep ratio 0.25")
                .contains("| similar-task | 65.0 ± 7.1 | 85.0 ± 7.1 |").contains("| one-shot-l1 | 35.0 ± 7.1 | 70.0 ± 0.0 |")
                .contains("2 held-out target tasks")
                // costs as mean ± std like accuracy: params 500 ± 0, MMACs 1.00 ± 0.00, latency, prune and fine-tune seconds
                .contains("| 500 ± 0 | 1.00 ± 0.00 | 1.50 ± 0.00 | 0.3 ± 0.0 | 3.0 ± 0.0 |")
                .contains("| iterative | – | 60.0 ± 0.0 |");
        assertThat(w.plots()).extracting(p -> p.getFileName().toString()).contains("accuracy-vs-iterations-keep0.50.png",
                "group-keep-ratios-keep0.25.png", "mask-overlap-by-depth.png");
        for (Path p : w.plots()) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(p), 4);
            assertThat(head).containsExactly(0x89, 'P', 'N', 'G');
            assertThat(md).contains("(plots/" + p.getFileName() + ")");
        }
        try (var files = Files.list(dir.resolve("plots"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
        }
        assertThat(ReportWriter.finalTable(r)).contains("similar-task").contains("65.0 ± 7.1").contains("85.0 ± 7.1");
    }
}
