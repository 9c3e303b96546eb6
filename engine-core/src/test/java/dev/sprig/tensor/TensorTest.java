package dev.sprig.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void factoriesHaveShapeAndValues() {
        assertThat(Tensor.zeros(2, 3).toArray()).containsOnly(0f).hasSize(6);
        assertThat(Tensor.ones(4).toArray()).containsExactly(1f, 1f, 1f, 1f);
        assertThat(Tensor.full(2.5f, 1, 2).toArray()).containsExactly(2.5f, 2.5f);
        assertThat(Tensor.arange(4).toArray()).containsExactly(0f, 1f, 2f, 3f);
        assertThat(Tensor.arange(1f, 2f, 0.25f).toArray()).containsExactly(1f, 1.25f, 1.5f, 1.75f);
        assertThat(Tensor.scalar(3f).dim()).isZero();
        assertThat(Tensor.scalar(3f).item()).isEqualTo(3f);
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(t.get(1, 2)).isEqualTo(6f);
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.strides()).containsExactly(3, 1);
    }

    @Test
    void seededRandomIsRepeatableAndSeedDependent() {
        assertThat(Tensor.randn(7, 5, 5).toArray()).containsExactly(Tensor.randn(7, 5, 5).toArray());
        assertThat(Tensor.rand(7, 100).toArray()).isNotEqualTo(Tensor.rand(8, 100).toArray());
        float[] u = Tensor.rand(1, 1000).toArray();
        for (float v : u) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void wrongValueCountNamesBoth() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 3]").hasMessageContaining("6").hasMessageContaining("5");
    }

    @Test
    void reshapeOfContiguousIsAViewAndInfersMinusOne() {
        Tensor t = Tensor.arange(12);
        Tensor r = t.reshape(3, -1);
        assertThat(r.shape()).containsExactly(3, 4);
        assertThat(r.storage()).isSameAs(t.storage());
        assertThatThrownBy(() -> t.reshape(5, -1)).hasMessageContaining("[12]").hasMessageContaining("[5, -1]");
        assertThatThrownBy(() -> t.reshape(5, 2)).hasMessageContaining("12 elements").hasMessageContaining("10 elements");
    }

    @Test
    void permuteTransposeAndContiguous() {
        Tensor t = Tensor.arange(24).reshape(2, 3, 4);
        Tensor p = t.permute(2, 0, 1);
        assertThat(p.shape()).containsExactly(4, 2, 3);
        assertThat(p.storage()).isSameAs(t.storage());
        assertThat(p.isContiguous()).isFalse();
        assertThat(p.get(3, 1, 2)).isEqualTo(t.get(1, 2, 3));
        Tensor c = p.contiguous();
        assertThat(c.isContiguous()).isTrue();
        assertThat(c.get(3, 1, 2)).isEqualTo(23f);
        assertThat(t.transpose(0, 2).shape()).containsExactly(4, 3, 2);
        // reshape of a non-contiguous view copies
        assertThat(p.reshape(8, 3).get(7, 2)).isEqualTo(23f);
        assertThatThrownBy(() -> t.permute(0, 0, 1)).hasMessageContaining("repeats dimension 0");
        assertThatThrownBy(() -> t.permute(0, 1)).hasMessageContaining("expected 3");
    }

    @Test
    void narrowSliceExpandSqueeze() {
        Tensor t = Tensor.arange(12).reshape(3, 4);
        Tensor n = t.narrow(1, 1, 2);
        assertThat(n.shape()).containsExactly(3, 2);
        assertThat(n.toArray()).containsExactly(1, 2, 5, 6, 9, 10);
        assertThat(t.slice(1, 0, 4, 2).toArray()).containsExactly(0, 2, 4, 6, 8, 10);
        assertThat(n.storage()).isSameAs(t.storage());
        Tensor e = Tensor.vector(1, 2, 3).expand(2, 3);
        assertThat(e.toArray()).containsExactly(1, 2, 3, 1, 2, 3);
        assertThat(e.strides()).containsExactly(0, 1);
        Tensor col = Tensor.vector(1, 2).unsqueeze(1);
        assertThat(col.shape()).containsExactly(2, 1);
        assertThat(col.expand(2, 3).toArray()).containsExactly(1, 1, 1, 2, 2, 2);
        assertThat(col.squeeze(1).shape()).containsExactly(2);
        assertThatThrownBy(() -> t.narrow(1, 3, 2)).hasMessageContaining("start=3").hasMessageContaining("size 4");
        assertThatThrownBy(() -> Tensor.zeros(2, 3).expand(4, 3)).hasMessageContaining("[2, 3]").hasMessageContaining("[4, 3]");
        assertThatThrownBy(() -> t.squeeze(0)).hasMessageContaining("size 3");
        assertThatThrownBy(() -> t.size(2)).hasMessageContaining("dimension 2").hasMessageContaining("rank 2");
    }

    @Test
    void flattenMergesDims() {
        Tensor t = Tensor.zeros(2, 3, 4, 5);
        assertThat(t.flatten().shape()).containsExactly(2, 60);
        assertThat(t.flatten(1, 2).shape()).containsExactly(2, 12, 5);
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = Tensor.arange(6).reshape(2, 3);
        Tensor b = Tensor.vector(10, 20, 30);
        assertThat(a.add(b).toArray()).containsExactly(10, 21, 32, 13, 24, 35);
        Tensor c = Tensor.vector(1, 2).reshape(2, 1);
        assertThat(a.mul(c).toArray()).containsExactly(0, 1, 2, 6, 8, 10);
        assertThat(a.sub(1f).toArray()).containsExactly(-1, 0, 1, 2, 3, 4);
        assertThat(a.transpose(0, 1).add(Tensor.vector(1, 1)).toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThatThrownBy(() -> a.add(Tensor.zeros(4)))
                .hasMessageContaining("[2, 3]").hasMessageContaining("[4]").hasMessageContaining("cannot be broadcast");
    }

    @Test
    void elementAccessIsChecked() {
        Tensor t = Tensor.zeros(2, 2);
        t.set(5f, 1, 0);
        assertThat(t.get(1, 0)).isEqualTo(5f);
        assertThatThrownBy(() -> t.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("[2, 0]");
        assertThatThrownBy(() -> t.get(0)).hasMessageContaining("expected 2");
        assertThatThrownBy(t::item).hasMessageContaining("[2, 2]");
    }

    @Test
    void toStringShowsShapeAndSomeValues() {
        String s = Tensor.arange(100).reshape(10, 10).toString();
        assertThat(s).startsWith("Tensor[10, 10]").contains("0.0, 1.0").contains("100 values");
    }

    @Test
    void reductionsValues() {
        Tensor t = Tensor.of(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertThat(t.sum().item()).isEqualTo(21f);
        assertThat(t.sum(0, false).toArray()).containsExactly(5, 7, 9);
        assertThat(t.sum(1, true).shape()).containsExactly(2, 1);
        assertThat(t.mean(1, false).toArray()).containsExactly(3, 4);
        assertThat(t.max(1, false).toArray()).containsExactly(5, 6);
        assertThat(t.argmax(1, false).toArray()).containsExactly(1, 2);
        assertThat(t.argmax(0, true).toArray()).containsExactly(1, 0, 1);
        assertThat(Tensor.vector(2, 7, 7).argmax(0, false).item()).isEqualTo(1f);
        assertThat(Tensor.vector(2, Float.NaN, 7).argmax(0, false).item()).isEqualTo(1f);
        assertThatThrownBy(() -> t.sum(new int[] {1, 1}, false)).hasMessageContaining("listed twice");
    }

    @Test
    void matmulValuesAndShapeErrors() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        assertThat(a.matmul(b).toArray()).containsExactly(58, 64, 139, 154);
        assertThat(a.matmul(a.t()).toArray()).containsExactly(14, 32, 32, 77);
        assertThat(a.matmul(Tensor.vector(1, 1, 1)).toArray()).containsExactly(6, 15);
        Tensor batch = Tensor.arange(12).reshape(2, 2, 3);
        Tensor prod = batch.matmul(b);
        assertThat(prod.shape()).containsExactly(2, 2, 2);
        assertThat(prod.get(1, 1, 0)).isEqualTo(9 * 7 + 10 * 9 + 11 * 11);
        assertThatThrownBy(() -> a.matmul(a))
                .hasMessageContaining("[2, 3]").hasMessageContaining("not aligned").hasMessageContaining("3 (dim -1 of the first) != 2");
    }
}
