package dev.sprig.nn.infer;

import java.util.List;

/**
 * A module whose forward feeds the output of a conv straight into a BatchNorm and to nothing else,
 * and that says so, because the order of a forward is code, not something its registries record.
 * {@link InferenceFusion#foldBatchNorm} folds the pairs a module lists; the pairs inside a
 * {@link dev.sprig.nn.Sequential} need no declaration.
 */
public interface ConvBnPairs {

    /** The module's conv→BatchNorm pairs, by paths relative to the module (e.g. {@code conv1}, {@code bn1}). */
    List<Pair> convBnPairs();

    /**
     * @param conv path of a {@link dev.sprig.nn.Conv2d} whose output only {@code bn} reads
     * @param bn   path of the {@link dev.sprig.nn.BatchNorm2d} over that output
     */
    record Pair(String conv, String bn) {
        public Pair {
            if (conv == null || conv.isEmpty() || bn == null || bn.isEmpty()) {
                throw new IllegalArgumentException("a conv/BatchNorm pair needs two non-empty paths, got '" + conv + "', '" + bn + "'");
            }
        }

        /** This pair with both paths under {@code prefix} ({@code ""}: unchanged). */
        public Pair under(String prefix) {
            return prefix.isEmpty() ? this : new Pair(prefix + "." + conv, prefix + "." + bn);
        }
    }
}
