package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.Module;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PruningMaskTest {

    @Test
    void masksRoundTripThroughJsonAndCompareByContent() {
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        keep.put("layer1:residual", new boolean[] {true, false, true, true});
        keep.put("blocks.0.attn:heads", new boolean[] {false, true});
        PruningMask m = PruningMask.of(keep);
        keep.get("layer1:residual")[0] = false; // the mask took a copy
        assertThat(m.keeps("layer1:residual", 0)).isTrue();
        assertThat(m.toMap().get("groups")).isEqualTo(Map.of("layer1:residual", "1011", "blocks.0.attn:heads", "01"));
        PruningMask back = PruningMask.fromJson(m.toJson());
        assertThat(back).isEqualTo(m).hasSameHashCodeAs(m);
        assertThat(back.keptIndices("layer1:residual")).containsExactly(0, 2, 3);
        assertThat(back.kept("layer1:residual")).isEqualTo(3);
        assertThat(back.keepRatio()).isEqualTo(4.0 / 6);
        assertThat(PruningMask.fromJson(m.toJson().replace("1011", "1111"))).isNotEqualTo(m);
        assertThatThrownBy(() -> PruningMask.fromJson(m.toJson().replace("1011", "10x1"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 'x' at unit 2");
        assertThatThrownBy(() -> PruningMask.fromJson("{\"format\":\"other\"}")).hasMessageContaining("expected 'sprig-mask-1'");
    }

    @Test
    void randomMasksFollowTheSeedAndKeepAtLeastOneUnit() {
        PruningGraph g = PruningGraph.of(Fixtures.resnet20().make().get(), 3, 8, 8);
        assertThat(PruningMask.random(g, 5)).isEqualTo(PruningMask.random(g, 5)).isNotEqualTo(PruningMask.random(g, 6));
        for (long seed = 0; seed < 20; seed++) {
            PruningMask m = PruningMask.random(g, seed);
            assertThat(m.ids()).hasSize(g.prunable().size());
            m.ids().forEach(id -> assertThat(m.kept(id)).isBetween(1, g.group(id).units()));
        }
        assertThat(PruningMask.allKeep(g).isAllKeep()).isTrue();
    }

    @Test
    void softMaskedUnitsStayZeroThroughTraining() {
        Fixtures.Case c = Fixtures.resnet20();
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        PruningMask mask = PruningMask.random(g, 9);
        AdamW opt = new AdamW(m.namedParameters(), 1e-2f);
        SoftMask soft = new SoftMask(m, g, mask);
        Tensor x = c.input(1, 4);
        int[] labels = {0, 1, 2, 3};
        m.train(true);
        float before = m.namedParameters().get("layer1.0.conv1.weight").get().get(mask.keptIndices("layer1.0.conv1:out")[0], 0, 0, 0);
        for (int step = 0; step < 3; step++) {
            m.zeroGrad();
            Functional.crossEntropy(m.forward(x), labels).backward();
            soft.zeroGrads();
            opt.step();
            soft.apply(opt);
        }
        assertThat(soft.removedEntries()).isPositive();
        int removed = firstRemoved(mask, "layer1.0.conv1:out");
        Tensor w = m.namedParameters().get("layer1.0.conv1.weight").get();
        for (int i = 0; i < 16; i++) {
            assertThat(w.get(removed, i, 1, 1)).isZero();
        }
        assertThat(m.namedParameters().get("layer1.0.bn1.weight").get().get(removed)).isZero();
        assertThat(m.namedParameters().get("layer1.0.conv2.weight").get().get(3, removed, 0, 2)).isZero();
        assertThat(opt.state().get("layer1.0.conv1.weight").get("exp_avg").get(removed, 2, 0, 0)).isZero();
        assertThat(w.get(mask.keptIndices("layer1.0.conv1:out")[0], 0, 0, 0)).isNotEqualTo(before);
    }

    private static int firstRemoved(PruningMask m, String id) {
        for (int u = 0; u < m.units(id); u++) {
            if (!m.keeps(id, u)) {
                return u;
            }
        }
        throw new AssertionError("mask removes nothing from " + id);
    }
}
