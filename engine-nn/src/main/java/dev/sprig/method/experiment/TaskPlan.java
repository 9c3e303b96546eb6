package dev.sprig.method.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which classes each source (bank) task and each held-out target task has: distinct random class
 * sets of the same size, seeded; no target's class set is a bank task's (targets are never in the
 * bank), though targets share single classes with bank tasks, which is what makes some similar.
 *
 * @param bank    the source tasks' classes, sorted within each task
 * @param targets the target tasks' classes
 */
public record TaskPlan(List<int[]> bank, List<int[]> targets) {

    public static TaskPlan draw(int classes, int perTask, int bankTasks, int targetTasks, long seed) {
        if (perTask < 1 || perTask > classes) {
            throw new IllegalArgumentException("a task of " + perTask + " classes cannot be drawn from " + classes + " classes");
        }
        double possible = combinations(classes, perTask);
        if (bankTasks + targetTasks > possible) {
            throw new IllegalArgumentException(bankTasks + " bank tasks and " + targetTasks + " target tasks need "
                    + (bankTasks + targetTasks) + " distinct class sets, but " + classes + " classes give only " + (long) possible
                    + " sets of " + perTask);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Set<String> seen = new LinkedHashSet<>();
        List<int[]> all = new ArrayList<>();
        while (all.size() < bankTasks + targetTasks) {
            int[] pool = new int[classes];
            for (int i = 0; i < classes; i++) {
                pool[i] = i;
            }
            for (int i = 0; i < perTask; i++) {
                int j = i + rng.nextInt(classes - i);
                int t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
            }
            int[] pick = Arrays.copyOf(pool, perTask);
            Arrays.sort(pick);
            if (seen.add(Arrays.toString(pick))) {
                all.add(pick);
            }
        }
        return new TaskPlan(List.copyOf(all.subList(0, bankTasks)), List.copyOf(all.subList(bankTasks, all.size())));
    }

    private static double combinations(int n, int k) {
        double c = 1;
        for (int i = 0; i < k; i++) {
            c = c * (n - i) / (i + 1);
        }
        return c;
    }

    /** A name such as {@code c1-4-7}. */
    public static String name(int[] classes) {
        StringBuilder b = new StringBuilder("c");
        for (int i = 0; i < classes.length; i++) {
            b.append(i == 0 ? "" : "-").append(classes[i]);
        }
        return b.toString();
    }
}
