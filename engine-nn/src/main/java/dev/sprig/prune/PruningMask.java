package dev.sprig.prune;

import dev.sprig.nn.io.Json;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Which units of each group to keep: per group id, one boolean per unit. Immutable. Groups the mask
 * does not list keep every unit. Serialises to a JSON-ready map ({@link #toMap()}), with each group's
 * units as a string of {@code 1} (kept) and {@code 0} (removed), so that banks of masks stay small
 * and readable.
 */
public final class PruningMask {
    /** The value of the {@code format} key of {@link #toMap()}. */
    public static final String FORMAT = "sprig-mask-1";

    private final Map<String, boolean[]> keep; // id -> [units]

    private PruningMask(Map<String, boolean[]> keep) {
        this.keep = keep;
    }

    /**
     * A mask from per-group keep flags (copied).
     *
     * @throws IllegalArgumentException when a group keeps no unit or has no units
     */
    public static PruningMask of(Map<String, boolean[]> keep) {
        Map<String, boolean[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            boolean[] k = e.getValue();
            if (k == null || k.length == 0) {
                throw new IllegalArgumentException("mask group '" + e.getKey() + "' has no units");
            }
            int kept = count(k);
            if (kept == 0) {
                throw new IllegalArgumentException("mask group '" + e.getKey() + "' keeps 0 of " + k.length
                        + " units: a layer left with zero channels is not a model; keep at least one");
            }
            copy.put(e.getKey(), k.clone());
        }
        return new PruningMask(copy);
    }

    /** Keeps every unit of every prunable group of {@code graph}. */
    public static PruningMask allKeep(PruningGraph graph) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            boolean[] k = new boolean[g.units()];
            Arrays.fill(k, true);
            m.put(g.id(), k);
        }
        return new PruningMask(m);
    }

    /**
     * A random mask over the prunable groups: each group keeps a uniformly drawn number of units in
     * {@code [1, units]}, chosen at random; the same seed gives the same mask.
     */
    public static PruningMask random(PruningGraph graph, long seed) {
        Random rng = new Random(seed);
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (Group g : graph.prunable()) {
            int n = g.units();
            int kept = 1 + rng.nextInt(n);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) { // Fisher–Yates
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            boolean[] k = new boolean[n];
            for (int i = 0; i < kept; i++) {
                k[order[i]] = true;
            }
            m.put(g.id(), k);
        }
        return new PruningMask(m);
    }

    /** The group ids the mask lists, in order. */
    public Set<String> ids() {
        return Collections.unmodifiableSet(keep.keySet());
    }

    public boolean contains(String id) {
        return keep.containsKey(id);
    }

    /** A copy of the group's keep flags. */
    public boolean[] keep(String id) {
        return flags(id).clone();
    }

    /** Whether unit {@code unit} of group {@code id} is kept. */
    public boolean keeps(String id, int unit) {
        return flags(id)[unit];
    }

    /** Units of group {@code id}. */
    public int units(String id) {
        return flags(id).length;
    }

    /** Kept units of group {@code id}. */
    public int kept(String id) {
        return count(flags(id));
    }

    /** The kept units' indices, ascending. */
    public int[] keptIndices(String id) {
        boolean[] k = flags(id);
        int[] out = new int[count(k)];
        for (int i = 0, j = 0; i < k.length; i++) {
            if (k[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** Kept units over all listed groups divided by their units. */
    public double keepRatio() {
        long kept = 0;
        long all = 0;
        for (boolean[] k : keep.values()) {
            kept += count(k);
            all += k.length;
        }
        return all == 0 ? 1.0 : (double) kept / all;
    }

    /** True when group {@code id} keeps all its units. */
    public boolean isAllKeep(String id) {
        boolean[] k = flags(id);
        return count(k) == k.length;
    }

    /** True when every listed group keeps all its units. */
    public boolean isAllKeep() {
        for (boolean[] k : keep.values()) {
            if (count(k) != k.length) {
                return false;
            }
        }
        return true;
    }

    private boolean[] flags(String id) {
        boolean[] k = keep.get(id);
        if (k == null) {
            throw new IllegalArgumentException("the mask has no group '" + id + "' (groups: " + keep.keySet() + ")");
        }
        return k;
    }

    private static int count(boolean[] k) {
        int n = 0;
        for (boolean b : k) {
            n += b ? 1 : 0;
        }
        return n;
    }

    // ------------------------------------------------------------------ serialisation

    /** {@code {"format": "sprig-mask-1", "groups": {id: "1101...", ...}}}, ready for {@link Json#write}. */
    public Map<String, Object> toMap() {
        Map<String, Object> groups = new LinkedHashMap<>();
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            StringBuilder sb = new StringBuilder(e.getValue().length);
            for (boolean b : e.getValue()) {
                sb.append(b ? '1' : '0');
            }
            groups.put(e.getKey(), sb.toString());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("groups", groups);
        return m;
    }

    /** Reads what {@link #toMap()} wrote. */
    public static PruningMask fromMap(Map<String, Object> m) {
        if (!FORMAT.equals(m.get("format"))) {
            throw new IllegalArgumentException("not a pruning mask: format is '" + m.get("format") + "', expected '" + FORMAT + "'");
        }
        if (!(m.get("groups") instanceof Map<?, ?> groups)) {
            throw new IllegalArgumentException("pruning mask: 'groups' must be an object, got " + m.get("groups"));
        }
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : groups.entrySet()) {
            if (!(e.getValue() instanceof String bits)) {
                throw new IllegalArgumentException("pruning mask group '" + e.getKey() + "' must be a string of 0 and 1, got " + e.getValue());
            }
            boolean[] k = new boolean[bits.length()];
            for (int i = 0; i < k.length; i++) {
                char c = bits.charAt(i);
                if (c != '0' && c != '1') {
                    throw new IllegalArgumentException("pruning mask group '" + e.getKey() + "' has '" + c + "' at unit " + i
                            + ", expected 0 or 1");
                }
                k[i] = c == '1';
            }
            keep.put(String.valueOf(e.getKey()), k);
        }
        return of(keep);
    }

    public String toJson() {
        return Json.write(toMap());
    }

    @SuppressWarnings("unchecked")
    public static PruningMask fromJson(String json) {
        Object o = Json.parse(json);
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("a pruning mask must be a JSON object, got " + o);
        }
        return fromMap((Map<String, Object>) o);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PruningMask other) || !other.keep.keySet().equals(keep.keySet())) {
            return false;
        }
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.keep.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PruningMask{");
        boolean first = true;
        for (Map.Entry<String, boolean[]> e : keep.entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append(' ').append(count(e.getValue())).append('/').append(e.getValue().length);
            first = false;
        }
        return sb.append('}').toString();
    }
}
