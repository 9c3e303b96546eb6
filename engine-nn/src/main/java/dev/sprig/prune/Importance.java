package dev.sprig.prune;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Module;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Scores the units of every prunable group (scores only: which to remove is {@link Selection}'s
 * job). Higher means more important. Criteria that look at weights score each of a group's slices
 * (a filter, a BatchNorm γ, a consumer's input column...) and reduce over them with a
 * {@link Reduction}; a {@link Normalization} then rescales each group's scores, so that a global
 * ranking compares groups of different sizes.
 */
public interface Importance {

    /** Per prunable group id of {@code graph}, one score per unit. {@code graph} must describe {@code model} as it is. */
    Map<String, float[]> scores(Module model, PruningGraph graph);

    /** How per-slice scores of one unit combine into the unit's score. */
    enum Reduction { SUM, MEAN, MAX }

    /** How a group's scores are rescaled after reduction: not, by their maximum, or by their sum. */
    enum Normalization { NONE, MAX, SUM }

    /** L1 norm of each unit's filters (producer weight rows), summed over the group's producers (Li et al. 2017). */
    static MagnitudeImportance l1() {
        return new MagnitudeImportance(MagnitudeImportance.Norm.L1, EnumSet.of(Slice.Role.WEIGHT_OUT), Reduction.SUM, Normalization.NONE);
    }

    /** L2 norm of each unit's filters, summed over the group's producers. */
    static MagnitudeImportance l2() {
        return new MagnitudeImportance(MagnitudeImportance.Norm.L2, EnumSet.of(Slice.Role.WEIGHT_OUT), Reduction.SUM, Normalization.NONE);
    }

    /** |γ| of the norms over each unit (network slimming), summed over the group's norms. */
    static MagnitudeImportance bnScale() {
        return new MagnitudeImportance(MagnitudeImportance.Norm.L1, EnumSet.of(Slice.Role.NORM_SCALE), Reduction.SUM, Normalization.NONE);
    }

    /** Uniform random scores, the same for the same seed and group id. */
    static Importance random(long seed) {
        return new RandomImportance(seed, Normalization.NONE);
    }

    /**
     * First-order Taylor (Molchanov et al. 2019): {@code Σ |w · ∂L/∂w|} over each unit's parameter
     * entries in every slice, accumulated over {@code batches} of cross-entropy gradients.
     */
    static TaylorImportance taylor(List<DataLoader.Batch> batches) {
        return new TaylorImportance(batches, Reduction.SUM, Normalization.NONE);
    }
}
