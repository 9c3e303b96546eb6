package dev.sprig.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Finite-difference gradient check, as {@code torch.autograd.gradcheck} but for float32 ops.
 *
 * <p>The scalar checked is {@code L = Σ f(inputs) ⊙ R} with a fixed random {@code R}, accumulated
 * in double, so every output element contributes with a distinct weight. For every element of
 * every input that requires a gradient, the central difference {@code (L(x+ε) − L(x−ε)) / 2ε} is
 * compared with the analytic gradient from {@code backward()}.
 */
public final class GradCheck {
    /** One disagreement between the numeric and analytic derivative. */
    public record Mismatch(int input, int element, double numeric, double analytic) {
        @Override
        public String toString() {
            return "input " + input + " element " + element + ": numeric " + numeric + " vs analytic " + analytic;
        }
    }

    /** The outcome: the mismatches (empty when the check passed) and how many elements were checked. */
    public record Result(List<Mismatch> mismatches, int checked, double maxAbsError) {
        public boolean passed() {
            return mismatches.isEmpty();
        }
    }

    private final double eps;
    private final double atol;
    private final double rtol;
    private final long seed;

    public GradCheck(double eps, double atol, double rtol, long seed) {
        if (!(eps > 0) || !(atol >= 0) || !(rtol >= 0)) {
            throw new IllegalArgumentException("gradcheck needs eps > 0, atol >= 0, rtol >= 0; got eps=" + eps
                    + ", atol=" + atol + ", rtol=" + rtol);
        }
        this.eps = eps;
        this.atol = atol;
        this.rtol = rtol;
        this.seed = seed;
    }

    /** Defaults tuned for float32 forward passes: ε = 1e-2, atol = 2e-3, rtol = 1e-2. */
    public static GradCheck defaults() {
        return new GradCheck(1e-2, 2e-3, 1e-2, 1234);
    }

    /**
     * Checks {@code f} at {@code inputs} (the ones with {@code requiresGrad()} are checked). The
     * inputs must be contiguous leaves; their values are restored afterwards.
     */
    public Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        for (Tensor t : inputs) {
            if (!t.isLeaf() || !t.isContiguous()) {
                throw new IllegalArgumentException("gradcheck inputs must be contiguous leaves, got " + t);
            }
            t.zeroGrad();
        }
        Tensor out = f.apply(inputs);
        float[] weights = new float[out.numel()];
        Random rng = new Random(seed);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        Tensor r = Tensor.of(weights, out.shape());
        out.backward(r);

        List<Mismatch> mismatches = new ArrayList<>();
        int checked = 0;
        double maxErr = 0;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int in = 0; in < inputs.size(); in++) {
                Tensor x = inputs.get(in);
                if (!x.requiresGrad()) {
                    continue;
                }
                float[] data = x.storage();
                int off = x.offset();
                float[] analytic = x.grad() == null ? new float[x.numel()] : x.grad().toArray();
                for (int e = 0; e < x.numel(); e++) {
                    float saved = data[off + e];
                    data[off + e] = (float) (saved + eps);
                    double plus = weightedSum(f.apply(inputs), weights);
                    data[off + e] = (float) (saved - eps);
                    double minus = weightedSum(f.apply(inputs), weights);
                    data[off + e] = saved;
                    double actualStep = ((double) (float) (saved + eps)) - ((double) (float) (saved - eps));
                    double numeric = (plus - minus) / actualStep;
                    double a = analytic[e];
                    double err = Math.abs(numeric - a);
                    maxErr = Math.max(maxErr, err);
                    if (err > atol + rtol * Math.max(Math.abs(numeric), Math.abs(a)) || Double.isNaN(a) || Double.isNaN(numeric)) {
                        mismatches.add(new Mismatch(in, e, numeric, a));
                    }
                    checked++;
                }
            }
        }
        return new Result(mismatches, checked, maxErr);
    }

    private static double weightedSum(Tensor out, float[] weights) {
        float[] v = out.toArray();
        double acc = 0;
        for (int i = 0; i < v.length; i++) {
            acc += (double) v[i] * weights[i];
        }
        return acc;
    }
}
