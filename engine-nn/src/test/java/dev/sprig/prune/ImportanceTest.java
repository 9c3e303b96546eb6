package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.tensor.Tensor;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImportanceTest {

    /** fc1 [3, 2] = [[1, 0], [0, 1], [1, −1]], b1 = [0, 0, 0.5]; fc2 [2, 3] = [[1, 0, 1], [0, 1, −1]], b2 = 0. */
    private static Module tiny() {
        Random rng = new Random(0);
        Linear fc1 = new Linear(2, 3, true, rng);
        Linear fc2 = new Linear(3, 2, true, rng);
        fc1.weight().set(Tensor.of(new float[] {1, 0, 0, 1, 1, -1}, 3, 2));
        fc1.bias().set(Tensor.vector(0, 0, 0.5f));
        fc2.weight().set(Tensor.of(new float[] {1, 0, 1, 0, 1, -1}, 2, 3));
        fc2.bias().set(Tensor.vector(0, 0));
        return new Sequential(fc1, new Layers.ReLU(), fc2);
    }

    @Test
    void taylorMatchesTheHandComputedGradients() {
        // x = [1, 2], label 0: h = relu([1, 2, −0.5]) = [1, 2, 0], y = [1, 2], dL/dy = softmax(y) − e0 = [−a, a], a = e/(1+e).
        // dW2 = dy ⊗ h = [[−a, −2a, 0], [a, 2a, 0]]; dh = W2ᵀ·dy = [−a, a, −2a], through relu [−a, a, 0];
        // dW1 = [[−a, −2a], [a, 2a], [0, 0]], db1 = [−a, a, 0].
        // Σ|w·g| per hidden node over fc1's row, fc1's bias and fc2's column: [a + 0 + a, 2a + 0 + 2a, 0] = [2a, 4a, 0].
        Module m = tiny();
        PruningGraph g = PruningGraph.of(m, 2);
        assertThat(g.prunable()).extracting(Group::id).containsExactly("0:out");
        double a = Math.E / (1 + Math.E);
        DataLoader.Batch batch = new DataLoader.Batch(Tensor.of(new float[] {1, 2}, 1, 2), new int[] {0});
        Map<String, float[]> once = Importance.taylor(List.of(batch)).scores(m, g);
        assertThat(once.get("0:out")).containsExactly(new float[] {(float) (2 * a), (float) (4 * a), 0f}, within(1e-6f));
        // Accumulated over two batches (the same one twice): doubled.
        Map<String, float[]> twice = Importance.taylor(List.of(batch, batch)).scores(m, g);
        assertThat(twice.get("0:out")).containsExactly(new float[] {(float) (4 * a), (float) (8 * a), 0f}, within(1e-6f));
        // MAX over the slices: [a, 2a, 0]; MEAN: [2a/3, 4a/3, 0].
        assertThat(Importance.taylor(List.of(batch)).withReduction(Importance.Reduction.MAX).scores(m, g).get("0:out"))
                .containsExactly(new float[] {(float) a, (float) (2 * a), 0f}, within(1e-6f));
        assertThat(Importance.taylor(List.of(batch)).withReduction(Importance.Reduction.MEAN).scores(m, g).get("0:out"))
                .containsExactly(new float[] {(float) (2 * a / 3), (float) (4 * a / 3), 0f}, within(1e-6f));
        // The accumulator leaves no gradient behind and keeps the mode.
        assertThat(m.isTraining()).isTrue();
        m.namedParameters().values().forEach(p -> assertThat(p.get().grad()).isNull());
    }

    @Test
    void weightNormsScoreFiltersAndOptionallyInputColumns() {
        Module m = tiny();
        PruningGraph g = PruningGraph.of(m, 2);
        // fc1 rows: L1 [1, 1, 2], L2 [1, 1, √2]; fc2 columns: L1 [1, 1, 2].
        assertThat(Importance.l1().scores(m, g).get("0:out")).containsExactly(1f, 1f, 2f);
        assertThat(Importance.l2().scores(m, g).get("0:out")).containsExactly(new float[] {1f, 1f, (float) Math.sqrt(2)}, within(1e-6f));
        MagnitudeImportance both = Importance.l1().withRoles(EnumSet.of(Slice.Role.WEIGHT_OUT, Slice.Role.WEIGHT_IN));
        assertThat(both.scores(m, g).get("0:out")).containsExactly(2f, 2f, 4f);
        assertThat(both.withReduction(Importance.Reduction.MEAN).scores(m, g).get("0:out")).containsExactly(1f, 1f, 2f);
        assertThat(both.withNormalization(Importance.Normalization.MAX).scores(m, g).get("0:out")).containsExactly(0.5f, 0.5f, 1f);
        assertThat(both.withNormalization(Importance.Normalization.SUM).scores(m, g).get("0:out")).containsExactly(0.25f, 0.25f, 0.5f);
    }

    @Test
    void batchNormScaleSumsTheGammasOfTheGroup() {
        Module m = Fixtures.resnet20().model();
        PruningGraph g = PruningGraph.of(m, 3, 8, 8);
        Map<String, float[]> s = Importance.bnScale().scores(m, g);
        assertThat(s.keySet()).containsExactlyElementsOf(g.prunable().stream().map(Group::id).toList());
        Map<String, Tensor> state = m.stateDict();
        assertThat(s.get("layer1.0.conv1:out")[5]).isEqualTo(Math.abs(state.get("layer1.0.bn1.weight").get(5)));
        float stage = 0;
        for (String bn : List.of("bn1", "layer1.0.bn2", "layer1.1.bn2", "layer1.2.bn2")) {
            stage += Math.abs(state.get(bn + ".weight").get(7));
        }
        assertThat(s.get("layer1:residual")[7]).isCloseTo(stage, within(1e-6f));
        // A ViT's heads have no norm: the criterion says so instead of scoring them 0.
        Module vit = Fixtures.vit(false).model();
        assertThatThrownBy(() -> Importance.bnScale().scores(vit, PruningGraph.of(vit, 3, 16, 16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocks.0.attn:heads (HEADS) has no slice");
    }

    @Test
    void randomScoresFollowTheSeedAndTheGroupId() {
        Module m = Fixtures.resnet20().make().get();
        PruningGraph g = PruningGraph.of(m, 3, 8, 8);
        Map<String, float[]> a = Importance.random(3).scores(m, g);
        assertThat(a.get("layer2:residual")).isEqualTo(Importance.random(3).scores(m, g).get("layer2:residual"))
                .isNotEqualTo(Importance.random(4).scores(m, g).get("layer2:residual"));
        // Excluding another group does not change this one's scores.
        assertThat(Importance.random(3).scores(m, g.excluding("layer1:residual")).get("layer2:residual")).isEqualTo(a.get("layer2:residual"));
        for (float v : a.get("layer3:residual")) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void taylorScoresEveryPrunableGroupOfTheVit() {
        Fixtures.Case c = Fixtures.vit(true);
        Module m = c.model();
        PruningGraph g = PruningGraph.of(m, c.input());
        DataLoader.Batch b = new DataLoader.Batch(c.input(1, 4), new int[] {0, 1, 2, 3});
        Map<String, float[]> s = Importance.taylor(List.of(b)).withNormalization(Importance.Normalization.MAX).scores(m, g);
        assertThat(s.keySet()).containsExactlyElementsOf(g.prunable().stream().map(Group::id).toList());
        s.forEach((id, v) -> {
            assertThat(v).hasSize(g.group(id).units());
            float max = 0;
            for (float x : v) {
                max = Math.max(max, x);
            }
            assertThat(max).as(id).isEqualTo(1f);
        });
    }
}
