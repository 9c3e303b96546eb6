package dev.sprig.method.experiment;

import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ViT;
import dev.sprig.ops.Functional;
import java.util.Random;

/**
 * Attaching a task's classifier head to a (pruned) backbone: a new linear layer over the current
 * feature width with one output per task class, either random (as a fresh layer) or starting from
 * the pre-trained head's rows of the task's classes, restricted to the kept features.
 */
public final class TaskHeads {
    private TaskHeads() {}

    /** The path of the classifier head in the models Sprig has. */
    public static String headPath(Module model) {
        return switch (model) {
            case ResNet r -> "fc";
            case ViT v -> "head";
            default -> throw new IllegalArgumentException("no known classifier head in " + model.getClass().getSimpleName());
        };
    }

    /**
     * Replaces the head of {@code model} with one for {@code classes}. With {@code fromRows}, row c of
     * the new head is row {@code classes[c]} of the current head (the pre-trained one, whose input
     * width the backbone still has); otherwise a fresh layer seeded by {@code seed}.
     */
    public static void attach(Module model, int[] classes, boolean fromRows, long seed) {
        String path = headPath(model);
        Linear old = (Linear) model.get(path);
        Linear head = new Linear(old.inFeatures(), classes.length, true, new Random(seed));
        if (fromRows) {
            for (int c : classes) {
                if (c < 0 || c >= old.outFeatures()) {
                    throw new IllegalArgumentException("class " + c + " is not one of the pre-trained head's " + old.outFeatures() + " outputs");
                }
            }
            head.weight().set(Functional.indexSelect(old.weight().get().detach(), 0, classes));
            head.bias().set(Functional.indexSelect(old.bias().get().detach(), 0, classes));
        }
        model.replace(path, head);
    }
}
