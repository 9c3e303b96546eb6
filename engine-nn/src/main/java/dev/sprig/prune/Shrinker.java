package dev.sprig.prune;

import dev.sprig.nn.Buffer;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.ModelStats;
import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Physically removes the units a mask drops: every sliced parameter, its gradient, its optimizer
 * state (momentum, Adam moments) and every sliced buffer (BatchNorm running statistics) is replaced
 * by a new, smaller tensor holding the kept entries, so the model computes exactly what the
 * soft-masked model computed, on smaller tensors. Layer metadata follows: channels and heads are
 * read from the weights; a depthwise conv's group count is updated.
 *
 * <p>Everything is validated before anything changes: the mask must fit the graph, and the model
 * must still have the shapes the graph traced (a graph is stale after a shrink: retrace it).
 */
public final class Shrinker {
    private Shrinker() {}

    /**
     * Shrinks {@code model} in place.
     *
     * @param optimizer an optimizer over the model's parameters whose state should shrink too, or null
     * @return the sizes before and after
     */
    public static PruneReport shrink(Module model, PruningGraph graph, PruningMask mask, Optimizer optimizer) {
        Map<String, Map<Integer, boolean[]>> entries = EntryMasks.of(model, graph, mask);
        ModelStats before = ModelStats.of(model, graph.inputShape());
        Map<String, Parameter> params = model.namedParameters();
        Map<String, Buffer> buffers = model.namedBuffers();
        Map<String, int[]> weightsBefore = weightShapes(params);
        Map<Conv2d, int[]> convGroups = new LinkedHashMap<>(); // conv -> {groups, outChannels} before
        for (Module m : model.namedModules().values()) {
            if (m instanceof Conv2d c && c.groups() > 1) {
                convGroups.put(c, new int[] {c.groups(), c.outChannels()});
            }
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Map.Entry<String, Map<Integer, boolean[]>> e : entries.entrySet()) {
                String name = e.getKey();
                Map<Integer, int[]> kept = new LinkedHashMap<>();
                e.getValue().forEach((d, keep) -> kept.put(d, EntryMasks.kept(keep)));
                Parameter p = params.get(name);
                if (p != null) {
                    Tensor old = p.get();
                    Tensor grad = old.grad();
                    p.set(select(old, kept));
                    if (grad != null) {
                        p.get().setGrad(select(grad, kept));
                    }
                    if (optimizer != null) {
                        shrinkState(optimizer, name, old.shape(), kept);
                    }
                } else {
                    Buffer b = buffers.get(name);
                    b.set(select(b.get(), kept));
                }
            }
        }
        for (Map.Entry<Conv2d, int[]> e : convGroups.entrySet()) {
            Conv2d c = e.getKey();
            int groups = e.getValue()[0];
            int outBefore = e.getValue()[1];
            if (c.outChannels() != outBefore) {
                c.setGroups(groups * c.outChannels() / outBefore); // depthwise: groups follow the channels
            }
        }
        ModelStats after;
        try {
            after = ModelStats.of(model, graph.inputShape());
        } catch (RuntimeException ex) {
            throw new IllegalStateException("the shrunk model no longer runs on input " + Arrays.toString(graph.inputShape())
                    + ": " + ex.getMessage(), ex);
        }
        List<PruneReport.GroupWidth> widths = new ArrayList<>();
        for (Group g : graph.groups()) {
            widths.add(new PruneReport.GroupWidth(g.id(), g.kind(), g.units(), mask.contains(g.id()) ? mask.kept(g.id()) : g.units()));
        }
        List<PruneReport.LayerShape> layers = new ArrayList<>();
        Map<String, int[]> weightsAfter = weightShapes(model.namedParameters());
        weightsBefore.forEach((name, shape) -> layers.add(new PruneReport.LayerShape(name, shape, weightsAfter.get(name))));
        return new PruneReport(before, after, widths, layers);
    }

    /** Replaces every state tensor of parameter {@code name} that has the parameter's old shape. */
    private static void shrinkState(Optimizer optimizer, String name, int[] oldShape, Map<Integer, int[]> kept) {
        Map<String, Tensor> state = optimizer.state().get(name);
        if (state == null) {
            return;
        }
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            if (!Arrays.equals(s.getValue().shape(), oldShape)) {
                throw new IllegalArgumentException("optimizer state '" + s.getKey() + "' of " + name + " has shape "
                        + Arrays.toString(s.getValue().shape()) + ", not its parameter's " + Arrays.toString(oldShape));
            }
            s.setValue(select(s.getValue(), kept));
        }
    }

    /** The entries {@code kept.get(d)} along every listed dimension d: a new, compact tensor. */
    static Tensor select(Tensor t, Map<Integer, int[]> kept) {
        Tensor out = t.detach();
        for (Map.Entry<Integer, int[]> e : kept.entrySet()) {
            out = Functional.indexSelect(out, e.getKey(), e.getValue());
        }
        return out;
    }

    private static Map<String, int[]> weightShapes(Map<String, Parameter> params) {
        Map<String, int[]> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (name.equals("weight") || name.endsWith(".weight")) {
                out.put(name, p.shape());
            }
        });
        return out;
    }
}
