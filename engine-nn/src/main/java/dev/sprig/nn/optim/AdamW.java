package dev.sprig.nn.optim;

import dev.sprig.nn.Parameter;
import dev.sprig.tensor.Tensor;
import java.util.Map;

/**
 * AdamW as {@code torch.optim.AdamW}: decoupled weight decay {@code w −= lr·wd·w}, then
 * {@code m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr · m̂ / (√v̂ + ε)} with bias correction.
 */
public final class AdamW extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private long steps;

    public AdamW(Map<String, Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super(params, lr);
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0f) || !(weightDecay >= 0f)) {
            throw new IllegalArgumentException("AdamW needs eps > 0 and weight decay >= 0, got eps=" + eps + ", weightDecay=" + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(Map<String, Parameter> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0.01f);
    }

    public long steps() {
        return steps;
    }

    /** Restores the step count (for resuming from a checkpoint). */
    public void setSteps(long steps) {
        this.steps = steps;
    }

    @Override
    public void step() {
        steps++;
        float lr = learningRate();
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            Tensor grad = p.get().grad();
            if (grad == null) {
                continue;
            }
            float[] w = p.get().storage();
            float[] g = grad.rowMajorData();
            float[] m = stateOf(e.getKey(), "exp_avg", p).storage();
            float[] v = stateOf(e.getKey(), "exp_avg_sq", p).storage();
            float decay = 1f - lr * weightDecay;
            for (int i = 0; i < w.length; i++) {
                w[i] *= decay;
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                w[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / bc2Sqrt + eps);
            }
        }
    }
}
