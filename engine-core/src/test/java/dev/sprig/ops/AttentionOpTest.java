package dev.sprig.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.kernels.attention.Attention;
import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionOpTest {
    /** The composed ops, as they run when a gradient is recorded. */
    private static Tensor composed(Tensor q, Tensor k, Tensor v, int heads) {
        Tensor rq = q.detach().requiresGrad(true);
        return Functional.multiHeadAttention(rq, k, v, heads).detach();
    }

    private static void assertClose(Tensor fused, Tensor composed) {
        assertThat(fused.shape()).isEqualTo(composed.shape());
        float[] a = fused.toArray();
        float[] b = composed.toArray();
        for (int i = 0; i < a.length; i++) {
            assertThat(Math.abs(a[i] - b[i])).as("element %d: fused %s, composed %s", i, a[i], b[i])
                    .isLessThanOrEqualTo(1e-5f * Math.max(1f, Math.abs(b[i])));
        }
    }

    @ParameterizedTest(name = "batch {0}, tokens {1}, heads {2}, headDim {3}")
    @CsvSource({"1, 1, 1, 4", "2, 17, 3, 8", "3, 65, 1, 32", "1, 10, 4, 5"})
    void fusedKernelWithoutGradientsMatchesTheComposedOps(int b, int t, int heads, int hd) {
        int w = heads * hd;
        Tensor q = Tensor.randn(1, b, t, w);
        Tensor k = Tensor.randn(2, b, t, w);
        Tensor v = Tensor.randn(3, b, t, w);
        Tensor fused;
        try (GradMode.Scope s = GradMode.noGrad()) {
            fused = Functional.multiHeadAttention(q, k, v, heads);
        }
        assertClose(fused, composed(q, k, v, heads));
        // with grad mode on but nothing requiring a gradient, the fused kernel runs too
        assertThat(Functional.multiHeadAttention(q, k, v, heads).toArray()).isEqualTo(fused.toArray());
    }

    /** q, k, v as the column thirds of one [b, t, 3w] tensor (a fused qkv projection) and as a non-contiguous permuted view. */
    @Test
    void readsSlicesAndStridedViews() {
        int b = 2;
        int t = 9;
        int heads = 2;
        int hd = 6;
        int w = heads * hd;
        Tensor qkv = Tensor.randn(4, b, t, 3 * w);
        Tensor q = qkv.narrow(2, 0, w);
        Tensor k = qkv.narrow(2, w, w);
        Tensor v = qkv.narrow(2, 2 * w, w);
        Tensor transposed = Tensor.randn(5, t, b, w).transpose(0, 1); // [b, t, w], not evenly strided rows
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertClose(Functional.multiHeadAttention(q, k, v, heads), composed(q.contiguous(), k.contiguous(), v.contiguous(), heads));
            assertClose(Functional.multiHeadAttention(transposed, k, v, heads), composed(transposed.contiguous(), k.contiguous(), v.contiguous(), heads));
        }
    }

    /** Without gradients the op is the fused kernel itself, bit for bit (the composed ops round differently). */
    @Test
    void withoutGradientsItIsTheFusedKernel() {
        int b = 2;
        int t = 33;
        int heads = 2;
        int hd = 16;
        int w = heads * hd;
        Tensor q = Tensor.randn(6, b, t, w);
        Tensor k = Tensor.randn(7, b, t, w);
        Tensor v = Tensor.randn(8, b, t, w);
        float[] kernel = new float[b * t * w];
        Attention.forward(b, t, heads, hd, (float) (1 / Math.sqrt(hd)), q.toArray(), 0, w, k.toArray(), 0, w, v.toArray(), 0, w,
                kernel, 0, w);
        float[] op;
        try (GradMode.Scope s = GradMode.noGrad()) {
            op = Functional.multiHeadAttention(q, k, v, heads).toArray();
        }
        assertThat(op).containsExactly(kernel);
        assertThat(composed(q, k, v, heads).toArray()).isNotEqualTo(kernel);
    }

    @Test
    void countsTheSameMultiplyAddsAsTheComposedOps() {
        Tensor q = Tensor.randn(1, 2, 5, 6);
        long fused;
        try (GradMode.Scope s = GradMode.noGrad()) {
            fused = FlopCounter.countMacs(() -> Functional.multiHeadAttention(q, q, q, 3));
        }
        long composed = FlopCounter.countMacs(() -> composed(q, q, q, 3));
        assertThat(fused).isEqualTo(composed).isEqualTo(2L * 2 * 3 * 5 * 5 * 2);
    }

    @Test
    void wrongShapesAreNamed() {
        Tensor q = Tensor.randn(1, 2, 5, 6);
        assertThatThrownBy(() -> Functional.multiHeadAttention(q, Tensor.randn(2, 2, 4, 6), q, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 5, 6]").hasMessageContaining("[2, 4, 6]");
        assertThatThrownBy(() -> Functional.multiHeadAttention(q, q, q, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heads=4");
        assertThatThrownBy(() -> Functional.multiHeadAttention(Tensor.randn(1, 30), Tensor.randn(1, 30), Tensor.randn(1, 30), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[30]");
    }
}
