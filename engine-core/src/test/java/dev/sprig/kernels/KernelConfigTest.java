package dev.sprig.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KernelConfigTest {
    private static final String PROPERTY = "sprig.test.flag";

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void aFlagIsTrueOrFalseInAnyCaseAndAbsentIsTheDefault() {
        assertThat(KernelConfig.flag(PROPERTY, true)).isTrue();
        assertThat(KernelConfig.flag(PROPERTY, false)).isFalse();
        System.setProperty(PROPERTY, "False");
        assertThat(KernelConfig.flag(PROPERTY, true)).isFalse();
        System.setProperty(PROPERTY, " TRUE ");
        assertThat(KernelConfig.flag(PROPERTY, false)).isTrue();
    }

    @Test
    void anyOtherValueIsAnErrorNamingIt() {
        System.setProperty(PROPERTY, "0");
        assertThatThrownBy(() -> KernelConfig.flag(PROPERTY, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-Dsprig.test.flag=0").hasMessageContaining("true or false");
    }

    /**
     * A suite run for another vector width (engine-core's {@code narrow-vectors} execution sets
     * {@code -XX:MaxVectorSize=16} and {@code sprig.test.expectLanes=4}) really runs at that width.
     */
    @Test
    void theSpeciesHasTheLanesTheRunExpects() {
        String expected = System.getProperty("sprig.test.expectLanes");
        assumeTrue(expected != null, "only a run for another vector width (-Dsprig.test.expectLanes) has lanes to check");
        assertThat(KernelConfig.FLOATS.length()).as("float lanes under -Dsprig.test.expectLanes").isEqualTo(Integer.parseInt(expected));
    }
}
