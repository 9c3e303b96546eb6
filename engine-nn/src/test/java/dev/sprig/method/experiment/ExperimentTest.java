package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.method.MaskBank;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ModelFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentTest {

    static ExperimentConfig tiny() {
        return ExperimentConfig.preset("demo").withOverrides(Map.ofEntries(
                Map.entry("name", "tiny"), Map.entry("shapesTrainPerClass", 12), Map.entry("shapesTestPerClass", 6),
                Map.entry("model", "resnet8"), Map.entry("widthMultiplier", 0.5), Map.entry("pretrainEpochs", 1),
                Map.entry("pretrainBatch", 32), Map.entry("trainPerClass", 12), Map.entry("testPerClass", 6),
                Map.entry("bankTasks", 4), Map.entry("targetTasks", 2), Map.entry("keepRatios", List.of(0.5)),
                Map.entry("bankRounds", 2), Map.entry("bankStepsPerRound", 2), Map.entry("neighbours", 2),
                Map.entry("embeddingPerClass", 4), Map.entry("finetuneBudgets", List.of(0, 4, 8)), Map.entry("finetuneBatch", 8),
                Map.entry("iterativeRounds", 2)));
    }

    @Test
    void aTinyEndToEndRunHasEveryMethodMeetsTheBudgetAndResumesFromItsCache(@TempDir Path dir) throws IOException {
        ExperimentConfig cfg = tiny();
        ExperimentResults r = new Experiment(cfg, dir, null, Experiment.Listener.NONE).run();
        assertThat(r.runs()).hasSize(2 * PruneMethod.values().length);
        assertThat(r.runs()).extracting(RunResult::method).containsAll(cfg.methods());
        assertThat(MaskBank.open(dir.resolve("bank")).size()).isEqualTo(4);

        Module theta = ModelFile.load(dir.resolve("pretrained/model.safetensors")).model();
        TaskHeads.attach(theta, new int[] {0, 1, 2}, true, 0);
        long full = theta.parameterCount();
        for (RunResult run : r.runs()) {
            assertThat(run.curve()).extracting(CurvePoint::iterations).containsExactly(0, 4, 8);
            if (run.method().equals("dense")) {
                assertThat(run.params()).isEqualTo(full);
            } else {
                assertThat(run.params()).as(run.method()).isLessThanOrEqualTo((long) (0.5 * full)).isGreaterThan((long) (0.3 * full));
                assertThat(run.groupKeepRatios()).isNotEmpty();
            }
            if (run.method().equals("similar-task") || run.method().equals("random-neighbours")) {
                assertThat(run.neighbours()).hasSize(2);
            }
            if (run.method().equals("iterative")) {
                // two rounds of 2 iterations: the target size is reached at iteration 2; accuracy from there on
                assertThat(run.accuracyAt(0)).isNaN();
                assertThat(run.accuracyAt(8)).isBetween(0.0, 1.0);
            } else {
                assertThat(run.accuracyAt(0)).isBetween(0.0, 1.0);
            }
        }
        assertThat(r.summary().rows()).hasSize(PruneMethod.values().length);

        // A rerun reads every stage from the cache: same numbers, even the measured times.
        ExperimentResults again = new Experiment(cfg, dir, null, Experiment.Listener.NONE).run();
        assertThat(again.runs().stream().map(RunJson::write).toList()).containsExactlyElementsOf(r.runs().stream().map(RunJson::write).toList());
        try (var files = Files.list(dir.resolve("runs"))) {
            assertThat(files.count()).isEqualTo(r.runs().size());
        }
    }
}
