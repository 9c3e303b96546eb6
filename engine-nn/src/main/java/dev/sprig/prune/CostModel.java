package dev.sprig.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact parameter count and multiply-accumulates of a model as a function of how many units
 * each group keeps, without building the shrunk model: both are sums of products of dimension
 * sizes, and every dimension size is a constant plus kept units times unit size. Parameters are
 * counted over every parameter tensor; MACs over the conv2d, linear and matmul ops of the traced
 * forward pass (as {@link dev.sprig.nn.ModelStats} counts them), on one input.
 */
public final class CostModel {
    /** A dimension's size: {@code fixed + Σ kept[groups[i]] · perUnit[i]}. */
    record Dim(long fixed, int[] groups, long[] perUnit) {
        long size(int[] kept) {
            long s = fixed;
            for (int i = 0; i < groups.length; i++) {
                s += kept[groups[i]] * perUnit[i];
            }
            return s;
        }
    }

    /** {@code constant · Π dims}. */
    record Term(long constant, Dim[] dims) {
        long value(int[] kept) {
            long v = constant;
            for (Dim d : dims) {
                v *= d.size(kept);
            }
            return v;
        }
    }

    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final int[] units;
    private final Term[] parameterTerms;
    private final Term[] macTerms;

    CostModel(List<Group> groups, List<Term> parameterTerms, List<Term> macTerms) {
        units = new int[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            index.put(groups.get(i).id(), i);
            units[i] = groups.get(i).units();
        }
        this.parameterTerms = parameterTerms.toArray(new Term[0]);
        this.macTerms = macTerms.toArray(new Term[0]);
    }

    /** Parameters of the model with every group at its full width. */
    public long parameters() {
        return parameters(units);
    }

    /** MACs of one forward pass of the model at full width. */
    public long macs() {
        return macs(units);
    }

    /** Parameters after keeping {@code mask}'s units (groups the mask does not list keep all). */
    public long parameters(PruningMask mask) {
        return parameters(kept(mask));
    }

    /** MACs of one forward pass after keeping {@code mask}'s units. */
    public long macs(PruningMask mask) {
        return macs(kept(mask));
    }

    /** Kept units by group position in {@link PruningGraph#groups()}. */
    long parameters(int[] kept) {
        return sum(parameterTerms, kept);
    }

    long macs(int[] kept) {
        return sum(macTerms, kept);
    }

    int[] fullUnits() {
        return units.clone();
    }

    private int[] kept(PruningMask mask) {
        int[] kept = units.clone();
        for (String id : mask.ids()) {
            Integer i = index.get(id);
            if (i == null) {
                throw new IllegalArgumentException("mask group '" + id + "' is not a group of this graph (groups: " + index.keySet() + ")");
            }
            if (mask.units(id) != units[i]) {
                throw new IllegalArgumentException("mask group '" + id + "' has " + mask.units(id) + " units, the graph's has " + units[i]);
            }
            kept[i] = mask.kept(id);
        }
        return kept;
    }

    private static long sum(Term[] terms, int[] kept) {
        long s = 0;
        for (Term t : terms) {
            s += t.value(kept);
        }
        return s;
    }

    /** Builds terms; dims of size 1 and dims no group touches fold into the constant. */
    static final class TermBuilder {
        private long constant = 1;
        private final List<Dim> dims = new ArrayList<>();

        TermBuilder times(long c) {
            constant *= c;
            return this;
        }

        TermBuilder times(Dim d) {
            if (d.groups.length == 0) {
                constant *= d.fixed;
            } else {
                dims.add(d);
            }
            return this;
        }

        Term build() {
            return new Term(constant, dims.toArray(new Dim[0]));
        }
    }

    static Dim constantDim(long size) {
        return new Dim(size, new int[0], new long[0]);
    }

    static Dim groupDim(long fixed, int[] groups, long[] perUnit) {
        return new Dim(fixed, groups.clone(), perUnit.clone());
    }

    @Override
    public String toString() {
        return "CostModel(" + parameters() + " parameters, " + macs() + " MACs, " + parameterTerms.length + " + " + macTerms.length
                + " terms, groups " + Arrays.toString(units) + ")";
    }
}
