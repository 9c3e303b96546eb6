package dev.sprig.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tasks: a task is a set of classes of a dataset, with its own train and test data, labels
 * remapped to {@code 0..k-1} in the order the classes are given.
 */
public final class Tasks {
    private Tasks() {}

    /** A task's classes (original labels) and its data. */
    public record Task(String name, int[] classes, LabeledImages train, LabeledImages test) {
        public Task {
            classes = classes.clone();
        }

        @Override
        public int[] classes() {
            return classes.clone();
        }
    }

    /**
     * The images of {@code data} whose label is in {@code classes}, relabelled to the class's position,
     * at most {@code perClassCap} per class (a seeded random subset when capped; {@code <= 0} = all).
     */
    public static LabeledImages subset(LabeledImages data, int[] classes, int perClassCap, long seed) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("a task needs at least one class");
        }
        int[] remap = new int[data.classes()];
        Arrays.fill(remap, -1);
        for (int i = 0; i < classes.length; i++) {
            int c = classes[i];
            if (c < 0 || c >= data.classes()) {
                throw new IllegalArgumentException("class " + c + " is out of range for a dataset of " + data.classes() + " classes");
            }
            if (remap[c] >= 0) {
                throw new IllegalArgumentException("class " + c + " is listed twice in " + Arrays.toString(classes));
            }
            remap[c] = i;
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int i = 0; i < classes.length; i++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            int r = remap[data.labels()[i]];
            if (r >= 0) {
                byClass.get(r).add(i);
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> idx : byClass) {
            if (perClassCap > 0 && idx.size() > perClassCap) {
                for (int i = idx.size() - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    Integer t = idx.get(i);
                    idx.set(i, idx.get(j));
                    idx.set(j, t);
                }
                List<Integer> kept = new ArrayList<>(idx.subList(0, perClassCap));
                kept.sort(null);
                chosen.addAll(kept);
            } else {
                chosen.addAll(idx);
            }
        }
        chosen.sort(null);
        int[] sel = chosen.stream().mapToInt(Integer::intValue).toArray();
        LabeledImages picked = data.select(sel);
        int[] labels = new int[sel.length];
        for (int i = 0; i < sel.length; i++) {
            labels[i] = remap[picked.labels()[i]];
        }
        return new LabeledImages(picked.images(), labels, data.channels(), data.height(), data.width(), classes.length);
    }

    /** A task over {@code classes} from a train and a test set, the train set capped per class. */
    public static Task task(String name, LabeledImages train, LabeledImages test, int[] classes, int trainPerClassCap, long seed) {
        return new Task(name, classes, subset(train, classes, trainPerClassCap, seed), subset(test, classes, 0, seed));
    }
}
