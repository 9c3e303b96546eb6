package dev.sprig.onnx.conformance;

import dev.sprig.tensor.Shape;
import java.util.Arrays;

/**
 * Float32 comparison: {@code |actual − expected| <= ATOL + RTOL·|expected|} element by element, NaN
 * matching NaN and infinities matching exactly; integer outputs must be equal. The bounds are a
 * few float32 ulps of headroom over reference outputs computed in float64 by NumPy.
 */
final class Tolerance {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    private Tolerance() {}

    /** Null when {@code actual} matches {@code expected}, else what differs. */
    static String mismatch(String output, Value expected, Value actual) {
        if (actual == null) {
            return output + ": not produced";
        }
        int[] es = expected.shapeOf();
        int[] as = actual.shapeOf();
        if (!Arrays.equals(es, as)) {
            return output + ": shape " + Shape.str(as) + ", expected " + Shape.str(es);
        }
        if (expected instanceof Value.Ints ei) {
            if (!(actual instanceof Value.Ints ai)) {
                return output + ": a float tensor where integers are expected";
            }
            return Arrays.equals(ei.values(), ai.values()) ? null
                    : output + ": " + Arrays.toString(ai.values()) + ", expected " + Arrays.toString(ei.values());
        }
        if (!(actual instanceof Value.Floats af)) {
            return output + ": an integer tensor where floats are expected";
        }
        float[] e = ((Value.Floats) expected).tensor().toArray();
        float[] a = af.tensor().toArray();
        for (int i = 0; i < e.length; i++) {
            if (!close(a[i], e[i])) {
                return output + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (|diff| "
                        + Math.abs((double) a[i] - e[i]) + " > " + (ATOL + RTOL * Math.abs(e[i])) + ")";
            }
        }
        return null;
    }

    static boolean close(float a, float e) {
        if (Float.isNaN(e) || Float.isNaN(a)) {
            return Float.isNaN(e) && Float.isNaN(a);
        }
        if (Float.isInfinite(e) || Float.isInfinite(a)) {
            return a == e;
        }
        return Math.abs((double) a - e) <= ATOL + RTOL * Math.abs((double) e);
    }
}
