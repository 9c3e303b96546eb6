package dev.sprig.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReviewRegressionNnTest {

    @Test
    void loadingAStateDictKeepsFrozenParametersFrozenAndTheSameTensors() {
        Linear a = new Linear(3, 2, true, new Random(1));
        Linear b = new Linear(3, 2, true, new Random(2));
        Tensor w = b.weight().get();
        w.requiresGrad(false);
        b.loadStateDict(a.stateDict(), true);
        assertThat(b.weight().get()).isSameAs(w);
        assertThat(w.requiresGrad()).isFalse();
        assertThat(w.toArray()).containsExactly(a.weight().get().toArray());
    }

    @Test
    void aModuleRegisteredTwiceIsListedOnce() {
        Linear shared = new Linear(2, 2, false, new Random(3));
        Sequential s = new Sequential(shared, new Layers.ReLU(), shared);
        assertThat(s.namedParameters()).containsOnlyKeys("0.weight");
        assertThat(s.parameterCount()).isEqualTo(4);
    }

    @Test
    void cosineEndsAtItsMinimumOnTheLastStep() {
        LrSchedule s = new LrSchedule.CosineWithWarmup(1f, 0.1f, 0);
        assertThat(s.at(0, 10)).isCloseTo(1f, within(1e-6f));
        assertThat(s.at(9, 10)).isCloseTo(0.1f, within(1e-6f));
    }
}
