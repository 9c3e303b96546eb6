package dev.sprig.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleAndClipTest {

    @Test
    void cosineWithWarmup() {
        LrSchedule s = new LrSchedule.CosineWithWarmup(1f, 0f, 10);
        assertThat(s.at(0, 110)).isCloseTo(0.1f, within(1e-6f));
        assertThat(s.at(9, 110)).isCloseTo(1f, within(1e-6f));
        assertThat(s.at(59, 109)).isCloseTo(0.5f, within(1e-6f));
        assertThat(s.at(109, 110)).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void stepSchedule() {
        LrSchedule s = new LrSchedule.Step(0.1f, 0.1f, 100, 150);
        assertThat(s.at(99, 200)).isCloseTo(0.1f, within(1e-7f));
        assertThat(s.at(100, 200)).isCloseTo(0.01f, within(1e-7f));
        assertThat(s.at(199, 200)).isCloseTo(0.001f, within(1e-7f));
        assertThatThrownBy(() -> new LrSchedule.Step(0.1f, 0.1f, 100, 50)).hasMessageContaining("[100, 50]");
        assertThatThrownBy(() -> new LrSchedule.Constant(Float.NaN)).hasMessageContaining("NaN");
    }

    @Test
    void clipByGlobalNorm() {
        Parameter a = new Parameter(Tensor.zeros(2));
        Parameter b = new Parameter(Tensor.zeros(1));
        a.get().setGrad(Tensor.vector(3f, 0f));
        b.get().setGrad(Tensor.vector(4f));
        double norm = GradClip.clipByNorm(List.of(a, b), 1.0);
        assertThat(norm).isCloseTo(5.0, within(1e-9));
        assertThat(a.get().grad().toArray()).containsExactly(new float[] {0.6f, 0f}, within(1e-5f));
        assertThat(b.get().grad().item()).isCloseTo(0.8f, within(1e-5f));
        assertThat(GradClip.clipByNorm(List.of(a, b), 10.0)).isCloseTo(1.0, within(1e-5));
        assertThat(b.get().grad().item()).isCloseTo(0.8f, within(1e-5f));
    }
}
