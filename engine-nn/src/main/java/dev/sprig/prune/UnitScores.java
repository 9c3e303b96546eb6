package dev.sprig.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/** Per-unit sums over a slice's entries, and the reduction and normalisation of {@link Importance}. */
final class UnitScores {
    private UnitScores() {}

    /**
     * For each of {@code units} units of {@code s}, the sum of {@code value(flat)} over the unit's
     * entries of a row-major tensor of {@code shape}.
     */
    static double[] perUnit(int[] shape, Slice s, int units, IntToDoubleFunction value) {
        int d = s.dim();
        int size = shape[d];
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = d + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        double[] out = new double[units];
        for (int o = 0; o < outer; o++) {
            for (int u = 0; u < units; u++) {
                int from = s.offset() + u * s.unitSize();
                double acc = 0;
                for (int i = from; i < from + s.unitSize(); i++) {
                    int base = (o * size + i) * inner;
                    for (int j = 0; j < inner; j++) {
                        acc += value.applyAsDouble(base + j);
                    }
                }
                out[u] += acc;
            }
        }
        return out;
    }

    /** Combines per-slice unit scores ([slices][units]) into one score per unit, then normalises. */
    static float[] reduce(String group, List<double[]> perSlice, Importance.Reduction reduction, Importance.Normalization normalization) {
        if (perSlice.isEmpty()) {
            throw new IllegalArgumentException("group " + group + " has no slice to score");
        }
        int units = perSlice.get(0).length;
        double[] r = new double[units];
        if (reduction == Importance.Reduction.MAX) {
            Arrays.fill(r, Double.NEGATIVE_INFINITY);
        }
        for (double[] s : perSlice) {
            for (int u = 0; u < units; u++) {
                r[u] = reduction == Importance.Reduction.MAX ? Math.max(r[u], s[u]) : r[u] + s[u];
            }
        }
        if (reduction == Importance.Reduction.MEAN) {
            for (int u = 0; u < units; u++) {
                r[u] /= perSlice.size();
            }
        }
        return normalize(r, normalization);
    }

    static float[] normalize(double[] r, Importance.Normalization normalization) {
        double by = 1;
        if (normalization == Importance.Normalization.MAX) {
            by = Arrays.stream(r).max().orElse(0);
        } else if (normalization == Importance.Normalization.SUM) {
            by = Arrays.stream(r).sum();
        }
        if (!(by > 0)) {
            by = 1; // all-zero scores stay zero
        }
        float[] out = new float[r.length];
        for (int u = 0; u < r.length; u++) {
            out[u] = (float) (r[u] / by);
        }
        return out;
    }

    /** The group's slices whose role is in {@code roles}. */
    static List<Slice> slices(Group g, java.util.Set<Slice.Role> roles) {
        List<Slice> out = new ArrayList<>();
        for (Slice s : g.slices()) {
            if (roles.contains(s.role())) {
                out.add(s);
            }
        }
        return out;
    }
}
