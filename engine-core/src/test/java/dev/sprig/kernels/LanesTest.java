package dev.sprig.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class LanesTest {

    @Test
    void treeSumMatchesItsScalarTwinBitForBitAndIsStableUnderJit() {
        int len = KernelConfig.FLOATS.length();
        Random rng = new Random(3);
        float[] lanes = new float[len];
        // Many iterations so that the loop body is JIT-compiled part way through: results must not change.
        for (int iter = 0; iter < 200_000; iter++) {
            for (int i = 0; i < len; i++) {
                lanes[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(8) - 4));
            }
            float vector = Lanes.sum(FloatVector.fromArray(KernelConfig.FLOATS, lanes, 0));
            float scalar = Lanes.sumScalar(lanes);
            if (Float.floatToIntBits(vector) != Float.floatToIntBits(scalar)) {
                assertThat(vector).as("iteration %d", iter).isEqualTo(scalar);
            }
        }
    }

    @Test
    void sumsSimpleValues() {
        float[] ones = new float[KernelConfig.FLOATS.length()];
        java.util.Arrays.fill(ones, 1f);
        assertThat(Lanes.sum(FloatVector.fromArray(KernelConfig.FLOATS, ones, 0))).isEqualTo(ones.length);
        assertThatThrownBy(() -> Lanes.sumScalar(new float[3])).hasMessageContaining("got 3");
    }
}
