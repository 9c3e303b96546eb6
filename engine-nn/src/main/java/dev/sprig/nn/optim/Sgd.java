package dev.sprig.nn.optim;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.Map;

/**
 * SGD with momentum, Nesterov and (coupled, L2) weight decay, as {@code torch.optim.SGD}:
 * {@code g = ∇ + wd·w; b = μ·b + g (b = g on the first step); d = nesterov ? g + μ·b : b; w −= lr·d}.
 */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final float weightDecay;
    private final boolean nesterov;

    public Sgd(Map<String, Parameter> params, float lr, float momentum, float weightDecay, boolean nesterov) {
        super(params, lr);
        if (!(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0f)) {
            throw new IllegalArgumentException("SGD weight decay must be >= 0, got " + weightDecay);
        }
        if (nesterov && momentum == 0f) {
            throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    public void step() {
        float lr = learningRate();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            Tensor grad = p.get().grad();
            if (grad == null) {
                continue;
            }
            float[] w = p.get().storage();
            float[] g = grad.rowMajorData();
            int n = w.length;
            // The first step of a parameter has no momentum buffer yet: b = g then (as PyTorch).
            Map<String, Tensor> s = state.get(e.getKey());
            boolean first = momentum > 0f && (s == null || !s.containsKey("momentum"));
            float[] buf = momentum > 0f ? stateOf(e.getKey(), "momentum", p).storage() : null;
            for (int i = 0; i < n; i++) {
                float gi = g[i] + weightDecay * w[i];
                float d = gi;
                if (buf != null) {
                    buf[i] = first ? gi : momentum * buf[i] + gi;
                    d = nesterov ? gi + momentum * buf[i] : buf[i];
                }
                w[i] -= lr * d;
            }
        }
    }
}
