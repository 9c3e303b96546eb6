package dev.sprig.prune;

import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns a {@link Tracer}'s slot sets into named {@link Group}s and a {@link CostModel}. */
final class GroupAssembler {
    private final Tracer t;
    private final List<Group> groups = new ArrayList<>();
    private final Map<Integer, Integer> groupOfRoot = new HashMap<>();
    private final Set<Integer> blockedGroups = new HashSet<>();

    private GroupAssembler(Tracer t) {
        this.t = t;
    }

    record Result(List<Group> groups, CostModel cost, Map<String, int[]> shapes) {}

    static Result assemble(Tracer t) {
        GroupAssembler a = new GroupAssembler(t);
        a.buildGroups();
        a.checkDisjoint();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        t.tensorsByName.forEach((name, tensor) -> shapes.put(name, tensor.shape()));
        return new Result(List.copyOf(a.groups), a.costModel(), shapes);
    }

    /** What every slot set holds: a candidate group before naming. */
    private static final class SlotSet {
        final int root;
        final List<Integer> named = new ArrayList<>();
        String blocked;
        boolean input;
        boolean output;
        boolean normalized;
        int seq = Integer.MAX_VALUE;

        SlotSet(int root) {
            this.root = root;
        }
    }

    private record Candidate(String id, Group.Kind kind, int units, List<Slice> slices, String exclusion, boolean maskEquivalent,
                             int seq, int root) {}

