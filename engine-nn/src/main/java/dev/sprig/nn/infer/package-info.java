/**
 * Inference-only model transforms. {@link dev.sprig.nn.infer.InferenceFusion#foldBatchNorm} folds
 * every eval-mode BatchNorm into the convolution before it, as ONNX Runtime does when it loads a
 * model, so that a forward makes one pass over the activations less per conv. Modules tell which of
 * their convs feed a BatchNorm by implementing {@link dev.sprig.nn.infer.ConvBnPairs}; inside a
 * {@link dev.sprig.nn.Sequential} the order of the children says it.
 */
package dev.sprig.nn.infer;
