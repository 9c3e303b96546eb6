package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.nn.Module;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.nn.train.TrainConfig;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrunersTest {

    /** 16 random 3x16x16 images of 4 classes. */
    private static DataLoader loader() {
        Random rng = new Random(8);
        float[] images = new float[16 * 3 * 16 * 16];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rng.nextGaussian();
        }
        int[] labels = new int[16];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        return DataLoader.builder(new LabeledImages(images, labels, 3, 16, 16, 4), 8).seed(1).prefetch(0).build();
    }

    @Test
    void oneShotScoresSelectsShrinksAndFineTunes() {
        Fixtures.Case c = Fixtures.resnet20();
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        List<Integer> widths = new ArrayList<>();
        FineTuner record = (model, round) -> widths.add(model.stateDict().get("layer2.1.conv1.weight").size(0));
        Selection sel = Selection.uniform(Selection.keepRatio(0.5)).roundTo(4);
        OneShotPruner.Result r = new OneShotPruner(Importance.l1(), sel, record).prune(m, g, null);
        assertThat(r.mask()).isEqualTo(sel.select(g, Importance.l1().scores(c.model(), g)));
        assertThat(widths).containsExactly(16);
        assertThat(r.report().after().parameters()).isEqualTo(m.parameterCount()).isEqualTo(g.cost().parameters(r.mask()));
        assertThat(r.report().unitsAfter("layer3:residual")).isEqualTo(32);
    }

    @Test
    void iterativePruningWithoutFineTuningEqualsOneShrinkWithItsMask() {
        Fixtures.Case c = Fixtures.resnet20();
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        IterativePruner.Result r = IterativePruner.of(Importance.l1(), Selection.keepRatio(0.3), 3, FineTuner.NONE).prune(m, g, null);
        assertThat(r.rounds()).hasSize(3);
        assertThat(r.rounds().get(0).after().parameters()).isGreaterThan(r.rounds().get(1).after().parameters());
        assertThat(r.rounds().get(1).after().parameters()).isGreaterThan(r.rounds().get(2).after().parameters());
        for (Group gr : g.prunable()) {
            assertThat(r.mask().kept(gr.id())).as(gr.id()).isEqualTo((int) Math.ceil(0.3 * gr.units()));
            assertThat(r.report().unitsAfter(gr.id())).isEqualTo(r.mask().kept(gr.id()));
        }
        // The mask is relative to the original model: applied to a fresh copy it gives the same weights.
        Module fresh = c.model();
        Shrinker.shrink(fresh, g, r.mask(), null);
        Map<String, Tensor> want = fresh.stateDict();
        m.stateDict().forEach((name, t) -> assertThat(t.toArray()).as(name).isEqualTo(want.get(name).toArray()));
        assertThat(r.report().before().parameters()).isEqualTo(g.cost().parameters());
        assertThat(r.report().after().parameters()).isEqualTo(m.parameterCount());
    }

    @Test
    void iterativeTaylorPruningWithTrainingMeetsABudgetAndRepeatsExactly() {
        Fixtures.Case c = Fixtures.resnet20();
        DataLoader data = loader();
        DataLoader.Batch batch;
        try (DataLoader.Batches it = data.epoch(0)) {
            batch = it.next();
        }
        TrainConfig tc = new TrainConfig(2, new LrSchedule.Constant(0.02f), 0, 0f, 0, 0, null);
        List<PruningMask> masks = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Module m = c.model();
            PruningGraph g = PruningGraph.of(m, c.input()).excluding("layer1:residual");
            long budget = g.cost().parameters() / 2;
            List<Integer> rounds = new ArrayList<>();
            FineTuner train = FineTuner.trainer(model -> new Sgd(model.namedParameters(), 0.02f, 0.9f, 0f, false), data, tc);
            FineTuner counted = (model, round) -> {
                rounds.add(round);
                train.fineTune(model, round);
            };
            IterativePruner.Result r = IterativePruner.of(Importance.taylor(List.of(batch)), Selection.parameters(budget), 2, counted)
                    .withStrategy(Selection.Strategy.GLOBAL).minKeepRatio(0.25).prune(m, g, null);
            assertThat(rounds).containsExactly(1, 2);
            assertThat(m.parameterCount()).isLessThanOrEqualTo(budget).isEqualTo(r.report().after().parameters());
            assertThat(r.rounds().get(0).after().parameters()).isGreaterThan(budget); // the first round stops half way (geometrically)
            assertThat(r.mask().contains("layer1:residual")).isFalse();
            for (Group gr : g.prunable()) {
                assertThat(r.mask().kept(gr.id())).isGreaterThanOrEqualTo((int) Math.ceil(0.25 * gr.units()));
            }
            masks.add(r.mask());
        }
        assertThat(masks.get(1)).isEqualTo(masks.get(0));
    }

    @Test
    void iterativeGlobalKeepRatioOnTheVitShrinksHeadsAndHiddenNodes() {
        Fixtures.Case c = Fixtures.vit(false);
        Module m = c.model();
        PruningGraph g = c.graph(m); // width excluded
        IterativePruner.Result r = IterativePruner.of(Importance.l2().withNormalization(Importance.Normalization.MAX),
                Selection.keepRatio(0.5), 2, FineTuner.NONE).withStrategy(Selection.Strategy.GLOBAL).prune(m, g, null);
        int total = g.prunable().stream().mapToInt(Group::units).sum();
        long kept = r.mask().ids().stream().mapToLong(r.mask()::kept).sum();
        assertThat(kept).isBetween((long) Math.ceil(0.5 * total), (long) Math.ceil(0.5 * total) + g.prunable().size());
        assertThat(r.report().after().macs()).isLessThan(r.report().before().macs());
    }
}
