package dev.sprig.prune;

import dev.sprig.nn.ModelStats;
import dev.sprig.tensor.Shape;
import java.util.List;

/**
 * What a shrink did: the model's parameters and MACs before and after (measured by
 * {@link ModelStats} on the graph's input shape), the units of every group, and the weight shape of
 * every layer.
 *
 * @param before the model before shrinking
 * @param after  the model after shrinking
 * @param groups units per group, before and after, in forward order
 * @param layers weight shape per layer (every parameter named {@code *.weight}), before and after
 */
public record PruneReport(ModelStats before, ModelStats after, List<GroupWidth> groups, List<LayerShape> layers) {

    /** A group's units before and after. */
    public record GroupWidth(String id, Group.Kind kind, int before, int after) {}

    /** A layer's weight shape before and after, e.g. {@code layer1.0.conv1.weight [16, 16, 3, 3] -> [9, 16, 3, 3]}. */
    public record LayerShape(String tensor, int[] before, int[] after) {
        public LayerShape {
            before = before.clone();
            after = after.clone();
        }

        @Override
        public int[] before() {
            return before.clone();
        }

        @Override
        public int[] after() {
            return after.clone();
        }
    }

    public PruneReport {
        groups = List.copyOf(groups);
        layers = List.copyOf(layers);
    }

    /** Parameters after divided by before. */
    public double parameterRatio() {
        return before.parameters() == 0 ? 1.0 : (double) after.parameters() / before.parameters();
    }

    /** MACs after divided by before. */
    public double macRatio() {
        return before.macs() == 0 ? 1.0 : (double) after.macs() / before.macs();
    }

    /** The units of group {@code id} after shrinking. */
    public int unitsAfter(String id) {
        for (GroupWidth g : groups) {
            if (g.id().equals(id)) {
                return g.after();
            }
        }
        throw new IllegalArgumentException("the report has no group '" + id + "'");
    }

    /** A plain-text table: totals, then one row per group and per layer. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("parameters %,d -> %,d (%.1f%%)%n", before.parameters(), after.parameters(), 100 * parameterRatio()));
        sb.append(String.format("MACs       %,d -> %,d (%.1f%%), FLOPs %,d -> %,d%n", before.macs(), after.macs(), 100 * macRatio(),
                before.flops(), after.flops()));
        sb.append(String.format("%n%-36s %-9s %7s %7s%n", "group", "kind", "before", "after"));
        for (GroupWidth g : groups) {
            sb.append(String.format("%-36s %-9s %7d %7d%n", g.id(), g.kind(), g.before(), g.after()));
        }
        sb.append(String.format("%n%-40s %-18s %-18s%n", "layer weight", "before", "after"));
        for (LayerShape l : layers) {
            sb.append(String.format("%-40s %-18s %-18s%n", l.tensor(), Shape.str(l.before()), Shape.str(l.after())));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return table();
    }
}
