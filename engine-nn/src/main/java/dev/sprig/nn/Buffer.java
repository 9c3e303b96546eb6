package dev.sprig.nn;

import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** A non-learnable tensor slot of a module that is part of its state (BatchNorm running statistics). */
public final class Buffer {
    private Tensor value;

    public Buffer(Tensor value) {
        set(value);
    }

    public Tensor get() {
        return value;
    }

    public void set(Tensor value) {
        if (value == null) {
            throw new IllegalArgumentException("a buffer cannot be null");
        }
        // Kept compact (contiguous, offset 0), as parameters are: state-dict loads copy into storage().
        Tensor t = value.detach();
        float[] compact = t.rowMajorData();
        this.value = compact == t.storage() ? t : Tensor.fromStorage(compact, t.shape());
    }

    public int[] shape() {
        return value.shape();
    }

    @Override
    public String toString() {
        return "Buffer" + Shape.str(value.shape());
    }
}
