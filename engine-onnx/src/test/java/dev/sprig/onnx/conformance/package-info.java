/**
 * The ONNX operator conformance suite: reads the ONNX project's backend test cases
 * ({@code libonnx-testdata}), runs each graph node by node on Sprig's ops ({@link
 * dev.sprig.onnx.conformance.OpTable}) and compares with the expected outputs; what Sprig lacks is
 * skipped by name with a reason ({@link dev.sprig.onnx.conformance.Unsupported}).
 */
package dev.sprig.onnx.conformance;
