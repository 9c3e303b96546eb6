package dev.sprig.ops;

import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** The guard of the ops that compute without recording a graph ({@code conv2dFused}, {@code linearFused}). */
final class InferenceOnly {
    private InferenceOnly() {}

    /**
     * Throws where a graph would be recorded ({@link Autograd#wouldRecord}): the op would silently
     * drop the gradients. {@code names[i]} names {@code inputs[i]} in the message.
     *
     * @throws IllegalStateException naming the first input that requires a gradient
     */
    static void check(String op, String[] names, Tensor... inputs) {
        if (!Autograd.wouldRecord(inputs)) {
            return;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null && inputs[i].requiresGrad()) {
                throw new IllegalStateException(op + " is inference-only (it records no gradient), but grad mode is on and "
                        + names[i] + " " + Shape.str(inputs[i].shape()) + " requires a gradient: run it under GradMode.noGrad(),"
                        + " or use the separate ops");
            }
        }
    }
}
