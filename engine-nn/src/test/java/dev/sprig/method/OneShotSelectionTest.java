package dev.sprig.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.prune.Group;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.PruningMask;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OneShotSelectionTest {
    private static final PruningGraph GRAPH = PruningGraph.of(new ResNet(ResNetConfig.resnet20(3, 10), 0), 3, 32, 32);

    private static Map<String, float[]> randomScores(PruningGraph g, long seed, boolean coarse) {
        Random r = new Random(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        for (Group gr : g.prunable()) {
            float[] s = new float[gr.units()];
            for (int i = 0; i < s.length; i++) {
                s[i] = coarse ? r.nextInt(3) / 2f : r.nextFloat();
            }
            m.put(gr.id(), s);
        }
        return m;
    }

    @Test
    void meetsTheBudgetClosely() {
        long full = GRAPH.cost().parameters();
        Map<String, float[]> s = randomScores(GRAPH, 1, false);
        Map<String, Double> ratios = new LinkedHashMap<>();
        GRAPH.prunable().forEach(g -> ratios.put(g.id(), g.id().contains("residual") ? 0.8 : 0.4));
        for (OneShotSelection.LayerRatios mode : OneShotSelection.LayerRatios.values()) {
            for (double keep : new double[] {0.5, 0.25, 0.1}) {
                long budget = (long) (keep * full);
                PruningMask m = OneShotSelection.select(GRAPH, s, ratios, null, OneShotSelection.Cost.PARAMETERS, budget, mode, 1);
                long p = GRAPH.cost().parameters(m);
                assertThat(p).as("%s at %s", mode, keep).isLessThanOrEqualTo(budget).isGreaterThan((long) (0.93 * budget));
            }
        }
        long macBudget = GRAPH.cost().macs() / 3;
        PruningMask byMacs = OneShotSelection.select(GRAPH, s, ratios, null, OneShotSelection.Cost.MACS, macBudget,
                OneShotSelection.LayerRatios.NEIGHBOURS, 1);
        assertThat(GRAPH.cost().macs(byMacs)).isLessThanOrEqualTo(macBudget).isGreaterThan((long) (0.93 * macBudget));
    }

    @Test
    void keepsTheHighestScoresBreaksTiesByTheSecondScoreAndFollowsTheRatios() {
        Map<String, float[]> s = randomScores(GRAPH, 2, true); // scores in {0, 0.5, 1}: many ties
        Map<String, float[]> tie = randomScores(GRAPH, 3, false);
        Map<String, Double> ratios = new LinkedHashMap<>();
        GRAPH.prunable().forEach(g -> ratios.put(g.id(), g.id().startsWith("layer3") ? 1.0 : 0.3));
        PruningMask m = OneShotSelection.select(GRAPH, s, ratios, tie, OneShotSelection.Cost.PARAMETERS,
                GRAPH.cost().parameters() / 2, OneShotSelection.LayerRatios.NEIGHBOURS, 1);
        for (Group g : GRAPH.prunable()) {
            float[] sc = s.get(g.id());
            float[] tb = tie.get(g.id());
            boolean[] keep = m.keep(g.id());
            for (int i = 0; i < keep.length; i++) {
                for (int j = 0; j < keep.length; j++) {
                    if (keep[i] && !keep[j]) {
                        // every kept unit ranks above every removed one
                        assertThat(sc[i] > sc[j] || (sc[i] == sc[j] && tb[i] >= tb[j])).as("%s: %d over %d", g.id(), i, j).isTrue();
                    }
                }
            }
        }
        double l3 = GRAPH.prunable().stream().filter(g -> g.id().startsWith("layer3.0.conv1")).mapToDouble(
                g -> (double) m.kept(g.id()) / g.units()).average().orElseThrow();
        double l1 = GRAPH.prunable().stream().filter(g -> g.id().startsWith("layer1.0.conv1")).mapToDouble(
                g -> (double) m.kept(g.id()) / g.units()).average().orElseThrow();
        assertThat(l3).isGreaterThan(l1);
    }

    @Test
    void roundsToMultiplesAndNeverToZero() {
        Map<String, float[]> s = randomScores(GRAPH, 4, false);
        for (OneShotSelection.LayerRatios mode : OneShotSelection.LayerRatios.values()) {
            PruningMask m = OneShotSelection.select(GRAPH, s, Map.of(), null, OneShotSelection.Cost.PARAMETERS,
                    GRAPH.cost().parameters() / 4, mode, 8);
            for (Group g : GRAPH.prunable()) {
                int k = m.kept(g.id());
                assertThat(k % 8 == 0 || k == g.units()).as("%s keeps %d", g.id(), k).isTrue();
                assertThat(k).isPositive();
            }
        }
    }

    @Test
    void impossibleBudgetsAreClearErrors() {
        Map<String, float[]> s = randomScores(GRAPH, 5, false);
        assertThatThrownBy(() -> OneShotSelection.select(GRAPH, s, Map.of(), null, OneShotSelection.Cost.PARAMETERS, 100,
                OneShotSelection.LayerRatios.UNIFORM, 4)).hasMessageContaining("budget of 100 parameters cannot be met")
                .hasMessageContaining("minimum of 4 unit(s) per group already costs");
        Map<String, float[]> missing = new LinkedHashMap<>(s);
        String first = GRAPH.prunable().get(0).id();
        missing.put(first, new float[1]);
        assertThatThrownBy(() -> OneShotSelection.select(GRAPH, missing, Map.of(), null, OneShotSelection.Cost.PARAMETERS,
                GRAPH.cost().parameters(), OneShotSelection.LayerRatios.UNIFORM, 1)).hasMessageContaining("'" + first + "'")
                .hasMessageContaining("got 1");
    }
}
