package dev.sprig.prune;

import java.util.List;

/**
 * A set of tensor dimensions that must shrink together: removing unit {@code i} removes entry
 * {@code i} of every {@link Slice} (a conv's filter with its BatchNorm entries and every consumer's
 * input channel; a residual stage's channel everywhere it is added; an attention head's q, k, v rows
 * and projection columns).
 *
 * @param id              stable name, e.g. {@code layer1.0.conv1:out}, {@code layer2:residual},
 *                        {@code blocks.3.attn:heads}; the same after shrinking (masks are keyed by it)
 * @param kind            what the units are
 * @param units           number of units (channels, heads, hidden nodes)
 * @param slices          every tensor dimension the units index, in forward order
 * @param excluded        true when the group is never pruned (see {@code exclusionReason})
 * @param exclusionReason why it is excluded (network input, classifier output, by request...), or null
 * @param maskEquivalent  true when zeroing a unit's slices computes the same function as removing the
 *                        unit; false when a LayerNorm, softmax or reduction runs over the units (the
 *                        ViT's embedding width), where a soft mask only approximates the shrunk model
 */
public record Group(String id, Kind kind, int units, List<Slice> slices, boolean excluded, String exclusionReason,
                    boolean maskEquivalent) {

    /** What a group's units are. */
    public enum Kind {
        /** The output channels of one conv (with its BatchNorm and its consumers' inputs). */
        CHANNELS,
        /** Channels joined by residual adds: every producer of a ResNet stage, its shortcut conv included. */
        RESIDUAL,
        /** Attention heads (q, k, v rows and output-projection columns); headDim stays. */
        HEADS,
        /** The hidden nodes of a linear layer (an MLP's fc1 rows and fc2 columns). */
        HIDDEN,
        /** The width shared with embedding parameters (a ViT's d: class token, position embedding, every block). */
        EMBEDDING
    }

    public Group {
        slices = List.copyOf(slices);
        if (units < 1) {
            throw new IllegalArgumentException("group " + id + " has " + units + " units, expected >= 1");
        }
        if (excluded != (exclusionReason != null)) {
            throw new IllegalArgumentException("group " + id + ": an excluded group needs a reason and only it");
        }
    }

    /** Whether any slice is a dimension of {@code tensor}. */
    public boolean touches(String tensor) {
        for (Slice s : slices) {
            if (s.tensor().equals(tensor)) {
                return true;
            }
        }
        return false;
    }

    /** This group, excluded for {@code reason} (unchanged when already excluded). */
    Group exclude(String reason) {
        return excluded ? this : new Group(id, kind, units, slices, true, reason, maskEquivalent);
    }

    @Override
    public String toString() {
        return id + " (" + kind + ", " + units + " units, " + slices.size() + " slices"
                + (excluded ? ", excluded: " + exclusionReason : "") + ")";
    }
}
