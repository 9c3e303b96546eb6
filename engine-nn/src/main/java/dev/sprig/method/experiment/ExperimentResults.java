package dev.sprig.method.experiment;

import java.util.List;
import java.util.Map;

/**
 * Everything an experiment measured.
 *
 * @param name          the experiment's name (a preset or the config file's name)
 * @param config        the settings it ran with, as plain values
 * @param pretrained    the pre-trained model: source, architecture (from its file), normalisation, parameters, MACs,
 *                      test accuracy, fingerprint, seconds
 * @param bank          the bank: directory (relative to the run directory), entries, source tasks, method, seconds
 * @param runs          one result per (target task, keep ratio, method)
 * @param maskOverlap   per keep ratio, per group id in forward (depth) order: the mean pairwise
 *                      Jaccard overlap of the similar-task neighbours' masks, averaged over targets
 * @param machine       where it ran: cores, Java version, vector lanes
 */
public record ExperimentResults(String name, Map<String, Object> config, Map<String, Object> pretrained, Map<String, Object> bank,
                                List<RunResult> runs, Map<String, Map<String, Double>> maskOverlap, Map<String, Object> machine) {
    public ExperimentResults {
        runs = List.copyOf(runs);
    }

    public Summary summary() {
        return Summary.of(runs);
    }
}
