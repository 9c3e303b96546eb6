package dev.sprig.nn.optim;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Updates parameters from their gradients. State (momentum, Adam moments) is kept per parameter
 * slot by name, so that pruning can shrink it together with the parameter ({@link #state}).
 */
public abstract class Optimizer {
    protected final Map<String, Parameter> params;
    protected final Map<String, Map<String, Tensor>> state = new LinkedHashMap<>();
    private float learningRate;

    protected Optimizer(Map<String, Parameter> params, float learningRate) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got no parameters");
        }
        this.params = new LinkedHashMap<>(params);
        setLearningRate(learningRate);
    }

    public float learningRate() {
        return learningRate;
    }

    public void setLearningRate(float lr) {
        if (!(lr >= 0f) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite value >= 0, got " + lr);
        }
        this.learningRate = lr;
    }

    /** One update from the parameters' current gradients; parameters without a gradient are skipped. */
    public abstract void step();

    /** Drops every parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : params.values()) {
            p.get().zeroGrad();
        }
    }

    /**
     * The per-parameter state tensors (e.g. {@code "momentum"}, {@code "exp_avg"}), by parameter name;
     * each has its parameter's shape. Pruning replaces them with shrunk copies.
     */
    public Map<String, Map<String, Tensor>> state() {
        return state;
    }

    /** The state tensor {@code key} of parameter {@code name}, created as zeros of the parameter's shape. */
    protected Tensor stateOf(String name, String key, Parameter p) {
        Map<String, Tensor> s = state.computeIfAbsent(name, k -> new LinkedHashMap<>());
        Tensor t = s.get(key);
        if (t == null || !java.util.Arrays.equals(t.shape(), p.shape())) {
            if (t != null) {
                throw new IllegalStateException("optimizer state '" + key + "' of " + name + " has shape "
                        + dev.sprig.tensor.Shape.str(t.shape()) + " but the parameter is " + dev.sprig.tensor.Shape.str(p.shape())
                        + ": shrink the optimizer state together with the parameter");
            }
            t = Tensor.zeros(p.shape());
            s.put(key, t);
        }
        return t;
    }
}
