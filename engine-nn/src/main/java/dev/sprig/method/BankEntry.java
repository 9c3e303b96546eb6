package dev.sprig.method;

import dev.sprig.prune.PruningMask;
import java.util.Arrays;

/**
 * One earlier task in a {@link MaskBank}: which units its pruned model kept, how the task looked to
 * the pre-trained model, and how the pruning went.
 *
 * @param id        unique within the bank; letters, digits, '-', '_' and '.'
 * @param task      a readable task name
 * @param classes   the task's classes in the source dataset
 * @param keepRatio the kept fraction of the model's parameters (or units) the mask was made for
 * @param method    how the mask was made (e.g. {@code iterative-taylor})
 * @param accuracy  the pruned model's test accuracy on the task, in [0, 1]
 * @param mask      the kept units, per group of the pre-trained model
 * @param embedding the task's embedding by the pre-trained model
 */
public record BankEntry(String id, String task, int[] classes, double keepRatio, String method, double accuracy,
                        PruningMask mask, TaskEmbedding embedding) {
    public BankEntry {
        if (id == null || !id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("bank entry id must be letters, digits, '.', '-' or '_', got '" + id + "'");
        }
        if (!(keepRatio > 0 && keepRatio <= 1)) {
            throw new IllegalArgumentException("keepRatio must be in (0, 1], got " + keepRatio);
        }
        if (!(accuracy >= 0 && accuracy <= 1)) {
            throw new IllegalArgumentException("accuracy must be in [0, 1], got " + accuracy);
        }
        if (mask == null || mask.ids().isEmpty()) {
            throw new IllegalArgumentException("bank entry '" + id + "' has no mask");
        }
        if (embedding == null) {
            throw new IllegalArgumentException("bank entry '" + id + "' has no task embedding");
        }
        classes = classes.clone();
    }

    @Override
    public int[] classes() {
        return classes.clone();
    }

    /** The keep flags of one group (a copy). */
    public boolean[] keep(String group) {
        if (!mask.contains(group)) {
            throw new IllegalArgumentException("bank entry '" + id + "' has no mask for group '" + group + "' (groups: "
                    + mask.ids() + ")");
        }
        return mask.keep(group);
    }

    @Override
    public String toString() {
        return "BankEntry[" + id + ", " + task + ", classes " + Arrays.toString(classes) + ", keep " + keepRatio + ", " + method
                + ", accuracy " + accuracy + "]";
    }
}
