package dev.sprig.ops;

import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Neural-network operations on tensors, each differentiable (like {@code torch.nn.functional}).
 * Shapes use {@code n, c, h, w} for images and {@code [..., features]} for linear layers. A null
 * where a tensor is required is an {@link IllegalArgumentException} naming the op and the argument;
 * only arguments documented as "or null" may be null.
 */
public final class Functional {
    private Functional() {}

    /** {@code y = x · Wᵀ + b}: x {@code [..., in]}, weight {@code [out, in]}, bias {@code [out]} or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearOp.forward(need("linear", "x", x), need("linear", "weight", weight), bias);
    }

    /**
     * Inference-only linear layer with its epilogue: {@code gelu?(x · Wᵀ + b) + residual}, the
     * bias, GELU and residual add done in one pass over the product; bit for bit
     * {@code linear}, then {@code gelu}, then {@code add}. bias {@code [out]} or null, residual of
     * the output's shape or null. Records no gradient.
     *
     * @throws IllegalStateException when grad mode is on and an input requires a gradient
     */
    public static Tensor linearFused(Tensor x, Tensor weight, Tensor bias, Tensor residual, boolean gelu) {
        return LinearOp.forwardFused(need("linearFused", "x", x), need("linearFused", "weight", weight), bias, residual, gelu);
    }

    /**
     * 2-D convolution: x {@code [n, inChannels, h, w]}, weight {@code [outChannels, inChannels/groups, kh, kw]},
     * bias {@code [outChannels]} or null; output {@code [n, outChannels, outH, outW]} with
     * {@code outH = (h + 2·padH − dilationH·(kh−1) − 1) / strideH + 1}.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW,
                                int dilationH, int dilationW, int groups) {
        return ConvOps.conv2d(need("conv2d", "x", x), need("conv2d", "weight", weight), bias, strideH, strideW, padH, padW, dilationH,
                dilationW, groups);
    }

    /** Square stride/padding, no dilation, dense: the common case. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, stride, padding, padding, 1, 1, 1);
    }

    /**
     * Inference-only conv with its following per-channel affine, residual add and ReLU done as the
     * output is written: {@code y = relu?(conv2d(x, weight)·scale[c] + shift[c] + residual)}.
     * {@code scale} and {@code shift} are {@code [outChannels]} or null (1 and 0): an eval-mode
     * BatchNorm is {@code scale = γ/√(var+ε)}, {@code shift = β − mean·scale}, and a conv bias
     * {@code b} goes into the shift as {@code b·scale + shift}. {@code residual} has the output's
     * shape {@code [n, outChannels, outH, outW]}, or is null. Records no gradient.
     *
     * @throws IllegalStateException when grad mode is on and an input requires a gradient
     */
    public static Tensor conv2dFused(Tensor x, Tensor weight, Tensor scale, Tensor shift, Tensor residual, boolean relu,
                                     int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
        return ConvOps.conv2dFused(need("conv2dFused", "x", x), need("conv2dFused", "weight", weight), scale, shift, residual, relu,
                strideH, strideW, padH, padW, dilationH, dilationW, groups);
    }

    /**
     * Two inference convolutions in a row, each with its epilogue as in {@link #conv2dFused}:
     * {@code h = relu1?(conv2d(x, w1)·scale1 + shift1)}, {@code y = relu2?(conv2d(h, w2)·scale2 + shift2 + residual)},
     * a ResNet BasicBlock's main path. Each convolution is {@code {stride, padding, dilation, groups}}
     * (square). When both are dense stride-1 3x3-like convolutions and the first keeps the size, each
     * image runs through both before the next and h is never materialised (it goes straight into the
     * second's padded input); the result is bit-identical to two {@link #conv2dFused} calls either way.
     * Records no gradient.
     *
     * @throws IllegalStateException    when grad mode is on and an input requires a gradient
     * @throws IllegalArgumentException when w2 does not read h's channels, or a scale, shift or residual has the wrong shape
     */
    public static Tensor conv2dPairFused(Tensor x, Tensor w1, Tensor scale1, Tensor shift1, boolean relu1, int[] conv1,
                                         Tensor w2, Tensor scale2, Tensor shift2, Tensor residual, boolean relu2, int[] conv2) {
        return ConvOps.conv2dPairFused(need("conv2dPairFused", "x", x), need("conv2dPairFused", "w1", w1), scale1, shift1, relu1,
                checkConv("conv1", conv1), need("conv2dPairFused", "w2", w2), scale2, shift2, residual, relu2, checkConv("conv2", conv2));
    }

