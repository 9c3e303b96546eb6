package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LinearFusedOpTest {
    @Test
    void isBitForBitLinearThenGeluThenAdd() {
        Tensor x = Tensor.randn(1, 3, 7, 24);
        Tensor w = Tensor.randn(2, 40, 24);
        Tensor b = Tensor.randn(3, 40);
        Tensor res = Tensor.randn(4, 3, 7, 40);
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor plain = Functional.linear(x, w, b);
            assertThat(Functional.linearFused(x, w, b, null, false).toArray()).containsExactly(plain.toArray());
            assertThat(Functional.linearFused(x, w, b, null, true).toArray()).containsExactly(plain.gelu().toArray());
            assertThat(Functional.linearFused(x, w, b, res, false).toArray()).containsExactly(res.add(plain).toArray());
            assertThat(Functional.linearFused(x, w, null, res, true).toArray())
                    .containsExactly(res.add(Functional.linear(x, w, null).gelu()).toArray());
            assertThat(Functional.linearFused(x, w, b, res, true).shape()).containsExactly(3, 7, 40);
        }
        // nothing requires a gradient: allowed with grad mode on, and it counts the linear's MACs
        long macs = FlopCounter.countMacs(() -> Functional.linearFused(x, w, b, res, true));
        assertThat(macs).isEqualTo(3L * 7 * 40 * 24);
    }

    @Test
    void refusesToDropAGradientAndNamesBadShapes() {
        Tensor x = Tensor.randn(1, 5, 6);
        Tensor w = Tensor.randn(2, 4, 6).requiresGrad(true);
        assertThatThrownBy(() -> Functional.linearFused(x, w, null, null, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inference-only").hasMessageContaining("weight [4, 6]");
        Tensor frozen = w.detach();
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertThatThrownBy(() -> Functional.linearFused(x, frozen, Tensor.randn(3, 5), null, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias must be [4]").hasMessageContaining("[5]");
            assertThatThrownBy(() -> Functional.linearFused(x, frozen, null, Tensor.randn(4, 5, 5), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[5, 4]").hasMessageContaining("[5, 5]");
        }
    }
}
