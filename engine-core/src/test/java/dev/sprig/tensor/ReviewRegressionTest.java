package dev.sprig.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Defects found in review, each pinned by a test. */
class ReviewRegressionTest {

    @Test
    void vectorTimesVectorIsTheZeroDimensionalDotProduct() {
        Tensor a = Tensor.vector(1, 2, 3).requiresGrad(true);
        Tensor d = a.matmul(Tensor.vector(4, 5, 6));
        assertThat(d.dim()).isZero();
        assertThat(d.item()).isEqualTo(32f);
        d.backward();
        assertThat(a.grad().toArray()).containsExactly(4, 5, 6);
    }

    @Test
    void divisionByAScalarDividesEvenForSubnormals() {
        assertThat(Tensor.scalar(1e-10f).div(1e-39f).item()).isEqualTo(1e-10f / 1e-39f);
        Tensor x = Tensor.vector(3f, 7f);
        assertThat(x.div(3f).toArray()).containsExactly(1f, 7f / 3f);
    }

    @Test
    void powZeroHasAZeroGradientAtZero() {
        Tensor x = Tensor.vector(0f, 2f).requiresGrad(true);
        x.pow(0f).sum().backward();
        assertThat(x.grad().toArray()).containsExactly(0f, 0f);
    }

    @Test
    void expandRejectsSizesBelowMinusOne() {
        assertThatThrownBy(() -> Tensor.ones(1).expand(-2)).hasMessageContaining("size -2");
    }

    @Test
    void zeroSizeTensorsAreContiguous() {
        assertThat(Tensor.zeros(2, 0).isContiguous()).isTrue();
    }

    @Test
    void setGradKeepsAPrivateCopy() {
        Tensor x = Tensor.zeros(2).requiresGrad(true);
        Tensor g = Tensor.vector(1, 1);
        x.setGrad(g);
        x.mul(1f).sum().backward();
        assertThat(g.toArray()).containsExactly(1, 1);
        assertThat(x.grad().toArray()).containsExactly(2, 2);
    }
}
