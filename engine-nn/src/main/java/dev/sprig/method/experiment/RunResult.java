package dev.sprig.method.experiment;

import java.util.List;
import java.util.Map;

/**
 * One method on one target task at one size.
 *
 * @param target          the target task's name
 * @param classes         its classes in the source dataset
 * @param method          the method (see {@link PruneMethod})
 * @param keepRatio       the target size as a kept fraction of the parameters, or of the MACs (the config's
 *                        {@code budget})
 * @param params          parameters of the extracted model
 * @param macs            multiply-accumulates of one forward on one image
 * @param latencyMs       measured batch-1 forward latency, milliseconds (median of repeats)
 * @param pruneSeconds    wall time of choosing and extracting the sub-network (including any
 *                        fine-tuning that the method itself does between pruning rounds)
 * @param finetuneSeconds wall time of the fine-tuning budget
 * @param curve           accuracy after each point of the fine-tuning budget, from 0 iterations
 * @param groupKeepRatios kept fraction per group id
 * @param neighbours      bank entry ids used (methods that use the bank), most similar first
 * @param similarities    their similarities to the target
 */
public record RunResult(String target, int[] classes, String method, double keepRatio, long params, long macs, double latencyMs,
                        double pruneSeconds, double finetuneSeconds, List<CurvePoint> curve, Map<String, Double> groupKeepRatios,
                        List<String> neighbours, List<Double> similarities) {
    public RunResult {
        classes = classes.clone();
        curve = List.copyOf(curve);
        groupKeepRatios = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(groupKeepRatios));
        neighbours = List.copyOf(neighbours);
        similarities = List.copyOf(similarities);
    }

    @Override
    public int[] classes() {
        return classes.clone();
    }

    /** The accuracy after the last fine-tuning point. */
    public double finalAccuracy() {
        return curve.get(curve.size() - 1).accuracy();
    }

    /** The accuracy after exactly {@code iterations}, or NaN when the curve has no such point. */
    public double accuracyAt(int iterations) {
        for (CurvePoint p : curve) {
            if (p.iterations() == iterations) {
                return p.accuracy();
            }
        }
        return Double.NaN;
    }
}
