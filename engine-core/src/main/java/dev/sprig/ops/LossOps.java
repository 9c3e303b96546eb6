package dev.sprig.ops;

import dev.sprig.kernels.vec.RowKernels;
import dev.sprig.tensor.Autograd;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;

/** Cross-entropy over integer labels (with optional label smoothing) and mean-squared error. */
final class LossOps {
    private LossOps() {}

    /**
     * Mean over the batch of {@code −Σ_c q_c log softmax(logits)_c} with
     * {@code q = (1−ε)·onehot(label) + ε/C}. logits: {@code [n, classes]}.
     */
    static Tensor crossEntropy(Tensor logits, int[] labels, float labelSmoothing) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("crossEntropy expects logits [n, classes], got " + Shape.str(logits.shape()));
        }
        int n = logits.size(0);
        int classes = logits.size(1);
        if (labels.length != n) {
            throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for a batch of " + n
                    + " (logits " + Shape.str(logits.shape()) + ")");
        }
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (n == 0) {
            throw new IllegalArgumentException("crossEntropy of an empty batch (logits " + Shape.str(logits.shape()) + ")");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("crossEntropy: label " + labels[i] + " at index " + i
                        + " is out of range for " + classes + " classes (expected 0.." + (classes - 1) + ")");
            }
        }
        float[] x = logits.detach().contiguous().rowMajorData(); // [n, classes]
        float[] logp = new float[n * classes];
        double loss = 0;
        float off = labelSmoothing / classes;
        float on = 1f - labelSmoothing + off;
        RowKernels.logSoftmaxRows(x, 0, logp, 0, n, classes);
        for (int i = 0; i < n; i++) {
            double row = 0;
            for (int c = 0; c < classes; c++) {
                float q = c == labels[i] ? on : off;
                if (q != 0f) {
                    row -= q * logp[i * classes + c];
                }
            }
            loss += row;
        }
        Tensor result = Tensor.scalar((float) (loss / n));
        int[] labelsCopy = labels.clone();
        return Autograd.record(result, "crossEntropy", (g, needs) -> {
            // dL/dlogits = (softmax − q) / n · dL
            float scale = g.item() / n;
            float[] dx = new float[n * classes];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < classes; c++) {
                    float q = c == labelsCopy[i] ? on : off;
                    dx[i * classes + c] = ((float) Math.exp(logp[i * classes + c]) - q) * scale;
                }
            }
            return new Tensor[] {Tensor.fromStorage(dx, n, classes)};
        }, logits);
    }

    /** {@code mean((prediction − target)²)}; the shapes must match. */
    static Tensor mse(Tensor prediction, Tensor target) {
        if (!java.util.Arrays.equals(prediction.shape(), target.shape())) {
            throw new IllegalArgumentException("mseLoss: prediction " + Shape.str(prediction.shape())
                    + " and target " + Shape.str(target.shape()) + " must have the same shape");
        }
        Tensor d = prediction.sub(target);
        return d.mul(d).mean();
    }
}
