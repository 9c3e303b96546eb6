package dev.sprig.onnx.conformance;

/** Runs one ONNX operator on Sprig: inputs to outputs, or {@link Unsupported} for what Sprig lacks. */
@FunctionalInterface
interface OpFn {
    Value[] apply(NodeCall call) throws Unsupported;

    /** One float output. */
    static Value[] out(dev.sprig.tensor.Tensor t) {
        return new Value[] {new Value.Floats(t)};
    }
}
