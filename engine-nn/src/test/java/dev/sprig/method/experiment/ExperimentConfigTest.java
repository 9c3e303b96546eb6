package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.io.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentConfigTest {

    @Test
    void presetsAreValidAndOverridesApply() {
        for (String p : ExperimentConfig.presets()) {
            assertThat(ExperimentConfig.preset(p).name()).isEqualTo(p);
        }
        ExperimentConfig fm = ExperimentConfig.preset("fashion-resnet20");
        assertThat(fm.bankTasks()).isGreaterThanOrEqualTo(20);
        assertThat(fm.targetTasks()).isGreaterThanOrEqualTo(8);
        assertThat(fm.keepRatios()).containsExactly(0.5, 0.25, 0.1);
        assertThat(fm.trainPerClass()).isEqualTo(300);
        assertThat(fm.finetuneBudgets()).startsWith(0).endsWith(500);

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(
                "{\"preset\":\"demo\",\"targetTasks\":5,\"keepRatios\":[0.3],\"temperature\":1,\"methods\":[\"similar-task\",\"dense\"]}");
        ExperimentConfig c = ExperimentConfig.preset("demo").withOverrides(json);
        assertThat(c.targetTasks()).isEqualTo(5);
        assertThat(c.keepRatios()).containsExactly(0.3);
        assertThat(c.temperature()).isEqualTo(1.0);
        assertThat(c.methods()).containsExactly("similar-task", "dense");
        assertThat(c.toMap()).containsEntry("targetTasks", 5).containsEntry("dataset", "shapes");
        assertThat(c.withOverrides(Map.of())).isEqualTo(c);
    }

    @Test
    void badSettingsNameTheKeyAndTheExpectation() {
        ExperimentConfig d = ExperimentConfig.preset("demo");
        assertThatThrownBy(() -> d.withOverrides(Map.of("targetTask", 3))).hasMessageContaining("unknown experiment setting 'targetTask'")
                .hasMessageContaining("targetTasks");
        assertThatThrownBy(() -> d.withOverrides(Map.of("keepRatios", List.of(1.5)))).hasMessageContaining("'keepRatios' = [1.5]")
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> d.withOverrides(Map.of("neighbours", 99))).hasMessageContaining("'neighbours' = 99");
        assertThatThrownBy(() -> d.withOverrides(Map.of("targetTasks", 2.5))).hasMessageContaining("'targetTasks' = 2.5")
                .hasMessageContaining("wrong type");
        assertThatThrownBy(() -> d.withOverrides(Map.of("methods", List.of("magic")))).hasMessageContaining("unknown method 'magic'");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneBudgets", List.of(10, 50))))
                .hasMessageContaining("starting at 0");
        assertThatThrownBy(() -> ExperimentConfig.preset("huge")).hasMessageContaining("unknown experiment preset 'huge'")
                .hasMessageContaining("demo");
    }

    @Test
    void duplicatesTruncationWrapAroundAndNonFiniteValuesAreRefused() {
        ExperimentConfig d = ExperimentConfig.preset("demo");
        assertThatThrownBy(() -> d.withOverrides(Map.of("methods", List.of("dense", "similar-task", "dense"))))
                .hasMessageContaining("'methods' = [dense, similar-task, dense]").hasMessageContaining("none twice");
        assertThatThrownBy(() -> d.withOverrides(Map.of("keepRatios", List.of(0.5, 0.25, 0.5))))
                .hasMessageContaining("'keepRatios' = [0.5, 0.25, 0.5]").hasMessageContaining("no value twice");
        // an int that a cast would wrap (3e9 -> -1294967296), as JSON gives it (a Long) and as a decimal
        assertThatThrownBy(() -> d.withOverrides(Map.of("bankTasks", 3_000_000_000L))).hasMessageContaining("'bankTasks' = 3000000000")
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withOverrides(Map.of("bankTasks", 3e9))).hasMessageContaining("'bankTasks' = 3.0E9");
        // a long that a cast would truncate or clamp
        assertThatThrownBy(() -> d.withOverrides(Map.of("seed", 2.5))).hasMessageContaining("'seed' = 2.5").hasMessageContaining("whole number");
        assertThatThrownBy(() -> d.withOverrides(Map.of("seed", 1e30))).hasMessageContaining("'seed' = 1.0E30");
        assertThat(d.withOverrides(Map.of("seed", 12.0)).seed()).isEqualTo(12L);
        assertThat(d.withOverrides(Map.of("seed", Long.MAX_VALUE)).seed()).isEqualTo(Long.MAX_VALUE);
        // list elements too
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneBudgets", List.of(0, 2.5, 50)))).hasMessageContaining("'finetuneBudgets'")
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneBudgets", List.of(0, 5_000_000_000L))))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withOverrides(Map.of("temperature", Double.POSITIVE_INFINITY)))
                .hasMessageContaining("'temperature' = Infinity").hasMessageContaining("finite");
        assertThatThrownBy(() -> d.withOverrides(Map.of("temperature", Double.NaN))).hasMessageContaining("'temperature' = NaN");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneLr", Double.POSITIVE_INFINITY))).hasMessageContaining("'finetuneLr'");
    }

    @Test
    void everyPresetRecalibratesOnEightBatchesAndANegativeCountIsRefused() {
        for (String p : ExperimentConfig.presets()) {
            assertThat(ExperimentConfig.preset(p).bnRecalibrationBatches()).as(p).isEqualTo(8);
        }
        ExperimentConfig d = ExperimentConfig.preset("demo");
        assertThat(d.toMap()).containsEntry("bnRecalibrationBatches", 8);
        assertThat(d.withOverrides(Map.of("bnRecalibrationBatches", 0)).bnRecalibrationBatches()).isZero();
        assertThat(d.withOverrides(Map.of("bnRecalibrationBatches", 3.0)).bnRecalibrationBatches()).isEqualTo(3);
        assertThatThrownBy(() -> d.withOverrides(Map.of("bnRecalibrationBatches", -1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bnRecalibrationBatches' = -1").hasMessageContaining(">= 0");
        assertThatThrownBy(() -> d.withOverrides(Map.of("bnRecalibrationBatches", 1.5)))
                .hasMessageContaining("'bnRecalibrationBatches' = 1.5").hasMessageContaining("whole number");
    }

    @Test
    void budgetAndFinetuneScheduleDefaultEverywhereRoundTripAndRefuseUnknownValues() {
        for (String p : ExperimentConfig.presets()) {
            assertThat(ExperimentConfig.preset(p).budget()).as(p).isEqualTo("params");
            assertThat(ExperimentConfig.preset(p).finetuneSchedule()).as(p).isEqualTo("constant");
        }
        ExperimentConfig d = ExperimentConfig.preset("demo");
        assertThat(d.toMap()).containsEntry("budget", "params").containsEntry("finetuneSchedule", "constant");

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse("{\"budget\":\"macs\",\"finetuneSchedule\":\"cosine\"}");
        ExperimentConfig c = d.withOverrides(json);
        assertThat(c.budget()).isEqualTo("macs");
        assertThat(c.finetuneSchedule()).isEqualTo("cosine");
        assertThat(c.toMap()).containsEntry("budget", "macs").containsEntry("finetuneSchedule", "cosine");
        // through toMap and back, also as JSON text (a results.json's config read as a config file)
        assertThat(d.withOverrides(c.toMap())).isEqualTo(c);
        @SuppressWarnings("unchecked")
        Map<String, Object> reread = (Map<String, Object>) Json.parse(Json.write(c.toMap()));
        assertThat(d.withOverrides(reread)).isEqualTo(c);
        assertThat(c.withOverrides(Map.of("budget", "params", "finetuneSchedule", "constant"))).isEqualTo(d);

        assertThatThrownBy(() -> d.withOverrides(Map.of("budget", "flops"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'budget' = flops").hasMessageContaining("[params, macs]");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneSchedule", "linear"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'finetuneSchedule' = linear").hasMessageContaining("[constant, cosine]");
        Map<String, Object> nulls = new java.util.HashMap<>();
        nulls.put("budget", null);
        assertThatThrownBy(() -> d.withOverrides(nulls)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'budget' = null");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneSchedule", 1))).hasMessageContaining("'finetuneSchedule' = 1")
                .hasMessageContaining("wrong type");
    }

    @Test
    void theIterativeBaselineNeedsTwoIterationsPerRoundInTheBudget() {
        ExperimentConfig d = ExperimentConfig.preset("demo");
        assertThatThrownBy(() -> d.withOverrides(Map.of("finetuneBudgets", List.of(0, 5), "iterativeRounds", 3)))
                .hasMessageContaining("'finetuneBudgets' = [0, 5]").hasMessageContaining(">= 2 * iterativeRounds = 6");
        assertThat(d.withOverrides(Map.of("finetuneBudgets", List.of(0, 6), "iterativeRounds", 3)).finetuneBudgets()).containsExactly(0, 6);
        // without the iterative baseline the rounds do not matter
        assertThat(d.withOverrides(Map.of("finetuneBudgets", List.of(0, 5), "iterativeRounds", 3, "methods", List.of("dense")))
                .methods()).containsExactly("dense");
    }
}
