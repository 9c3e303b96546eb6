package dev.sprig.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void simpleChainRule() {
        Tensor x = Tensor.vector(1, 2, 3).requiresGrad(true);
        Tensor y = x.mul(x).sum(); // dy/dx = 2x
        y.backward();
        assertThat(x.grad().toArray()).containsExactly(2, 4, 6);
        assertThat(x.isLeaf()).isTrue();
        assertThat(y.isLeaf()).isFalse();
        assertThat(y.gradFn().name()).isEqualTo("sum");
    }

    @Test
    void gradientsAccumulateAcrossUsesAndCalls() {
        Tensor x = Tensor.vector(1, 2).requiresGrad(true);
        x.add(x).mul(x).sum().backward(); // d/dx (2x·x) = 4x
        assertThat(x.grad().toArray()).containsExactly(4, 8);
        x.sum().backward(); // + 1
        assertThat(x.grad().toArray()).containsExactly(5, 9);
        x.zeroGrad();
        assertThat(x.grad()).isNull();
        x.mul(3f).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(3, 3);
    }

    @Test
    void backwardWithExplicitGradient() {
        Tensor x = Tensor.vector(1, 2, 3).requiresGrad(true);
        x.mul(2f).backward(Tensor.vector(1, 10, 100));
        assertThat(x.grad().toArray()).containsExactly(2, 20, 200);
        assertThatThrownBy(() -> x.mul(2f).backward(Tensor.vector(1)))
                .hasMessageContaining("[1]").hasMessageContaining("[3]");
        assertThatThrownBy(() -> x.mul(2f).backward()).hasMessageContaining("one-element");
    }

    @Test
    void graphIsReleasedAfterBackward() {
        Tensor x = Tensor.vector(1, 2).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        assertThat(y.gradFn().isReleased()).isTrue();
        assertThatThrownBy(y::backward).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
    }

    @Test
    void noGradScopeRecordsNothingAndNests() {
        Tensor x = Tensor.vector(1, 2).requiresGrad(true);
        try (GradMode.Scope outer = GradMode.noGrad()) {
            Tensor y = x.mul(2f);
            assertThat(y.requiresGrad()).isFalse();
            assertThat(y.gradFn()).isNull();
            try (GradMode.Scope inner = GradMode.enableGrad()) {
                assertThat(x.mul(2f).requiresGrad()).isTrue();
            }
            assertThat(GradMode.isEnabled()).isFalse();
        }
        assertThat(GradMode.isEnabled()).isTrue();
        assertThat(x.mul(2f).requiresGrad()).isTrue();
    }

    @Test
    void detachStopsGradientAndSharesStorage() {
        Tensor x = Tensor.vector(1, 2).requiresGrad(true);
        Tensor d = x.detach();
        assertThat(d.requiresGrad()).isFalse();
        assertThat(d.storage()).isSameAs(x.storage());
        Tensor y = x.mul(d).sum(); // gradient only through the first factor: d
        y.backward();
        assertThat(x.grad().toArray()).containsExactly(1, 2);
        assertThatThrownBy(() -> y.requiresGrad(false)).hasMessageContaining("non-leaf");
    }

    @Test
    void backwardOnTensorWithoutGradIsAnError() {
        assertThatThrownBy(() -> Tensor.vector(1).sum().backward()).hasMessageContaining("does not require grad");
    }

    @Test
    void veryDeepGraphDoesNotOverflowTheStack() {
        Tensor x = Tensor.vector(1f).requiresGrad(true);
        Tensor y = x;
        int depth = 200_000;
        for (int i = 0; i < depth; i++) {
            y = y.add(0f);
        }
        y.sum().backward();
        assertThat(x.grad().item()).isEqualTo(1f);
    }

    @Test
    void diamondGraphSumsBothPaths() {
        Tensor x = Tensor.vector(0.5f).requiresGrad(true);
        Tensor a = x.exp();
        Tensor b = a.mul(a).add(a.sigmoid()); // d/dx = e^x (2e^x + σ'(e^x))
        b.sum().backward();
        double ex = Math.exp(0.5);
        double s = 1 / (1 + Math.exp(-ex));
        assertThat((double) x.grad().item()).isCloseTo(ex * (2 * ex + s * (1 - s)), within(1e-5));
    }

    @Test
    void gradientsOfViewsFlowBackToTheBase() {
        Tensor x = Tensor.arange(6).requiresGrad(true);
        Tensor v = x.reshape(2, 3).transpose(0, 1).narrow(0, 1, 2); // [2, 2] of elements 1,4,2,5
        v.mul(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(0, 1, 3, 0, 2, 4);
    }

    @Test
    void nonDifferentiableArgmaxStopsTheGraph() {
        Tensor x = Tensor.vector(1, 3, 2).requiresGrad(true);
        assertThat(x.argmax(0, false).requiresGrad()).isFalse();
    }
}
