package dev.sprig.nn.models;

import dev.sprig.tensor.Tensor;

/** A classifier whose penultimate features can be read: the input of its final linear head. */
public interface FeatureExtractor {
    /** The features {@code [n, f]} that the classifier head maps to class scores. */
    Tensor features(Tensor x);
}
