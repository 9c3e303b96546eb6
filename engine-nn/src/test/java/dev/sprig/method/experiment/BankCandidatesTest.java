package dev.sprig.method.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.method.BankEntry;
import dev.sprig.method.TaskEmbedding;
import dev.sprig.prune.PruningMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which bank entries a target's vote may use. */
class BankCandidatesTest {

    private static BankEntry entry(int[] classes, double ratio) {
        String task = TaskPlan.name(classes);
        return new BankEntry(String.format(java.util.Locale.ROOT, "%s_keep%.3f", task, ratio), task, classes, ratio, "iterative-taylor",
                0.9, PruningMask.of(Map.of("g", new boolean[] {true, false})), new TaskEmbedding(new float[][] {{1, 0}}, new float[] {1, 0}));
    }

    @Test
    void withoutMasksForTheSizeEveryTaskVotesOnceWithItsClosestSize() {
        List<BankEntry> bank = new ArrayList<>();
        for (int[] c : new int[][] {{0, 1}, {2, 3}, {4, 5}}) {
            bank.add(entry(c, 0.5));
            bank.add(entry(c, 0.25));
        }
        // masks made for the size: those
        assertThat(OneShotMasks.candidates(bank, 0.5, 3)).extracting(BankEntry::id)
                .containsExactly("c0-1_keep0.500", "c2-3_keep0.500", "c4-5_keep0.500");
        // none for 0.3: one entry per task, the closest size (0.25), never a task twice
        List<BankEntry> fallback = OneShotMasks.candidates(bank, 0.3, 3);
        assertThat(fallback).extracting(BankEntry::task).containsExactly("c0-1", "c2-3", "c4-5");
        assertThat(fallback).extracting(BankEntry::keepRatio).containsOnly(0.25);
        assertThat(OneShotMasks.candidates(bank, 0.45, 2)).extracting(BankEntry::keepRatio).containsOnly(0.5);
    }

    @Test
    void onlyThePlansSourceTasksVoteAndTargetsMustBeHeldOut() {
        TaskPlan plan = new TaskPlan(List.of(new int[] {0, 1}, new int[] {2, 3}), List.of(new int[] {4, 5}));
        List<BankEntry> bank = List.of(entry(new int[] {0, 1}, 0.5), entry(new int[] {7, 8}, 0.5), entry(new int[] {2, 3}, 0.5));
        assertThat(Experiment.sourceEntries(bank, plan)).extracting(BankEntry::task).containsExactly("c0-1", "c2-3");

        List<BankEntry> leaky = List.of(entry(new int[] {0, 1}, 0.5), entry(new int[] {4, 5}, 0.5));
        assertThatThrownBy(() -> Experiment.sourceEntries(leaky, plan)).hasMessageContaining("target task c4-5 is in the mask bank")
                .hasMessageContaining("c4-5_keep0.500");
        TaskPlan overlapping = new TaskPlan(List.of(new int[] {0, 1}), List.of(new int[] {0, 1}));
        assertThatThrownBy(() -> Experiment.sourceEntries(List.of(), overlapping)).hasMessageContaining("also a source task");
    }
}
