package dev.sprig.nn;

import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;

/** Batch norm over channel dim 1 of {@code [n, c, h, w]} (or {@code [n, c]}), with running statistics. */
public final class BatchNorm2d extends Module {
    private final Parameter weight;      // [c] γ
    private final Parameter bias;        // [c] β
    private final Buffer runningMean;    // [c]
    private final Buffer runningVar;     // [c]
    private float momentum;              // settable: BatchNormRecalibration averages with it
    private final float eps;

    public BatchNorm2d(int channels, float momentum, float eps) {
        if (channels < 1) {
            throw new IllegalArgumentException("BatchNorm2d needs channels >= 1, got " + channels);
        }
        this.weight = registerParameter("weight", Tensor.ones(channels));
        this.bias = registerParameter("bias", Tensor.zeros(channels));
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(channels));
        this.runningVar = registerBuffer("running_var", Tensor.ones(channels));
        this.momentum = momentum;
        this.eps = eps;
    }

    /** PyTorch's defaults: momentum 0.1, eps 1e-5. */
    public BatchNorm2d(int channels) {
        this(channels, 0.1f, 1e-5f);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Buffer runningMean() {
        return runningMean;
    }

    public Buffer runningVar() {
        return runningVar;
    }

    /** The running statistics' update rate. */
    public float momentum() {
        return momentum;
    }

    /**
     * Sets the running statistics' update rate, in [0, 1]: each training-mode forward sets
     * {@code running = (1 − momentum)·running + momentum·batch}. Momentum 1/(k+1) at the k-th batch
     * (from 0) makes the running statistics the plain average of the batches' statistics
     * ({@link dev.sprig.nn.train.BatchNormRecalibration}).
     */
    public void setMomentum(float momentum) {
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("BatchNorm2d momentum must be in [0, 1], got " + momentum);
        }
        this.momentum = momentum;
    }

    /** The ε added to the variance. */
    public float eps() {
        return eps;
    }

    public int channels() {
        return weight.shape()[0];
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.batchNorm(x, runningMean.get(), runningVar.get(), weight.get(), bias.get(), isTraining(), momentum, eps);
    }

    @Override
    protected String describe() {
        return "BatchNorm2d(" + channels() + ")";
    }
}
