package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A weight-norm criterion: for every slice of the chosen roles, the L1 ({@code Σ|w|}) or L2
 * ({@code √Σw²}) norm of each unit's entries, reduced over the slices. {@link Importance#l1()}
 * scores filters, {@link Importance#bnScale()} the norms' γ.
 *
 * @param norm          L1 or L2
 * @param roles         which slices count (e.g. {@code WEIGHT_OUT} for filters; add {@code WEIGHT_IN}
 *                      to include the consumers' input columns)
 * @param reduction     how the slices' norms combine
 * @param normalization how each group's scores are rescaled
 */
public record MagnitudeImportance(Norm norm, Set<Slice.Role> roles, Reduction reduction, Normalization normalization)
        implements Importance {

    /** The weight norm. */
    public enum Norm { L1, L2 }

    public MagnitudeImportance {
        if (norm == null || roles == null || roles.isEmpty() || reduction == null || normalization == null) {
            throw new IllegalArgumentException("MagnitudeImportance needs a norm, at least one role, a reduction and a normalization");
        }
        roles = Set.copyOf(EnumSet.copyOf(roles));
    }

    public MagnitudeImportance withReduction(Reduction r) {
        return new MagnitudeImportance(norm, roles, r, normalization);
    }

    public MagnitudeImportance withNormalization(Normalization n) {
        return new MagnitudeImportance(norm, roles, reduction, n);
    }

    public MagnitudeImportance withRoles(Set<Slice.Role> r) {
        return new MagnitudeImportance(norm, r, reduction, normalization);
    }

    @Override
    public Map<String, float[]> scores(Module model, PruningGraph graph) {
        Map<String, Tensor> state = model.stateDict();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            List<Slice> slices = UnitScores.slices(g, roles);
            if (slices.isEmpty()) {
                throw new IllegalArgumentException(norm + " importance over " + roles + ": group " + g.id() + " (" + g.kind()
                        + ") has no slice with these roles; exclude it or choose other roles");
            }
            List<double[]> perSlice = new ArrayList<>();
            for (Slice s : slices) {
                Tensor t = state.get(s.tensor());
                float[] w = t.rowMajorData();
                double[] u = norm == Norm.L1
                        ? UnitScores.perUnit(t.shape(), s, g.units(), i -> Math.abs(w[i]))
                        : UnitScores.perUnit(t.shape(), s, g.units(), i -> (double) w[i] * w[i]);
                if (norm == Norm.L2) {
                    for (int k = 0; k < u.length; k++) {
                        u[k] = Math.sqrt(u[k]);
                    }
                }
                perSlice.add(u);
            }
            out.put(g.id(), UnitScores.reduce(g.id(), perSlice, reduction, normalization));
        }
        return out;
    }
}
