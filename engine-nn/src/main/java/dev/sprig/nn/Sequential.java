package dev.sprig.nn;

import dev.sprig.tensor.Tensor;

/** Children applied in order; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Module {
    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends a module named by its index; returns this. */
    public Sequential add(Module m) {
        registerModule(Integer.toString(children().size()), m);
        return this;
    }

    public int size() {
        return children().size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : children().values()) {
            h = m.forward(h);
        }
        return h;
    }
}
