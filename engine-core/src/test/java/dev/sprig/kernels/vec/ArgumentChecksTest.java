package dev.sprig.kernels.vec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad ranges fail fast with an IllegalArgumentException that names the kernel, operand and values. */
class ArgumentChecksTest {
    private final float[] a = new float[10];
    private final float[] b = new float[10];

    @Test
    void negativeLength() {
        assertThatThrownBy(() -> Elementwise.add(a, 0, b, 0, a, 0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("add").hasMessageContaining("n=-1");
        assertThatThrownBy(() -> Unary.expVector(a, 0, b, 0, -3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exp").hasMessageContaining("n=-3");
        assertThatThrownBy(() -> Reductions.sumScalar(a, 0, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sum").hasMessageContaining("n=-2");
    }

    @Test
    void rangePastTheEndNamesOperandOffsetLengthAndArrayLength() {
        assertThatThrownBy(() -> Elementwise.mul(a, 0, b, 4, a, 0, 7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mul: y range [4, 11)").hasMessageContaining("length 10");
        assertThatThrownBy(() -> Activations.gelu(a, 0, new float[5], 0, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gelu: out").hasMessageContaining("length 5");
        assertThatThrownBy(() -> Reductions.dot(a, 8, b, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dot: x range [8, 11)");
        assertThatThrownBy(() -> Activations.reluBackwardVector(a, 0, b, -1, a, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reluBackward: dy").hasMessageContaining("offset -1");
        assertThatThrownBy(() -> Elementwise.axpy(1f, a, 0, null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("axpy: out is null");
    }

    @Test
    void matrixAndSideArrayChecks() {
        assertThatThrownBy(() -> RowKernels.softmaxRows(a, 0, b, 0, 3, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("softmaxRows: x range [0, 12)");
        assertThatThrownBy(() -> RowKernels.logSoftmaxRows(a, 0, b, 0, -1, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows=-1");
        assertThatThrownBy(() -> RowKernels.layerNormRows(a, 0, new float[4], null, 1e-5f, b, 0, null, null, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layerNormRows: gamma").hasMessageContaining("length 4");
        assertThatThrownBy(() -> RowKernels.layerNormRows(a, 0, null, null, -1f, b, 0, null, null, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eps=-1.0");
        assertThatThrownBy(() -> RowKernels.layerNormBackwardRows(a, 0, b, 0, null, new float[1], new float[2], a, 0, null, null, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layerNormBackwardRows: mean");
        assertThatThrownBy(() -> Elementwise.addRowVector(a, 0, new float[3], 0, b, 0, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("addRowVector: v");
        assertThatThrownBy(() -> Elementwise.affinePerChannel(a, 0, new float[1], null, b, 0, 1, 2, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("affinePerChannel: a");
        assertThatThrownBy(() -> Reductions.sumOuterInto(a, 0, 2, 5, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sumOuterInto: out");
    }
}
