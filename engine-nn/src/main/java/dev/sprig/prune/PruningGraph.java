package dev.sprig.prune;

import dev.sprig.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The coupled groups of a model: which parameter and buffer dimensions must shrink together, found
 * by tracing one forward pass (so a new model made of existing layers needs no pruning code), with
 * the exact {@link CostModel} of every choice of kept units.
 *
 * <pre>{@code
 * PruningGraph g = PruningGraph.of(resnet, 3, 32, 32);
 * g.group("layer2:residual").slices();   // every conv, BN and consumer of stage 2's channels
 * g.prunable();                          // the groups a mask may shrink
 * }</pre>
 *
 * <p>By default, groups that touch the network input (the stem's input channels) or the model output
 * (the classifier's classes) are excluded, as are dimensions the tracer cannot prune (concatenated,
 * sliced, regrouped, or used by an op it does not know). Others can be excluded by id or by kind.
 * Every sliced tensor entry belongs to exactly one group. A graph describes the model as traced:
 * after shrinking, {@link #retrace} it (ids stay the same).
 */
public final class PruningGraph {
    private final List<Group> groups;
    private final Map<String, Group> byId = new LinkedHashMap<>();
    private final CostModel cost;
    private final int[] inputShape;
    private final Set<String> excludedIds;
    private final Set<Group.Kind> excludedKinds;
    private final Map<String, int[]> shapes; // every parameter and buffer at trace time

    private PruningGraph(List<Group> groups, CostModel cost, int[] inputShape, Map<String, int[]> shapes, Set<String> excludedIds,
                         Set<Group.Kind> excludedKinds) {
        this.groups = List.copyOf(groups);
        for (Group g : this.groups) {
            byId.put(g.id(), g);
        }
        this.cost = cost;
        this.inputShape = inputShape.clone();
        this.shapes = shapes;
        this.excludedIds = Collections.unmodifiableSet(new LinkedHashSet<>(excludedIds));
        this.excludedKinds = excludedKinds.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(excludedKinds));
    }

    /**
     * Traces {@code model} on one input of {@code inputShape} (without the batch dimension, e.g.
     * {@code 3, 32, 32}). The model's mode is restored; its parameters are not changed.
     */
    public static PruningGraph of(Module model, int... inputShape) {
        if (inputShape.length == 0) {
            throw new IllegalArgumentException("PruningGraph needs the input shape without the batch dimension, e.g. 3, 32, 32");
        }
        for (int s : inputShape) {
            if (s < 1) {
                throw new IllegalArgumentException("PruningGraph input shape must be positive, got " + Arrays.toString(inputShape));
            }
        }
        GroupAssembler.Result r = GroupAssembler.assemble(Tracer.trace(model, inputShape));
        return new PruningGraph(r.groups(), r.cost(), inputShape, Collections.unmodifiableMap(r.shapes()), Set.of(), Set.of());
    }

    /** Traces {@code model} (typically this graph's model after shrinking) again, with the same exclusions. */
    public PruningGraph retrace(Module model) {
        PruningGraph g = of(model, inputShape);
        if (!excludedIds.isEmpty()) {
            g = g.excluding(excludedIds.toArray(new String[0]));
        }
        if (!excludedKinds.isEmpty()) {
            g = g.excludingKinds(excludedKinds.toArray(new Group.Kind[0]));
        }
        return g;
    }

    /** This graph with the groups {@code ids} excluded as well. */
    public PruningGraph excluding(String... ids) {
        Set<String> set = new LinkedHashSet<>(Arrays.asList(ids));
        for (String id : set) {
            group(id);
        }
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            out.add(set.contains(g.id()) ? g.exclude("excluded by request") : g);
        }
        Set<String> all = new LinkedHashSet<>(excludedIds);
        all.addAll(set);
        return new PruningGraph(out, cost, inputShape, shapes, all, excludedKinds);
    }

    /** This graph with every group of the given kinds excluded as well (e.g. {@code RESIDUAL}). */
    public PruningGraph excludingKinds(Group.Kind... kinds) {
        Set<Group.Kind> set = kinds.length == 0 ? EnumSet.noneOf(Group.Kind.class) : EnumSet.copyOf(Arrays.asList(kinds));
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            out.add(set.contains(g.kind()) ? g.exclude("excluded kind " + g.kind()) : g);
        }
        Set<Group.Kind> all = EnumSet.noneOf(Group.Kind.class);
        all.addAll(excludedKinds);
        all.addAll(set);
        return new PruningGraph(out, cost, inputShape, shapes, excludedIds, all);
    }

    /** Every group, excluded ones included, in forward order. */
    public List<Group> groups() {
        return groups;
    }

    /** The groups a mask may shrink, in forward order. */
    public List<Group> prunable() {
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            if (!g.excluded()) {
                out.add(g);
            }
        }
        return out;
    }

    /** The group named {@code id}. */
    public Group group(String id) {
        Group g = byId.get(id);
        if (g == null) {
            throw new IllegalArgumentException("no group '" + id + "' (groups: " + byId.keySet() + ")");
        }
        return g;
    }

    public boolean hasGroup(String id) {
        return byId.containsKey(id);
    }

    /** Position of group {@code id} in {@link #groups()}. */
    int indexOf(String id) {
        int i = 0;
        for (Group g : groups) {
            if (g.id().equals(id)) {
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("no group '" + id + "' (groups: " + byId.keySet() + ")");
    }

    /** The groups that slice tensor {@code name} (a dotted parameter or buffer name), in forward order. */
    public List<Group> groupsOf(String name) {
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            if (g.touches(name)) {
                out.add(g);
            }
        }
        return out;
    }

    /** Parameters and MACs as functions of the kept units. */
    public CostModel cost() {
        return cost;
    }

    /** The shape parameter or buffer {@code name} had when the model was traced. */
    public int[] tracedShape(String name) {
        int[] s = shapes.get(name);
        if (s == null) {
            throw new IllegalArgumentException("the traced model has no parameter or buffer '" + name + "'");
        }
        return s.clone();
    }

    /** Names of every parameter and buffer of the traced model. */
    public Set<String> tensorNames() {
        return shapes.keySet();
    }

    /** The traced input shape, without the batch dimension. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** One line per group: id, kind, units, slices, exclusion. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Group g : groups) {
            sb.append(String.format("%-32s %-9s %5d units  %s%n", g.id(), g.kind(), g.units(),
                    g.excluded() ? "excluded: " + g.exclusionReason() : g.slices().size() + " slices"));
        }
        return sb.toString();
    }
}
