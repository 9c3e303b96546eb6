package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.ModelStats;
import dev.sprig.nn.Module;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SelectionTest {
    private static Module resnet;
    private static PruningGraph graph; // ResNet-20: prunable groups of 16, 32 and 64 units
    private static Map<String, float[]> l1;

    @BeforeAll
    static void setUp() {
        resnet = Fixtures.resnet20().model();
        graph = PruningGraph.of(resnet, 3, 16, 16);
        l1 = Importance.l1().scores(resnet, graph);
    }

    private static Map<String, float[]> constant(PruningGraph g, float v) {
        Map<String, float[]> s = new LinkedHashMap<>();
        for (Group gr : g.prunable()) {
            float[] a = new float[gr.units()];
            Arrays.fill(a, v);
            s.put(gr.id(), a);
        }
        return s;
    }

    @Test
    void uniformKeepRatioKeepsTheBestScoredHalfOfEveryGroup() {
        PruningMask m = Selection.uniform(Selection.keepRatio(0.5)).select(graph, l1);
        assertThat(m.ids()).containsExactlyElementsOf(graph.prunable().stream().map(Group::id).toList());
        for (Group g : graph.prunable()) {
            float[] s = l1.get(g.id());
            assertThat(m.kept(g.id())).isEqualTo(g.units() / 2);
            float worstKept = Float.MAX_VALUE;
            float bestRemoved = -Float.MAX_VALUE;
            for (int u = 0; u < s.length; u++) {
                if (m.keeps(g.id(), u)) {
                    worstKept = Math.min(worstKept, s[u]);
                } else {
                    bestRemoved = Math.max(bestRemoved, s[u]);
                }
            }
            assertThat(worstKept).as(g.id()).isGreaterThanOrEqualTo(bestRemoved);
        }
        assertThat(Selection.uniform(Selection.keepRatio(0.5)).select(graph, l1)).isEqualTo(m);
    }

    @Test
    void keptCountsRoundUpToMultiplesNeverAboveTheGroupAndNeverZero() {
        PruningMask by8 = Selection.uniform(Selection.keepRatio(0.3)).roundTo(8).select(graph, l1);
        // ceil(0.3·16) = 5 -> 8; ceil(0.3·32) = 10 -> 16; ceil(0.3·64) = 20 -> 24.
        assertThat(by8.kept("layer1.0.conv1:out")).isEqualTo(8);
        assertThat(by8.kept("layer2:residual")).isEqualTo(16);
        assertThat(by8.kept("layer3.1.conv1:out")).isEqualTo(24);
        PruningMask by16 = Selection.uniform(Selection.keepRatio(0.3)).roundTo(16).select(graph, l1);
        assertThat(by16.kept("layer1.0.conv1:out")).isEqualTo(16);
        assertThat(by16.kept("layer2:residual")).isEqualTo(16);
        assertThat(by16.kept("layer3.1.conv1:out")).isEqualTo(32);
        PruningMask tiny = Selection.uniform(Selection.keepRatio(0.001)).select(graph, l1);
        tiny.ids().forEach(id -> assertThat(tiny.kept(id)).isEqualTo(1));
        PruningMask tiny4 = Selection.global(Selection.keepRatio(0.001)).roundTo(4).select(graph, l1);
        tiny4.ids().forEach(id -> assertThat(tiny4.kept(id)).isEqualTo(4));
        PruningMask huge = Selection.uniform(Selection.keepRatio(1.0)).roundTo(128).select(graph, l1);
        assertThat(huge.isAllKeep()).isTrue();
    }

    @Test
    void globalRankingRespectsThePerGroupMinimum() {
        Map<String, float[]> s = constant(graph, 1f);
        Arrays.fill(s.get("layer2:residual"), 0f); // the worst group overall
        PruningMask m = Selection.global(Selection.keepRatio(0.5)).minKeepRatio(0.25).select(graph, s);
        assertThat(m.kept("layer2:residual")).isEqualTo(8);
        assertThat(Selection.global(Selection.keepRatio(0.5)).withMinUnits(Map.of("layer2:residual", 5)).select(graph, s)
                .kept("layer2:residual")).isEqualTo(5);
        PruningMask none = Selection.global(Selection.keepRatio(0.5)).select(graph, s);
        assertThat(none.kept("layer2:residual")).isEqualTo(1);
        // The best 224 of 448 units fill the groups in order up to layer3.0.conv1; the zero-scored group and
        // the three later groups keep their minimum of one unit each.
        int total = graph.prunable().stream().mapToInt(Group::units).sum();
        assertThat(total).isEqualTo(448);
        long kept = none.ids().stream().mapToLong(none::kept).sum();
        assertThat(kept).isEqualTo(224 + 4);
        assertThat(none.kept("layer3.0.conv1:out")).isEqualTo(64);
        assertThat(none.kept("layer3:residual")).isEqualTo(1);
    }

    @Test
    void tiesGoToTheTieBreakThenToTheLowerIndex() {
        Map<String, float[]> flat = constant(graph, 0.5f);
        PruningMask m = Selection.uniform(Selection.keepRatio(0.25)).select(graph, flat);
        assertThat(m.keptIndices("layer1.0.conv1:out")).containsExactly(0, 1, 2, 3);
        Map<String, float[]> second = new LinkedHashMap<>();
        float[] t = new float[16];
        t[15] = 3;
        t[9] = 2;
        t[4] = 1;
        t[2] = 1;
        second.put("layer1.0.conv1:out", t);
        PruningMask broken = Selection.uniform(Selection.keepRatio(0.25)).withTieBreak(second).select(graph, flat);
        assertThat(broken.keptIndices("layer1.0.conv1:out")).containsExactly(2, 4, 9, 15);
        assertThat(broken.keptIndices("layer1.1.conv1:out")).containsExactly(0, 1, 2, 3);
        // Global ranking of 448 units, keeping 4: the tie-break picks them; every other group keeps its first unit.
        PruningMask global = Selection.global(Selection.keepRatio(4.0 / 448)).withTieBreak(second).select(graph, flat);
        assertThat(global.keptIndices("layer1.0.conv1:out")).containsExactly(2, 4, 9, 15);
        assertThat(global.keptIndices("layer3:residual")).containsExactly(0);
    }

    @Test
    void parameterAndMacBudgetsAreMetAndNearlyFilled() {
        long full = graph.cost().parameters();
        for (Selection.Strategy strategy : Selection.Strategy.values()) {
            Selection.Target target = Selection.parameters(full / 3);
            Selection sel = strategy == Selection.Strategy.UNIFORM ? Selection.uniform(target) : Selection.global(target);
            PruningMask m = sel.select(graph, Importance.l1().withNormalization(Importance.Normalization.MAX).scores(resnet, graph));
            long params = graph.cost().parameters(m);
            assertThat(params).as(strategy.name()).isLessThanOrEqualTo(full / 3).isGreaterThan(full / 3 * 9 / 10);
        }
        long macs = graph.cost().macs();
        PruningMask m = Selection.global(Selection.macs(macs / 2)).roundTo(4).select(graph, l1);
        assertThat(graph.cost().macs(m)).isLessThanOrEqualTo(macs / 2).isGreaterThan(macs / 2 * 8 / 10);
        m.ids().forEach(id -> assertThat(m.kept(id) % 4 == 0 || m.kept(id) == graph.group(id).units()).isTrue());
        // FLOPs are two per MAC.
        assertThat(Selection.flops(macs)).isEqualTo(Selection.macs(macs / 2));
    }

    @Test
    void aMacBudgetHoldsOnTheShrunkVit() {
        Fixtures.Case c = Fixtures.vit(true);
        Module vit = c.model();
        PruningGraph g = PruningGraph.of(vit, c.input()); // the embedding width is prunable here
        long budget = g.cost().macs() * 6 / 10;
        Map<String, float[]> s = Importance.l2().withNormalization(Importance.Normalization.MAX).scores(vit, g);
        PruningMask m = Selection.global(Selection.macs(budget)).minKeepRatio(0.2).select(g, s);
        Shrinker.shrink(vit, g, m, null);
        assertThat(ModelStats.of(vit, c.input()).macs()).isLessThanOrEqualTo(budget);
    }

    @Test
    void aProfileScalesEachGroupsRatio() {
        Map<String, Double> profile = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            profile.put(g.id(), g.kind() == Group.Kind.RESIDUAL ? 1.0 : 0.5);
        }
        PruningMask m = Selection.uniform(Selection.keepRatio(0.5)).withProfile(profile).select(graph, l1);
        assertThat(m.kept("layer2:residual")).isEqualTo(16);
        assertThat(m.kept("layer2.1.conv1:out")).isEqualTo(8);
        long budget = graph.cost().parameters() / 2;
        PruningMask b = Selection.uniform(Selection.parameters(budget)).withProfile(profile).select(graph, l1);
        assertThat(graph.cost().parameters(b)).isLessThanOrEqualTo(budget);
        assertThat((double) b.kept("layer3:residual") / 64).isGreaterThan((double) b.kept("layer3.1.conv1:out") / 64);
        profile.remove("layer1:residual");
        assertThatThrownBy(() -> Selection.uniform(Selection.keepRatio(0.5)).withProfile(profile).select(graph, l1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no ratio for prunable group layer1:residual");
    }

    @Test
    void anImpossibleBudgetNamesTheBudgetAndTheSmallestModel() {
        long smallest = graph.cost().parameters(Selection.uniform(Selection.keepRatio(0.001)).roundTo(4).select(graph, l1));
        assertThatThrownBy(() -> Selection.uniform(Selection.parameters(1000)).roundTo(4).select(graph, l1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter budget 1,000 cannot be met")
                .hasMessageContaining(String.format("smallest model this selection allows has %,d parameters", smallest))
                .hasMessageContaining("multiple of 4");
        assertThatThrownBy(() -> Selection.global(Selection.macs(10)).select(graph, l1)).hasMessageContaining("MAC budget 10 cannot be met");
        assertThatThrownBy(() -> Selection.keepRatio(0)).hasMessageContaining("keep ratio must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> Selection.uniform(Selection.keepRatio(0.5)).roundTo(0)).hasMessageContaining("roundTo must be >= 1");
    }

    @Test
    void scoresMustCoverEveryPrunableGroup() {
        Map<String, float[]> s = new LinkedHashMap<>(l1);
        s.remove("layer3:residual");
        assertThatThrownBy(() -> Selection.uniform(Selection.keepRatio(0.5)).select(graph, s))
                .hasMessageContaining("no scores for prunable group layer3:residual");
        s.put("layer3:residual", new float[3]);
        assertThatThrownBy(() -> Selection.uniform(Selection.keepRatio(0.5)).select(graph, s))
                .hasMessageContaining("scores of group layer3:residual have 3 entries, the group has 64 units");
        float[] nan = new float[64];
        nan[7] = Float.NaN;
        s.put("layer3:residual", nan);
        assertThatThrownBy(() -> Selection.uniform(Selection.keepRatio(0.5)).select(graph, s)).hasMessageContaining("NaN at unit 7");
    }
}
