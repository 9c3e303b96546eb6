package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.tensor.GradCheck;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** Shared helpers for gradient-check tests. */
final class GradChecks {
    private GradChecks() {}

    /** Asserts that {@code f} passes a finite-difference check at {@code inputs}. */
    static void assertGradients(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        assertGradients(GradCheck.defaults(), f, inputs);
    }

    static void assertGradients(GradCheck check, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        GradCheck.Result r = check.check(f, Arrays.asList(inputs));
        assertThat(r.checked()).as("elements checked").isPositive();
        assertThat(r.mismatches()).as("gradient mismatches (max abs error %s)", r.maxAbsError()).isEmpty();
    }

    /** Normal(0,1) values, requiring grad. */
    static Tensor param(long seed, int... shape) {
        return Tensor.randn(seed, shape).requiresGrad(true);
    }

    /** Values with |x| in [0.2, 1.2] and random sign: safe around kinks at 0 (relu, abs). */
    static Tensor awayFromZero(long seed, int... shape) {
        Random rng = new Random(seed);
        Tensor t = Tensor.zeros(shape);
        float[] d = t.storage();
        for (int i = 0; i < d.length; i++) {
            d[i] = (rng.nextBoolean() ? 1 : -1) * (0.2f + rng.nextFloat());
        }
        return t.requiresGrad(true);
    }

    /** Values in [0.5, 2]: safe for log, sqrt, division and fractional powers. */
    static Tensor positive(long seed, int... shape) {
        return Tensor.uniform(new Random(seed), 0.5f, 2f, shape).requiresGrad(true);
    }

    /** Distinct, well-separated values (a shuffled ramp) so that max has a unique winner. */
    static Tensor distinct(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.storage();
        for (int i = 0; i < d.length; i++) {
            d[i] = i * 0.1f;
        }
        Random rng = new Random(seed);
        for (int i = d.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float tmp = d[i];
            d[i] = d[j];
            d[j] = tmp;
        }
        return t.requiresGrad(true);
    }
}
