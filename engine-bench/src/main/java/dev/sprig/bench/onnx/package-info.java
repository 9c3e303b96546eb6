/** Sprig against ONNX Runtime on the same exported models: inference latency at batch 1 and 64, 1 and 2 threads. */
package dev.sprig.bench.onnx;
