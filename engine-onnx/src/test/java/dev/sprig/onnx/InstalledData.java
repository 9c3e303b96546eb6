package dev.sprig.onnx;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need installed data call {@link #require}: where the data is absent the test is
 * skipped with a message saying what to install (JUnit reports it as skipped, not passed), and
 * with {@code SPRIG_REQUIRE_DATA=1} in the environment (as {@code .ci/run} sets after installing)
 * it fails instead.
 */
public final class InstalledData {
    private InstalledData() {}

    public static void require(boolean present, String what, String install) {
        if (present) {
            return;
        }
        String msg = what + " is not installed; " + install;
        if ("1".equals(System.getenv("SPRIG_REQUIRE_DATA"))) {
            fail(msg + " (SPRIG_REQUIRE_DATA=1: missing data fails instead of skipping)");
        }
        Assumptions.abort("SKIPPED: " + msg);
    }
}
