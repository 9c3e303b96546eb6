package dev.sprig.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two steps of each optimizer against the PyTorch update rules computed by hand. */
class OptimizerTest {

    private static Parameter withGrad(Parameter p, float... g) {
        p.get().setGrad(Tensor.vector(g));
        return p;
    }

    @Test
    void sgdMomentumNesterovWeightDecay() {
        Parameter p = new Parameter(Tensor.vector(1f, -2f));
        Sgd sgd = new Sgd(Map.of("w", p), 0.1f, 0.9f, 0.01f, true);
        withGrad(p, 0.5f, 1f);
        sgd.step();
        // g = 0.5 + 0.01 = 0.51; b = g; d = g + 0.9 b = 0.969; w = 1 - 0.0969
        assertThat(p.get().get(0)).isCloseTo(1f - 0.0969f, within(1e-6f));
        float w1 = p.get().get(0);
        withGrad(p, 0.5f, 1f);
        sgd.step();
        float g = 0.5f + 0.01f * w1;
        float b = 0.9f * 0.51f + g;
        assertThat(p.get().get(0)).isCloseTo(w1 - 0.1f * (g + 0.9f * b), within(1e-6f));
    }

    @Test
    void adamWMatchesTheReferenceFormulas() {
        Parameter p = new Parameter(Tensor.vector(1f));
        AdamW adam = new AdamW(Map.of("w", p), 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f);
        double w = 1;
        double m = 0;
        double v = 0;
        float[] grads = {0.3f, -0.2f};
        for (int t = 1; t <= 2; t++) {
            withGrad(p, grads[t - 1]);
            adam.step();
            w *= 1 - 0.01 * 0.1;
            m = 0.9 * m + 0.1 * grads[t - 1];
            v = 0.999 * v + 0.001 * grads[t - 1] * grads[t - 1];
            double mh = m / (1 - Math.pow(0.9, t));
            double vh = v / (1 - Math.pow(0.999, t));
            w -= 0.01 * mh / (Math.sqrt(vh) + 1e-8);
            assertThat((double) p.get().item()).isCloseTo(w, within(1e-6));
        }
        assertThat(adam.state().get("w")).containsKeys("exp_avg", "exp_avg_sq");
    }

    @Test
    void badSettingsAreRejected() {
        Parameter p = new Parameter(Tensor.vector(1f));
        assertThatThrownBy(() -> new Sgd(Map.of("w", p), -1f, 0f, 0f, false)).hasMessageContaining("-1.0");
        assertThatThrownBy(() -> new Sgd(Map.of("w", p), 0.1f, 1.5f, 0f, false)).hasMessageContaining("momentum").hasMessageContaining("1.5");
        assertThatThrownBy(() -> new AdamW(Map.of("w", p), 0.1f, 1f, 0.9f, 1e-8f, 0f)).hasMessageContaining("betas");
        assertThatThrownBy(() -> new Sgd(Map.of(), 0.1f, 0f, 0f, false)).hasMessageContaining("no parameters");
    }

    @Test
    void stateOfAShrunkParameterMustBeShrunkToo() {
        Parameter p = new Parameter(Tensor.vector(1f, 2f));
        Sgd sgd = new Sgd(Map.of("w", p), 0.1f, 0.9f, 0f, false);
        withGrad(p, 1f, 1f);
        sgd.step();
        p.set(Tensor.vector(1f));
        withGrad(p, 1f);
        assertThatThrownBy(sgd::step).hasMessageContaining("momentum").hasMessageContaining("[2]").hasMessageContaining("[1]");
    }
}