    /** {@code t}, or an error naming the op and the argument when it is null (every op here needs its tensor inputs). */
    private static Tensor need(String op, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null (a tensor is required)");
        }
        return t;
    }

    private static int[] checkConv(String name, int[] conv) {
        if (conv == null || conv.length != 4) {
            throw new IllegalArgumentException("conv2dPairFused: " + name + " must be {stride, padding, dilation, groups}, got "
                    + Arrays.toString(conv));
        }
        return conv;
    }

    /** {@link #conv2dFused(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, int, int, int, int, int, int, int)} with square stride/padding, no dilation, dense. */
    public static Tensor conv2dFused(Tensor x, Tensor weight, Tensor scale, Tensor shift, Tensor residual, boolean relu,
                                     int stride, int padding) {
        return conv2dFused(x, weight, scale, shift, residual, relu, stride, stride, padding, padding, 1, 1, 1);
    }

    /** Max pooling over {@code kernel x kernel} windows; padding counts as −∞; the gradient goes to the first max. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return maxPool2d(x, kernel, kernel, stride, stride, padding, padding);
    }

    /** Max pooling with separate height/width settings. */
    public static Tensor maxPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW) {
        return ConvOps.maxPool2d(need("maxPool2d", "x", x), kh, kw, strideH, strideW, padH, padW);
    }

    /** Average pooling; {@code countIncludePad} as PyTorch (default there: true). */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean countIncludePad) {
        return avgPool2d(x, kernel, kernel, stride, stride, padding, padding, countIncludePad);
    }

    /** Average pooling with separate height/width settings. */
    public static Tensor avgPool2d(Tensor x, int kh, int kw, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {
        return ConvOps.avgPool2d(need("avgPool2d", "x", x), kh, kw, strideH, strideW, padH, padW, countIncludePad);
    }

    /** Global average pooling {@code [n, c, h, w] -> [n, c]}. */
    public static Tensor globalAvgPool2d(Tensor x) {
        return ConvOps.globalAvgPool2d(need("globalAvgPool2d", "x", x));
    }

    /** Softmax along {@code dim}. */
    public static Tensor softmax(Tensor x, int dim) {
        return SoftmaxOp.softmax(need("softmax", "x", x), dim, false);
    }

    /**
     * Multi-head scaled dot-product attention: q, k, v {@code [b, t, heads·hd]} (head i in columns
     * {@code i·hd ..}; they may be column slices of one fused qkv tensor), output
     * {@code [b, t, heads·hd]} with head i's {@code softmax(q_i·k_iᵀ/√hd)·v_i} in the same columns.
     * When no gradient is recorded this is one fused kernel (no per-head copies, no {@code [b, h, t, t]}
     * scores; {@code -Dsprig.infer.fuse=false} turns that off); otherwise the composed ops.
     */
    public static Tensor multiHeadAttention(Tensor q, Tensor k, Tensor v, int heads) {
        return AttentionOp.forward(need("multiHeadAttention", "q", q), need("multiHeadAttention", "k", k),
                need("multiHeadAttention", "v", v), heads);
    }

    /** Log-softmax along {@code dim} (stable: x − logsumexp). */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return SoftmaxOp.softmax(need("logSoftmax", "x", x), dim, true);
    }

    /** Mean cross-entropy of logits {@code [n, classes]} against integer labels. */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        return crossEntropy(logits, labels, 0f);
    }

    /** Cross-entropy with label smoothing {@code ε ∈ [0, 1]}. */
    public static Tensor crossEntropy(Tensor logits, int[] labels, float labelSmoothing) {
        if (labels == null) {
            throw new IllegalArgumentException("crossEntropy: labels must not be null (one class index per row of logits)");
        }
        return LossOps.crossEntropy(need("crossEntropy", "logits", logits), labels, labelSmoothing);
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor prediction, Tensor target) {
        return LossOps.mse(need("mseLoss", "prediction", prediction), need("mseLoss", "target", target));
    }

    /** Layer norm over the last dimension; gamma and beta {@code [d]} or null. */
    public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return LayerNormOp.forward(need("layerNorm", "x", x), gamma, beta, eps);
    }

    /**
     * Batch norm over channel dim 1 of {@code [n, c, ...]}. In training, normalises with the batch
     * statistics and updates {@code runningMean}/{@code runningVar} (if non-null) in place with
     * {@code momentum}; in eval, uses them.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                   boolean training, float momentum, float eps) {
        return BatchNormOp.forward(need("batchNorm", "x", x), runningMean, runningVar, gamma, beta, training, momentum, eps);
    }

    /** Inverted dropout with probability {@code p}, seeded by {@code rng}; identity when not training. */
    public static Tensor dropout(Tensor x, float p, boolean training, Random rng) {
        return IndexOps.dropout(need("dropout", "x", x), p, training, rng);
    }

    /** Concatenates along {@code dim}; all other dims must match. */
    public static Tensor concat(List<Tensor> parts, int dim) {
        if (parts == null) {
            throw new IllegalArgumentException("concat: parts must not be null (a list of tensors is required)");
        }
        for (int i = 0; i < parts.size(); i++) {
            need("concat", "parts[" + i + "]", parts.get(i));
        }
        return IndexOps.concat(parts, dim);
    }

    /** Selects entries {@code index} of dimension {@code dim} (a copy; indices may repeat). */
    public static Tensor indexSelect(Tensor x, int dim, int[] index) {
        if (index == null) {
            throw new IllegalArgumentException("indexSelect: index must not be null (the entries of dimension " + dim + " to select)");
        }
        return IndexOps.indexSelect(need("indexSelect", "x", x), dim, index);
    }
}
