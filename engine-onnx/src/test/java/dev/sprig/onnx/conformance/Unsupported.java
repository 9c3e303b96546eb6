package dev.sprig.onnx.conformance;

/**
 * A case uses something Sprig does not implement (a dtype, an attribute value, an operator): the
 * case is skipped under this reason. Thrown only by explicit checks, never by wrapping another
 * exception, so a failing Sprig op stays a failure.
 */
final class Unsupported extends Exception {
    Unsupported(String reason) {
        super(reason, null, false, false);
    }
}
