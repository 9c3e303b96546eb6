package dev.sprig.prune;

import dev.sprig.nn.Module;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mask translated from units to tensor entries: per tensor name, per sliced dimension, whether
 * each index along it is kept. Shared by {@link Shrinker} and {@link SoftMask}, which validate the
 * mask and the model against the graph the same way.
 */
final class EntryMasks {
    private EntryMasks() {}

    /**
     * Per tensor, per dimension with at least one removed index: keep flags along that dimension.
     *
     * @throws IllegalArgumentException when the mask does not fit the graph or the model is no longer
     *                                  the one the graph traced
     */
    static Map<String, Map<Integer, boolean[]>> of(Module model, PruningGraph graph, PruningMask mask) {
        checkFits(graph, mask);
        Map<String, Tensor> state = model.stateDict();
        for (String name : graph.tensorNames()) {
            Tensor t = state.get(name);
            if (t == null) {
                throw new IllegalArgumentException("the model has no tensor '" + name + "', which the graph traced: is it the same model?");
            }
            if (!Arrays.equals(t.shape(), graph.tracedShape(name))) {
                throw new IllegalArgumentException(name + " is " + Shape.str(t.shape()) + " but was " + Shape.str(graph.tracedShape(name))
                        + " when the graph was traced: the model was shrunk since; retrace the graph (PruningGraph.retrace) first");
            }
        }
        Map<String, Map<Integer, boolean[]>> out = new LinkedHashMap<>();
        for (Group g : graph.groups()) {
            if (!mask.contains(g.id()) || mask.isAllKeep(g.id())) {
                continue;
            }
            boolean[] keep = mask.keep(g.id());
            for (Slice s : g.slices()) {
                int size = state.get(s.tensor()).size(s.dim());
                boolean[] entries = out.computeIfAbsent(s.tensor(), k -> new LinkedHashMap<>()).computeIfAbsent(s.dim(), k -> full(size));
                for (int u = 0; u < keep.length; u++) {
                    if (!keep[u]) {
                        Arrays.fill(entries, s.offset() + u * s.unitSize(), s.offset() + (u + 1) * s.unitSize(), false);
                    }
                }
            }
        }
        return out;
    }

    /** Every mask group exists in the graph with the same unit count; excluded groups keep all units. */
    static void checkFits(PruningGraph graph, PruningMask mask) {
        for (String id : mask.ids()) {
            if (!graph.hasGroup(id)) {
                throw new IllegalArgumentException("mask group '" + id + "' is not a group of the graph (groups: "
                        + graph.groups().stream().map(Group::id).toList() + ")");
            }
            Group g = graph.group(id);
            if (mask.units(id) != g.units()) {
                throw new IllegalArgumentException("mask group '" + id + "' has " + mask.units(id) + " units, the graph's group has "
                        + g.units() + " (a mask of the model before an earlier shrink?)");
            }
            if (g.excluded() && mask.kept(id) != g.units()) {
                throw new IllegalArgumentException("mask removes units of group '" + id + "', which is excluded (" + g.exclusionReason() + ")");
            }
        }
    }

    private static boolean[] full(int size) {
        boolean[] b = new boolean[size];
        Arrays.fill(b, true);
        return b;
    }

    /** Flat row-major positions of the entries of a {@code shape} tensor that any masked dimension removes. */
    static int[] removedPositions(int[] shape, Map<Integer, boolean[]> dims) {
        int n = Shape.numel(shape);
        int[] strides = Shape.contiguousStrides(shape);
        int[] buf = new int[16];
        int count = 0;
        for (int f = 0; f < n; f++) {
            boolean removed = false;
            for (Map.Entry<Integer, boolean[]> e : dims.entrySet()) {
                int d = e.getKey();
                if (!e.getValue()[(f / strides[d]) % shape[d]]) {
                    removed = true;
                    break;
                }
            }
            if (removed) {
                if (count == buf.length) {
                    buf = Arrays.copyOf(buf, count * 2);
                }
                buf[count++] = f;
            }
        }
        return Arrays.copyOf(buf, count);
    }

    /** The kept indices of a keep-flag array, ascending. */
    static int[] kept(boolean[] keep) {
        int n = 0;
        for (boolean k : keep) {
            n += k ? 1 : 0;
        }
        int[] out = new int[n];
        for (int i = 0, j = 0; i < keep.length; i++) {
            if (keep[i]) {
                out[j++] = i;
            }
        }
        return out;
    }
}
