package dev.sprig.nn;

import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/**
 * A learnable tensor slot of a module. The slot, not the tensor, is what a module registers: pruning
 * replaces the tensor with a smaller one ({@link #set}) and every holder of the slot sees it.
 */
public final class Parameter {
    private Tensor value;

    public Parameter(Tensor value) {
        set(value);
    }

    /** The current tensor (a leaf that requires a gradient). */
    public Tensor get() {
        return value;
    }

    /** Replaces the tensor (its shape may change, e.g. after shrinking); it becomes a leaf requiring a gradient. */
    public void set(Tensor value) {
        if (value == null) {
            throw new IllegalArgumentException("a parameter cannot be null");
        }
        Tensor leaf = value.isLeaf() ? value : value.detach();
        // Optimizers update storage() in place: keep it compact (contiguous, offset 0, no spare room).
        float[] compact = leaf.rowMajorData();
        if (compact != leaf.storage()) {
            leaf = Tensor.fromStorage(compact, leaf.shape());
        }
        this.value = leaf.requiresGrad(true);
    }

    public int[] shape() {
        return value.shape();
    }

    @Override
    public String toString() {
        return "Parameter" + Shape.str(value.shape());
    }
}
