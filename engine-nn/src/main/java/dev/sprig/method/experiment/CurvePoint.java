package dev.sprig.method.experiment;

/** Test accuracy and loss after {@code iterations} fine-tuning iterations. */
public record CurvePoint(int iterations, double accuracy, double loss) {}
