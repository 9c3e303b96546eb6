package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Optimizer state shrinks with the parameters: after a shrink, a training step on the shrunk model
 * equals the same step on the soft-masked model, restricted to the kept entries.
 */
class OptimizerStateTest {
    private static final int[] LABELS = {1, 0, 3, 2};

    private static void backward(Module m, Tensor x) {
        m.train(true);
        m.zeroGrad();
        Functional.crossEntropy(m.forward(x), LABELS).backward();
    }

    /** The kept entries of every tensor of {@code full}: what the shrunk model should hold. */
    private static Map<String, Tensor> restrict(Map<String, Tensor> full, Map<String, Map<Integer, boolean[]>> entries) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        full.forEach((name, t) -> {
            Map<Integer, int[]> kept = new LinkedHashMap<>();
            entries.getOrDefault(name, Map.of()).forEach((d, k) -> kept.put(d, EntryMasks.kept(k)));
            out.put(name, Shrinker.select(t, kept));
        });
        return out;
    }

    private static void stepAfterShrinkEqualsMaskedStep(Fixtures.Case c, Function<Map<String, Parameter>, Optimizer> make, long seed,
                                                         double tolerance) {
        Module masked = c.model();
        Module shrunk = c.model();
        Optimizer optMasked = make.apply(masked.namedParameters());
        Optimizer optShrunk = make.apply(shrunk.namedParameters());
        // One ordinary step on both, so that momentum / moments are non-zero everywhere.
        Tensor x0 = c.input(seed, 4);
        backward(masked, x0);
        optMasked.step();
        backward(shrunk, x0);
        optShrunk.step();

        PruningGraph g = c.graph(masked);
        PruningMask mask = PruningMask.random(g, seed);
        Map<String, Map<Integer, boolean[]>> entries = EntryMasks.of(masked, g, mask);
        Map<String, Map<String, Tensor>> expectedState = new LinkedHashMap<>();
        optShrunk.state().forEach((name, s) -> {
            Map<String, Tensor> want = new LinkedHashMap<>();
            s.forEach((key, t) -> want.put(key, restrict(Map.of(name, t), entries).get(name)));
            expectedState.put(name, want);
        });
        Shrinker.shrink(shrunk, g, mask, optShrunk);
        // Momentum / moments hold the kept entries of the state before.
        assertThat(optShrunk.state().keySet()).isEqualTo(expectedState.keySet());
        expectedState.forEach((name, s) -> s.forEach((key, want) ->
                assertThat(optShrunk.state().get(name).get(key).toArray()).as(name + " " + key).isEqualTo(want.toArray())));

        SoftMask soft = new SoftMask(masked, g, mask);
        soft.apply();
        Tensor x1 = c.input(seed + 1, 4);
        backward(masked, x1);
        soft.zeroGrads();
        optMasked.step();
        soft.apply();
        backward(shrunk, x1);
        optShrunk.step();

        Map<String, Tensor> maskedParams = new LinkedHashMap<>();
        masked.namedParameters().forEach((n, p) -> maskedParams.put(n, p.get()));
        Map<String, Tensor> kept = restrict(maskedParams, entries);
        shrunk.namedParameters().forEach((n, p) -> {
            assertThat(p.shape()).as(n).isEqualTo(kept.get(n).shape());
            assertThat(Fixtures.relativeError(kept.get(n).toArray(), p.get().toArray())).as(c + " " + n).isLessThanOrEqualTo(tolerance);
        });
    }

    @Test
    void sgdMomentumKeepsTheRowsOfTheKeptUnits() {
        stepAfterShrinkEqualsMaskedStep(Fixtures.resnet20(), p -> new Sgd(p, 0.05f, 0.9f, 1e-3f, false), 3, 1e-5);
    }

    @Test
    void adamWMomentsKeepTheRowsOfTheKeptUnits() {
        stepAfterShrinkEqualsMaskedStep(Fixtures.vit(true), p -> new AdamW(p, 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f), 5, 1e-5);
        stepAfterShrinkEqualsMaskedStep(Fixtures.resnet20(), p -> new AdamW(p, 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f), 6, 1e-5);
    }
}