    private void buildGroups() {
        SlotUnion u = t.union;
        Map<Integer, SlotSet> sets = new LinkedHashMap<>();
        for (int s = 0; s < t.slots.size(); s++) {
            Tracer.SlotInfo info = t.slots.get(s);
            SlotSet set = sets.computeIfAbsent(u.find(s), SlotSet::new);
            if (set.blocked == null) {
                set.blocked = u.blockedReason(s);
            }
            set.input |= info.input;
            set.output |= info.output;
            set.normalized |= info.normalized;
            if (info.name != null && info.role != null) { // role-less: a kernel's kh, kw, never coupled
                set.named.add(s);
                set.seq = Math.min(set.seq, info.seq);
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        for (SlotSet set : sets.values()) {
            if (!set.named.isEmpty()) {
                candidates.add(candidate(set));
            }
        }
        for (Tracer.Declared d : t.declared) {
            String exclusion = d.units() < 2 ? "a single unit" : null;
            candidates.add(new Candidate(d.id(), d.kind(), d.units(), d.slices(), exclusion, true, d.seq(), -1));
        }
        candidates.sort(Comparator.comparingInt(Candidate::seq));
        Set<String> used = new HashSet<>();
        for (Candidate c : candidates) {
            String id = c.id;
            for (int k = 2; !used.add(id); k++) {
                id = c.id + "#" + k;
            }
            if (c.root >= 0) {
                groupOfRoot.put(c.root, groups.size());
                if (c.exclusion != null && c.exclusion.startsWith("not prunable")) {
                    blockedGroups.add(groups.size());
                }
            }
            groups.add(new Group(id, c.kind, c.units, c.slices, c.exclusion != null, c.exclusion, c.maskEquivalent));
        }
    }

    private Candidate candidate(SlotSet set) {
        SlotUnion u = t.union;
        boolean blocked = set.blocked != null;
        int units = blocked ? 1 : u.size(set.root);
        List<Integer> named = new ArrayList<>(set.named);
        named.sort(Comparator.<Integer>comparingInt(s -> t.slots.get(s).seq).thenComparingInt(s -> s));
        List<Slice> slices = new ArrayList<>();
        List<String> producers = new ArrayList<>();
        String producerOp = null;
        String consumer = null;
        boolean embedding = false;
        for (int s : named) {
            Tracer.SlotInfo info = t.slots.get(s);
            Slice.Role role = info.role;
            int unitSize = blocked ? u.size(s) : (int) u.factorToRoot(s);
            slices.add(new Slice(info.name, info.dim, unitSize, 0, role));
            embedding |= role == Slice.Role.EMBEDDING;
            if (role == Slice.Role.WEIGHT_OUT && !"depthwise".equals(info.op) && !producers.contains(info.module)) {
                producers.add(info.module);
                producerOp = producerOp == null ? info.op : producerOp;
            }
            if (role == Slice.Role.WEIGHT_IN && consumer == null) {
                consumer = info.module;
            }
        }
        Group.Kind kind;
        String id;
        if (embedding) {
            kind = Group.Kind.EMBEDDING;
            id = (producers.isEmpty() ? firstName(slices) : sharedPrefix(producers)) + ":embedding";
        } else if (producers.size() > 1) {
            kind = Group.Kind.RESIDUAL;
            id = sharedPrefix(producers) + ":residual";
        } else if (producers.size() == 1) {
            kind = "conv2d".equals(producerOp) ? Group.Kind.CHANNELS : Group.Kind.HIDDEN;
            id = producers.get(0) + ":out";
        } else {
            kind = Group.Kind.CHANNELS;
            id = consumer != null ? consumer + ":in" : slices.get(0).tensor() + ":" + slices.get(0).dim();
        }
        String exclusion = null;
        if (blocked) {
            exclusion = "not prunable: " + set.blocked;
        } else if (set.input) {
            exclusion = "touches the network input";
        } else if (set.output) {
            exclusion = "touches the model output";
        } else if (units < 2) {
            exclusion = "a single unit";
        }
        return new Candidate(id, kind, units, slices, exclusion, !set.normalized, set.seq, set.root);
    }

    private static String firstName(List<Slice> slices) {
        String n = slices.get(0).tensor();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    /**
     * The name of a set of producers: the longest dotted prefix shared by the producers under the
     * most common top-level module ({@code layer2.0.conv2, layer2.1.conv2, layer2.0.downsample.0}
     * give {@code layer2}; a stem conv joined to layer1's blocks does not outvote them).
     */
    static String sharedPrefix(List<String> paths) {
        Map<String, List<String>> byTop = new LinkedHashMap<>();
        for (String p : paths) {
            int dot = p.indexOf('.');
            byTop.computeIfAbsent(dot < 0 ? p : p.substring(0, dot), k -> new ArrayList<>()).add(p);
        }
        List<String> best = null;
        for (List<String> l : byTop.values()) {
            if (best == null || l.size() > best.size()) {
                best = l;
            }
        }
        String[] prefix = best.get(0).split("\\.");
        int len = prefix.length;
        for (String p : best) {
            String[] parts = p.split("\\.");
            int k = 0;
            while (k < len && k < parts.length && parts[k].equals(prefix[k])) {
                k++;
            }
            len = k;
        }
        return String.join(".", java.util.Arrays.copyOf(prefix, len));
    }

    /** Every index of every sliced dimension belongs to at most one group: nothing is pruned twice. */
    private void checkDisjoint() {
        Map<String, String[]> owner = new HashMap<>();
        for (Group g : groups) {
            for (Slice s : g.slices()) {
                Tensor tensor = t.tensorsByName.get(s.tensor());
                int size = tensor.size(s.dim());
                String[] own = owner.computeIfAbsent(s.tensor() + "#" + s.dim(), k -> new String[size]);
                int end = s.offset() + g.units() * s.unitSize();
                if (end > size) {
                    throw new IllegalStateException("group " + g.id() + ": slice " + s + " needs " + end + " entries, the dimension has "
                            + size);
                }
                for (int i = s.offset(); i < end; i++) {
                    if (own[i] != null) {
                        throw new IllegalStateException("entry " + i + " of " + s.tensor() + " dim " + s.dim() + " is in two groups, "
                                + own[i] + " and " + g.id() + ": it would be pruned twice");
                    }
                    own[i] = g.id();
                }
            }
        }
    }

    // ------------------------------------------------------------------ cost model

    private CostModel costModel() {
        Map<String, List<long[]>> cover = new HashMap<>(); // "name#dim" -> {group, unitSize}
        for (int gi = 0; gi < groups.size(); gi++) {
            for (Slice s : groups.get(gi).slices()) {
                cover.computeIfAbsent(s.tensor() + "#" + s.dim(), k -> new ArrayList<>()).add(new long[] {gi, s.unitSize()});
            }
        }
        List<CostModel.Term> params = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : t.tensorsByName.entrySet()) {
            if (!t.parameterNames.contains(e.getKey())) {
                continue;
            }
            CostModel.TermBuilder b = new CostModel.TermBuilder();
            for (int d = 0; d < e.getValue().dim(); d++) {
                b.times(paramDim(cover, e.getKey(), d, e.getValue().size(d)));
            }
            params.add(b.build());
        }
        List<CostModel.Term> macs = new ArrayList<>();
        for (Tracer.MacSite m : t.macSites) {
            macs.add(macTerm(cover, m));
        }
        return new CostModel(groups, params, macs);
    }

    private CostModel.Dim paramDim(Map<String, List<long[]>> cover, String name, int d, int size) {
        List<long[]> c = cover.get(name + "#" + d);
        if (c == null) {
            return CostModel.constantDim(size);
        }
        long fixed = size;
        int[] gs = new int[c.size()];
        long[] per = new long[c.size()];
        for (int i = 0; i < c.size(); i++) {
            gs[i] = (int) c.get(i)[0];
            per[i] = c.get(i)[1];
            fixed -= groups.get(gs[i]).units() * per[i];
        }
        return CostModel.groupDim(fixed, gs, per);
    }

    /** An activation dimension: a multiple of its group's kept units, or a constant. */
    private CostModel.Dim actDim(Tensor tensor, int d) {
        int s = t.slot(tensor, d);
        if (s < 0) {
            return CostModel.constantDim(tensor.size(d));
        }
        Integer g = groupOfRoot.get(t.union.find(s));
        if (g == null || blockedGroups.contains(g)) {
            return CostModel.constantDim(tensor.size(d));
        }
        return CostModel.groupDim(0, new int[] {g}, new long[] {t.union.factorToRoot(s)});
    }

    private CostModel.Term macTerm(Map<String, List<long[]>> cover, Tracer.MacSite m) {
        CostModel.TermBuilder b = new CostModel.TermBuilder();
        Tensor out = m.out();
        switch (m.op()) {
            case "conv2d" -> {
                // n·outC·oh·ow · inC/groups·kh·kw, outC and inC/groups from the weight [outC, inC/groups, kh, kw]
                String w = nameOf(m.weight());
                b.times(actDim(out, 0)).times(actDim(out, 2)).times(actDim(out, 3));
                b.times(paramDim(cover, w, 0, m.weight().size(0))).times(paramDim(cover, w, 1, m.weight().size(1)));
                b.times((long) m.weight().size(2) * m.weight().size(3));
            }
            case "linear" -> {
                // rows · out · in, with the weight [out, in]
                String w = nameOf(m.weight());
                for (int d = 0; d < out.dim() - 1; d++) {
                    b.times(actDim(out, d));
                }
                b.times(paramDim(cover, w, 0, m.weight().size(0))).times(paramDim(cover, w, 1, m.weight().size(1)));
            }
            default -> {
                // matmul: Π out dims · k
                if (m.scaledBy() != null) {
                    long base = (long) out.numel() * m.left().size(-1);
                    int g = indexOf(m.scaledBy().id());
                    int units = groups.get(g).units();
                    if (base % units != 0) {
                        throw new IllegalStateException("block group " + m.scaledBy().id() + " declares that the block's products scale"
                                + " with its " + units + " units, but one has " + base + " MACs");
                    }
                    b.times(base / units).times(CostModel.groupDim(0, new int[] {g}, new long[] {1}));
                } else {
                    for (int d = 0; d < out.dim(); d++) {
                        b.times(actDim(out, d));
                    }
                    b.times(actDim(m.left(), m.left().dim() - 1));
                }
            }
        }
        return b.build();
    }

    private int indexOf(String declaredId) {
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).id().equals(declaredId)) {
                return i;
            }
        }
        throw new IllegalStateException("no group " + declaredId);
    }

    private String nameOf(Tensor weight) {
        String n = t.nameOf(weight);
        return n == null ? "<unnamed weight>" : n;
    }
}
