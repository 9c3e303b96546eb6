package dev.sprig.nn;

import dev.sprig.tensor.FlopCounter;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/**
 * A model's size and cost: parameter count and the multiply-accumulates of one forward pass on one
 * input (conv2d, linear and matmul, counted as they run, so a shrunk model is counted at its real
 * widths). FLOPs are 2 x MACs, the convention of fvcore and Torch-Pruning's reports.
 *
 * @param parameters parameter elements
 * @param macs       multiply-accumulates of a forward on one input
 */
public record ModelStats(long parameters, long macs) {

    public long flops() {
        return 2 * macs;
    }

    /**
     * Measures {@code model} on an input of {@code inputShape} without its batch dimension (e.g.
     * {@code 3, 32, 32}); the forward runs in eval mode, without gradients, and the model's mode is
     * restored afterwards.
     */
    public static ModelStats of(Module model, int... inputShape) {
        if (inputShape.length == 0) {
            throw new IllegalArgumentException("ModelStats needs the input shape without the batch dimension, e.g. 3, 32, 32");
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = 1;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        for (int s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException("ModelStats input shape must be positive, got " + Shape.str(inputShape));
            }
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        Tensor x = Tensor.zeros(shape);
        long macs;
        try (GradMode.Scope s = GradMode.noGrad()) {
            macs = FlopCounter.countMacs(() -> model.forward(x));
        } finally {
            model.train(wasTraining);
        }
        return new ModelStats(model.parameterCount(), macs);
    }

    @Override
    public String toString() {
        return String.format("%,d parameters, %.2f MMACs (%.2f MFLOPs) per image", parameters, macs / 1e6, flops() / 1e6);
    }
}
