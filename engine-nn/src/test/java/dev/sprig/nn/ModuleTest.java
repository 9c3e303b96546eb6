package dev.sprig.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.GradCheck;
import dev.sprig.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModuleTest {

    private static Sequential smallNet(long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Conv2d(3, 4, 3, 1, 1, false, rng), new BatchNorm2d(4), new Layers.ReLU(),
                new Sequential(new Conv2d(4, 4, 3, 2, 1, true, rng), new Layers.GlobalAvgPool()), new Linear(4, 2, true, rng));
    }

    @Test
    void namedParametersAndBuffersHaveStableDottedNames() {
        Sequential net = smallNet(1);
        assertThat(net.namedParameters().keySet()).containsExactly(
                "0.weight", "1.weight", "1.bias", "3.0.weight", "3.0.bias", "4.weight", "4.bias");
        assertThat(net.namedBuffers().keySet()).containsExactly("1.running_mean", "1.running_var");
        assertThat(net.stateDict().keySet()).containsExactly("0.weight", "1.weight", "1.bias", "1.running_mean",
                "1.running_var", "3.0.weight", "3.0.bias", "4.weight", "4.bias");
        assertThat(net.parameterCount()).isEqualTo(4 * 3 * 9 + 4 + 4 + 4 * 4 * 9 + 4 + 2 * 4 + 2);
    }

    @Test
    void getAndReplaceByPath() {
        Sequential net = smallNet(2);
        assertThat(net.get("3.0")).isInstanceOf(Conv2d.class);
        Module old = net.replace("3.0", new Conv2d(4, 4, 1, 2, 0, true, new Random(3)));
        assertThat(old).isInstanceOf(Conv2d.class);
        assertThat(((Conv2d) net.get("3.0")).kernel()).isEqualTo(1);
        assertThat(net.forward(Tensor.randn(4, 2, 3, 8, 8)).shape()).containsExactly(2, 2);
        assertThatThrownBy(() -> net.get("3.7")).hasMessageContaining("no child '7'").hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> net.replace("9", new Layers.ReLU())).hasMessageContaining("no submodule '9'");
    }

    @Test
    void trainAndEvalPropagate() {
        Sequential net = smallNet(3);
        net.eval();
        assertThat(net.namedModules().values()).allMatch(m -> !m.isTraining());
        net.train(true);
        assertThat(net.get("3.1").isTraining()).isTrue();
    }

    @Test
    void stateDictRoundTripAndLoadReports() {
        Sequential a = smallNet(4);
        Sequential b = smallNet(5);
        Tensor x = Tensor.randn(6, 2, 3, 8, 8);
        a.eval();
        b.eval();
        assertThat(b.forward(x).toArray()).isNotEqualTo(a.forward(x).toArray());
        assertThat(b.loadStateDict(a.stateDict(), true).isClean()).isTrue();
        assertThat(b.forward(x).toArray()).containsExactly(a.forward(x).toArray());

        Map<String, Tensor> state = new java.util.LinkedHashMap<>(a.stateDict());
        state.remove("4.bias");
        state.put("extra.weight", Tensor.zeros(1));
        state.put("0.weight", Tensor.zeros(5, 3, 3, 3));
        assertThatThrownBy(() -> b.loadStateDict(state, true))
                .hasMessageContaining("missing [4.bias]").hasMessageContaining("unexpected [extra.weight]")
                .hasMessageContaining("0.weight: expected [4, 3, 3, 3], got [5, 3, 3, 3]");
        Module.LoadResult r = b.loadStateDict(state, false);
        assertThat(r.missing()).containsExactly("4.bias");
        assertThat(r.unexpected()).containsExactly("extra.weight");
        assertThat(r.shapeMismatches()).hasSize(1);
    }

    @Test
    void sameSeedSameModel() {
        assertThat(smallNet(7).namedParameters().get("3.0.weight").get().toArray())
                .containsExactly(smallNet(7).namedParameters().get("3.0.weight").get().toArray());
    }

    @Test
    void registrationErrors() {
        assertThatThrownBy(() -> new Sequential().add(null)).hasMessageContaining("null");
        assertThatThrownBy(() -> new Conv2d(3, 4, 3, 1, 1, 1, 2, false, new Random(1))).hasMessageContaining("groups=2");
        assertThatThrownBy(() -> new Linear(0, 3, true, new Random(1))).hasMessageContaining("0 -> 3");
    }

    @Test
    void attentionShapesHeadsAndGradients() {
        for (boolean fused : new boolean[] {false, true}) {
            MultiHeadSelfAttention attn = new MultiHeadSelfAttention(8, 2, 3, fused, true, new Random(8));
            assertThat(attn.heads()).isEqualTo(2);
            Tensor x = Tensor.randn(9, 2, 5, 8).requiresGrad(true);
            assertThat(attn.forward(x).shape()).containsExactly(2, 5, 8);
            List<Tensor> inputs = new java.util.ArrayList<>(List.of(x));
            inputs.addAll(attn.parameters());
            GradCheck.Result r = GradCheck.defaults().check(in -> attn.forward(in.get(0)), inputs);
            assertThat(r.mismatches()).as("fused=%s", fused).isEmpty();
            assertThatThrownBy(() -> attn.forward(Tensor.zeros(2, 5, 7))).hasMessageContaining("[b, t, 8]").hasMessageContaining("[2, 5, 7]");
        }
    }

    @Test
    void attentionMatchesAManualSingleHeadComputation() {
        MultiHeadSelfAttention attn = new MultiHeadSelfAttention(4, 1, 4, false, false, new Random(10));
        Tensor x = Tensor.randn(11, 1, 3, 4);
        Linear q = (Linear) attn.child("q");
        Linear k = (Linear) attn.child("k");
        Linear v = (Linear) attn.child("v");
        Tensor x2 = x.reshape(3, 4);
        Tensor s = q.forward(x2).matmul(k.forward(x2).t()).div(2f);
        Tensor expected = attn.child("proj").forward(dev.sprig.ops.Functional.softmax(s, 1).matmul(v.forward(x2)));
        float[] got = attn.forward(x).toArray();
        float[] want = expected.toArray();
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    /** Without gradients attention runs the fused kernel; it must give what the recorded (composed) path gives. */
    @Test
    void attentionWithoutGradientsMatchesTheRecordedPath() {
        for (boolean fused : new boolean[] {false, true}) {
            MultiHeadSelfAttention attn = new MultiHeadSelfAttention(12, 3, 5, fused, true, new Random(12));
            Tensor x = Tensor.randn(13, 3, 17, 12);
            Tensor recorded = attn.forward(x); // the parameters require gradients: composed ops
            assertThat(recorded.gradFn()).as("fused=%s: recorded", fused).isNotNull();
            Tensor inference;
            try (dev.sprig.tensor.GradMode.Scope scope = dev.sprig.tensor.GradMode.noGrad()) {
                inference = attn.forward(x);
            }
            assertThat(inference.gradFn()).isNull();
            float[] got = inference.toArray();
            float[] want = recorded.toArray();
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).as("fused=%s, element %d", fused, i).isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }
}
