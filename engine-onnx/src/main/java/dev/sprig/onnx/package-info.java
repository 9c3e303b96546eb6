/**
 * ONNX interchange: {@link dev.sprig.onnx.OnnxExport} writes a Sprig model (ResNet, ViT, dense or
 * shrunk) as an ONNX graph that ONNX Runtime runs with the same outputs.
 */
package dev.sprig.onnx;
