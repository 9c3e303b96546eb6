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
}
