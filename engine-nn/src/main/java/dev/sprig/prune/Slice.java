package dev.sprig.prune;

/**
 * One tensor dimension that a {@link Group} shrinks: unit {@code i} of the group is the indices
 * {@code offset + i·unitSize .. offset + (i+1)·unitSize − 1} of dimension {@code dim} of the
 * parameter or buffer {@code tensor} (a dotted state-dict name such as {@code layer1.0.conv1.weight}).
 *
 * <p>{@code unitSize} is 1 for plain channels, {@code headDim} for attention heads, and {@code h·w}
 * where a conv's channels are flattened into a linear layer. {@code offset} is non-zero only where one
 * dimension holds several parts, as the q, k and v thirds of a fused qkv projection.
 *
 * @param tensor   dotted parameter or buffer name
 * @param dim      the dimension of that tensor
 * @param unitSize indices per unit (>= 1)
 * @param offset   index of unit 0's first entry (>= 0)
 * @param role     what the tensor is to the unit (filter, input column, norm scale...)
 */
public record Slice(String tensor, int dim, int unitSize, int offset, Role role) {

    /** What a sliced tensor is to the units of its group; importance criteria pick slices by role. */
    public enum Role {
        /** A producer's weight rows: a conv's filters ({@code weight[out, ...]}), a linear's rows. */
        WEIGHT_OUT,
        /** A producer's bias entries. */
        BIAS,
        /** A consumer's weight columns: a conv's input channels ({@code weight[:, in, ...]}), a linear's columns. */
        WEIGHT_IN,
        /** A norm's scale γ (BatchNorm or LayerNorm). */
        NORM_SCALE,
        /** A norm's shift β. */
        NORM_SHIFT,
        /** A BatchNorm running statistic (a buffer). */
        RUNNING_STAT,
        /** A parameter used directly by pointwise ops (class token, position embedding). */
        EMBEDDING
    }

    public Slice {
        if (tensor == null || tensor.isEmpty()) {
            throw new IllegalArgumentException("a slice needs a tensor name, got '" + tensor + "'");
        }
        if (dim < 0 || unitSize < 1 || offset < 0 || role == null) {
            throw new IllegalArgumentException("slice of " + tensor + ": needs dim >= 0, unitSize >= 1, offset >= 0 and a role, got dim="
                    + dim + ", unitSize=" + unitSize + ", offset=" + offset + ", role=" + role);
        }
    }

    /** The same slice with {@code prefix + "."} in front of the tensor name (for blocks' relative names). */
    Slice under(String prefix) {
        return prefix.isEmpty() ? this : new Slice(prefix + "." + tensor, dim, unitSize, offset, role);
    }

    /** Whether this slice holds a parameter (every role but the running statistics). */
    public boolean isParameter() {
        return role != Role.RUNNING_STAT;
    }

    @Override
    public String toString() {
        return tensor + "[dim " + dim + (unitSize != 1 ? ", unit " + unitSize : "") + (offset != 0 ? ", offset " + offset : "")
                + ", " + role + "]";
    }
}
