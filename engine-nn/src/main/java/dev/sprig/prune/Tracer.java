package dev.sprig.prune;

import dev.sprig.nn.Buffer;
import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Node;
import dev.sprig.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds which tensor dimensions are coupled by running one forward pass (batch 1, eval mode, with
 * the autograd graph recorded) and walking the graph: every (tensor, dimension) of size > 1 is a
 * slot of a {@link SlotUnion}, and each op joins the slots its semantics tie together (a conv's
 * output channels with its filters, an add's operands, a flatten's channel with blocks of the merged
 * dimension...). {@link PrunableBlock} modules are not walked through: their declaration is applied.
 * Dimensions of size 1 (the batch, a pooled 1x1 map) are never slots: they cannot be pruned.
 *
 * <p>Ops the tracer does not know block every dimension they touch: unknown structure is never
 * pruned.
 */
final class Tracer {
    /** Per slot: which tensor dimension it is and what the walk learnt about it. */
    static final class SlotInfo {
        final Tensor tensor;
        final int dim;
        final String name; // dotted parameter or buffer name; null for activations
        Slice.Role role;
        String module;     // module path of the layer that uses the tensor (for named slots)
        String op;         // the op that gave the role
        int seq = Integer.MAX_VALUE; // forward order of the role assignment
        boolean input;
        boolean output;
        boolean normalized;

        SlotInfo(Tensor tensor, int dim, String name) {
            this.tensor = tensor;
            this.dim = dim;
            this.name = name;
        }
    }

    /** A group declared by a block, with its slices' full names. */
    record Declared(String id, Group.Kind kind, int units, List<Slice> slices, boolean scalesInnerOps, int seq) {}

    /** An op that multiply-accumulates (conv2d, linear, matmul), kept for the cost model. */
    record MacSite(String op, Tensor out, Tensor weight, Tensor left, Declared scaledBy) {}

    /** A traced block: its path, its declaration, and its input and output in the graph. */
    private record Block(String path, PrunableBlock.Spec spec, Tensor input, Tensor output) {}

    final SlotUnion union = new SlotUnion();
    final List<SlotInfo> slots = new ArrayList<>();
    final List<Declared> declared = new ArrayList<>();
    final List<MacSite> macSites = new ArrayList<>();
    final Map<String, Tensor> tensorsByName = new LinkedHashMap<>();
    final Set<String> parameterNames = new HashSet<>();

    private final IdentityHashMap<Tensor, String> names = new IdentityHashMap<>();
    private final IdentityHashMap<Tensor, int[]> slotIds = new IdentityHashMap<>();
    private final IdentityHashMap<Node, Block> internal = new IdentityHashMap<>();
    private int seq;

    private Tracer() {}

    /** Traces {@code model} on a zero input of shape {@code [1, inputShape...]}. */
    static Tracer trace(Module model, int[] inputShape) {
        Tracer t = new Tracer();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            t.names.put(e.getValue().get(), e.getKey());
            t.tensorsByName.put(e.getKey(), e.getValue().get());
            t.parameterNames.add(e.getKey());
        }
        for (Map.Entry<String, Buffer> e : model.namedBuffers().entrySet()) {
            t.names.put(e.getValue().get(), e.getKey());
            t.tensorsByName.put(e.getKey(), e.getValue().get());
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = 1;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        Tensor x = Tensor.zeros(shape);
        boolean wasTraining = model.isTraining();
        Tensor y;
        model.eval();
        try (GradMode.Scope s = GradMode.enableGrad()) {
            y = model.forward(x);
        } finally {
            model.train(wasTraining);
        }
        if (y.gradFn() == null) {
            throw new IllegalArgumentException("tracing " + model.getClass().getSimpleName() + " recorded no graph: its output does not"
                    + " depend on any parameter");
        }
        List<Tensor> order = topologicalOrder(y);
        t.findBlocks(model, order);
        for (int i = 0; i < order.size(); i++) {
            t.seq = i;
            Tensor out = order.get(i);
            t.apply(out.gradFn(), out);
        }
        t.seq = order.size();
        for (int d = 0; d < x.dim(); d++) {
            int s = t.slot(x, d);
            if (s >= 0) {
                t.slots.get(s).input = true;
            }
        }
        for (int d = 0; d < y.dim(); d++) {
            int s = t.slot(y, d);
            if (s >= 0) {
                t.slots.get(s).output = true;
            }
        }
        return t;
    }

    /** Tensors produced by recorded ops, each after the ones it depends on (iterative, no recursion). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        seen.put(root, Boolean.TRUE);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            List<Tensor> inputs = t.gradFn().inputTensors();
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (in != null && in.gradFn() != null && !seen.containsKey(in)) {
                    seen.put(in, Boolean.TRUE);
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    // ------------------------------------------------------------------ blocks

    private void findBlocks(Module model, List<Tensor> order) {
        List<String> outer = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (!(e.getValue() instanceof PrunableBlock pb)) {
                continue;
            }
            String path = e.getKey();
            boolean nested = false;
            for (String o : outer) {
                nested |= o.isEmpty() || path.startsWith(o + ".");
            }
            if (nested) {
                continue; // the enclosing block's declaration covers it
            }
            outer.add(path);
            Block b = locate(path, pb.pruningSpec(), order);
            if (b != null) {
                markInternal(b, order);
                applyBlock(b, order);
            }
        }
    }

    private String full(String path, String rel) {
        return path.isEmpty() ? rel : path + "." + rel;
    }

    private Tensor named(String blockPath, String name) {
        Tensor t = tensorsByName.get(name);
        if (t == null) {
            throw new IllegalStateException("block " + blockPath + " declares tensor " + name + ", which the model does not have");
        }
        return t;
    }

    /** The block's input and output in the traced graph, or null when the forward pass did not run it. */
    private Block locate(String path, PrunableBlock.Spec spec, List<Tensor> order) {
        List<Tensor> outParams = new ArrayList<>();
        for (Slice s : spec.output()) {
            outParams.add(named(path, full(path, s.tensor())));
        }
        List<Tensor> inParams = new ArrayList<>();
        for (Slice s : spec.input()) {
            inParams.add(named(path, full(path, s.tensor())));
        }
        Tensor output = null;
        Tensor input = null;
        for (Tensor t : order) {
            List<Tensor> ins = t.gradFn().inputTensors();
            if (containsAny(ins, outParams)) {
                if (output != null && output != t) {
                    throw new IllegalStateException("block " + path + ": its output parameters are read by two ops ('"
                            + output.gradFn().name() + "' and '" + t.gradFn().name() + "'); a block has one output");
                }
                output = t;
            }
            if (containsAny(ins, inParams)) {
                Tensor in = ins.get(0);
                if (input != null && input != in) {
                    throw new IllegalStateException("block " + path + ": its input parameters are applied to two different tensors;"
                            + " a block has one input");
                }
                input = in;
            }
        }
        if (output == null || input == null) {
            return null;
        }
        return new Block(path, spec, input, output);
    }

    private static boolean containsAny(List<Tensor> inputs, List<Tensor> wanted) {
        for (Tensor t : inputs) {
            for (Tensor w : wanted) {
                if (t == w) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Marks every op from the block's output back to (not including) its input as the block's. */
    private void markInternal(Block b, List<Tensor> order) {
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.push(b.output.gradFn());
        internal.put(b.output.gradFn(), b);
        int first = Integer.MAX_VALUE;
        IdentityHashMap<Node, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < order.size(); i++) {
            index.put(order.get(i).gradFn(), i);
        }
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            first = Math.min(first, index.get(n));
            for (Tensor in : n.inputTensors()) {
                if (in == null || in == b.input) {
                    continue;
                }
                String name = names.get(in);
                if (name != null && !name.startsWith(b.path + ".") && !b.path.isEmpty()) {
                    throw new IllegalStateException("block " + b.path + " reads " + name + ", which is neither its input nor one of"
                            + " its own parameters");
                }
                Node p = in.gradFn();
                if (p != null && !internal.containsKey(p)) {
                    internal.put(p, b);
                    todo.push(p);
                }
            }
        }
        // The block's own groups, ordered where the block starts.
        for (PrunableBlock.InnerGroup g : b.spec.groups()) {
            List<Slice> slices = new ArrayList<>();
            for (Slice s : g.slices()) {
                named(b.path, full(b.path, s.tensor()));
                slices.add(s.under(b.path));
            }
            declared.add(new Declared(b.path + ":" + g.name(), g.kind(), g.units(), slices, g.scalesInnerOps(), first));
        }
    }

    private void applyBlock(Block b, List<Tensor> order) {
        seq = order.indexOf(b.output);
        int inLast = b.input.dim() - 1;
        int outLast = b.output.dim() - 1;
        for (Slice s : b.spec.input()) {
            Tensor p = tensorsByName.get(full(b.path, s.tensor()));
            union.union(slot(b.input, inLast), slot(p, s.dim()), s.unitSize());
            role(p, s.dim(), s.role(), "block");
        }
        for (Slice s : b.spec.output()) {
            Tensor p = tensorsByName.get(full(b.path, s.tensor()));
            union.union(slot(b.output, outLast), slot(p, s.dim()), s.unitSize());
            role(p, s.dim(), s.role(), "block");
        }
        if (b.input.dim() == b.output.dim()) {
            for (int d = 0; d < inLast; d++) {
                same(b.input, d, b.output, d);
            }
        }
    }

    /** The group of the block containing {@code node} whose units its MACs scale with, or null. */
    private Declared scaling(Node node) {
        Block b = internal.get(node);
        if (b == null) {
            return null;
        }
        for (Declared d : declared) {
            if (d.scalesInnerOps() && d.id().startsWith(b.path + ":")) {
                return d;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ slots

    /** The dotted name of a parameter or buffer tensor, or null. */
    String nameOf(Tensor t) {
        return names.get(t);
    }

    /** The slot of dimension {@code d} (negative counts from the end) of {@code t}, or -1 for size 1 or null. */
    int slot(Tensor t, int d) {
        if (t == null) {
            return -1;
        }
        int[] ids = slotIds.get(t);
        if (ids == null) {
            int[] shape = t.shape();
            ids = new int[shape.length];
            String name = names.get(t);
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] > 1) {
                    ids[i] = union.add(shape[i]);
                    slots.add(new SlotInfo(t, i, name));
                } else {
                    ids[i] = -1;
                }
            }
            slotIds.put(t, ids);
        }
        int dd = d < 0 ? d + ids.length : d;
        return dd < 0 || dd >= ids.length ? -1 : ids[dd];
    }

    /** Ties dimension {@code da} of {@code a} to {@code db} of {@code b} one to one (ignored where either has size 1). */
    private void same(Tensor a, int da, Tensor b, int db) {
        int sa = slot(a, da);
        int sb = slot(b, db);
        if (sa >= 0 && sb >= 0) {
            union.union(sa, sb, 1);
        }
    }

    private void block(Tensor t, int d, String reason) {
        union.block(slot(t, d), reason);
    }

    private void blockAll(Tensor t, String reason) {
        if (t != null) {
            for (int d = 0; d < t.dim(); d++) {
                block(t, d, reason);
            }
        }
    }

    private void sameShape(Tensor a, Tensor b) {
        for (int d = 0; d < a.dim(); d++) {
            same(a, d, b, d);
        }
    }

    /** Records what a parameter or buffer dimension is to its layer (the first use decides). */
    private void role(Tensor t, int d, Slice.Role role, String op) {
        int s = slot(t, d);
        if (s < 0) {
            return;
        }
        SlotInfo info = slots.get(s);
        if (info.name != null && info.role == null) {
            info.role = role;
            int dot = info.name.lastIndexOf('.');
            info.module = dot < 0 ? "" : info.name.substring(0, dot);
            info.op = op;
            info.seq = seq;
        }
    }

    /** Gives every named input of a non-layer op (a class token in an add) the embedding role. */
    private void embeddingRoles(List<Tensor> inputs, String op) {
        for (Tensor t : inputs) {
            if (t != null && names.containsKey(t)) {
                for (int d = 0; d < t.dim(); d++) {
                    role(t, d, Slice.Role.EMBEDDING, op);
                }
            }
        }
    }

    private void normalized(Tensor t, int d) {
        int s = slot(t, d);
        if (s >= 0) {
            slots.get(s).normalized = true;
        }
    }

    // ------------------------------------------------------------------ op rules

    private void apply(Node node, Tensor out) {
        List<Tensor> in = node.inputTensors();
        String op = node.name();
        if (internal.containsKey(node)) {
            if (op.equals("conv2d") || op.equals("linear")) {
                macSites.add(new MacSite(op, out, in.get(1), in.get(0), null));
            } else if (op.equals("matmul")) {
                macSites.add(new MacSite(op, out, null, in.get(0), scaling(node)));
            }
            return;
        }
        Tensor x = in.get(0);
        switch (op) {
            case "add", "sub", "mul", "div" -> {
                for (Tensor t : in) {
                    for (int d = 0; d < t.dim(); d++) {
                        same(t, d, out, out.dim() - t.dim() + d); // broadcasting aligns from the right
                    }
                }
                embeddingRoles(in, op);
            }
            case "affine", "divScalar", "contiguous", "exp", "log", "sqrt", "pow", "abs", "relu", "gelu", "sigmoid", "tanh" -> {
                sameShape(x, out);
                embeddingRoles(in, op);
            }
            case "softmax", "logSoftmax" -> {
                sameShape(x, out);
                normalized(x, ((Node.AtDim) node.attrs()).dim());
                embeddingRoles(in, op);
            }
            case "maxPool2d", "avgPool2d", "globalAvgPool2d" -> {
                same(x, 0, out, 0);
                same(x, 1, out, 1);
            }
            case "conv2d" -> conv(in, out);
            case "linear" -> linear(in, out);
            case "batchNorm" -> batchNorm(in, out);
            case "layerNorm" -> layerNorm(in, out);
            case "reshape" -> reshape(x, out);
            case "permute" -> {
                int[] order = ((Node.Permute) node.attrs()).order();
                for (int i = 0; i < order.length; i++) {
                    same(x, order[i], out, i);
                }
                embeddingRoles(in, op);
            }
            case "slice" -> {
                Node.Slice s = (Node.Slice) node.attrs();
                for (int d = 0; d < x.dim(); d++) {
                    if (d != s.dim() || (s.start() == 0 && s.end() == x.size(d) && s.step() == 1)) {
                        same(x, d, out, d);
                    }
                }
                if (out.size(s.dim()) != x.size(s.dim())) {
                    block(x, s.dim(), "sliced (narrow)");
                    block(out, s.dim(), "sliced (narrow)");
                }
                embeddingRoles(in, op);
            }
            case "expand" -> {
                for (int d = 0; d < x.dim(); d++) {
                    same(x, d, out, out.dim() - x.dim() + d);
                }
                embeddingRoles(in, op);
            }
            case "unsqueeze" -> {
                int at = ((Node.AtDim) node.attrs()).dim();
                for (int d = 0; d < x.dim(); d++) {
                    same(x, d, out, d < at ? d : d + 1);
                }
                embeddingRoles(in, op);
            }
            case "squeeze" -> {
                int at = ((Node.AtDim) node.attrs()).dim();
                for (int d = 0; d < x.dim(); d++) {
                    if (d != at) {
                        same(x, d, out, d < at ? d : d - 1);
                    }
                }
                embeddingRoles(in, op);
            }
            case "concat", "indexSelect" -> {
                int at = ((Node.AtDim) node.attrs()).dim();
                for (Tensor t : in) {
                    for (int d = 0; d < t.dim(); d++) {
                        if (d == at) {
                            block(t, d, op.equals("concat") ? "concatenated" : "indexed");
                        } else {
                            same(t, d, out, d);
                        }
                    }
                }
                block(out, at, op.equals("concat") ? "concatenated" : "indexed");
                embeddingRoles(in, op);
            }
            case "sum", "max" -> {
                Node.Reduce r = (Node.Reduce) node.attrs();
                boolean[] reduced = new boolean[x.dim()];
                for (int d : r.dims()) {
                    reduced[d] = true;
                    normalized(x, d);
                }
                for (int d = 0, o = 0; d < x.dim(); d++) {
                    if (!reduced[d]) {
                        same(x, d, out, o);
                    }
                    if (!reduced[d] || r.keepDim()) {
                        o++;
                    }
                }
                embeddingRoles(in, op);
            }
            case "matmul" -> {
                Tensor a = in.get(0);
                Tensor b = in.get(1);
                same(a, -1, b, -2);              // the contracted k
                same(a, -2, out, -2);            // m
                same(b, -1, out, -1);            // n
                for (Tensor t : in) {            // batch dims, broadcast from the right
                    for (int d = 0; d < t.dim() - 2; d++) {
                        same(t, d, out, out.dim() - t.dim() + d);
                    }
                }
                macSites.add(new MacSite(op, out, null, a, null));
                embeddingRoles(in, op);
            }
            default -> {
                for (Tensor t : in) {
                    blockAll(t, "unsupported op '" + op + "'");
                }
                blockAll(out, "unsupported op '" + op + "'");
                embeddingRoles(in, op);
            }
        }
    }

    /** x [n, inC, h, w], weight [outC, inC/groups, kh, kw], bias [outC] -> [n, outC, oh, ow]. */
    private void conv(List<Tensor> in, Tensor out) {
        Tensor x = in.get(0);
        Tensor w = in.get(1);
        Tensor b = in.size() > 2 ? in.get(2) : null;
        same(x, 0, out, 0);
        same(out, 1, w, 0);
        same(w, 0, b, 0);
        int groups = x.size(1) / w.size(1);
        if (groups == 1) {
            same(x, 1, w, 1);
        } else if (w.size(1) == 1) {
            // Depthwise: output channel j reads input channel j / m (m = outC / inC outputs per input).
            union.union(slot(x, 1), slot(out, 1), w.size(0) / x.size(1));
        } else {
            String reason = "grouped convolution (groups=" + groups + ")";
            block(x, 1, reason);
            block(out, 1, reason);
            block(w, 0, reason);
            block(w, 1, reason);
        }
        // A depthwise conv's filters follow its input channels: it passes channels on, it does not produce a new set.
        role(w, 0, Slice.Role.WEIGHT_OUT, groups > 1 && w.size(1) == 1 ? "depthwise" : "conv2d");
        role(w, 1, Slice.Role.WEIGHT_IN, "conv2d");
        role(b, 0, Slice.Role.BIAS, "conv2d");
        macSites.add(new MacSite("conv2d", out, w, x, null));
    }

    /** x [..., in], weight [out, in], bias [out] -> [..., out]. */
    private void linear(List<Tensor> in, Tensor out) {
        Tensor x = in.get(0);
        Tensor w = in.get(1);
        Tensor b = in.size() > 2 ? in.get(2) : null;
        for (int d = 0; d < x.dim() - 1; d++) {
            same(x, d, out, d);
        }
        same(x, -1, w, 1);
        same(out, -1, w, 0);
        same(w, 0, b, 0);
        role(w, 0, Slice.Role.WEIGHT_OUT, "linear");
        role(w, 1, Slice.Role.WEIGHT_IN, "linear");
        role(b, 0, Slice.Role.BIAS, "linear");
        macSites.add(new MacSite("linear", out, w, x, null));
    }

    /** x [n, c, ...], runningMean, runningVar, gamma, beta [c]. */
    private void batchNorm(List<Tensor> in, Tensor out) {
        Tensor x = in.get(0);
        sameShape(x, out);
        Slice.Role[] roles = {null, Slice.Role.RUNNING_STAT, Slice.Role.RUNNING_STAT, Slice.Role.NORM_SCALE, Slice.Role.NORM_SHIFT};
        for (int i = 1; i < in.size(); i++) {
            same(x, 1, in.get(i), 0);
            role(in.get(i), 0, roles[i], "batchNorm");
        }
    }

    /** x [..., d], gamma, beta [d]; the mean and variance run over d. */
    private void layerNorm(List<Tensor> in, Tensor out) {
        Tensor x = in.get(0);
        sameShape(x, out);
        normalized(x, -1);
        Slice.Role[] roles = {null, Slice.Role.NORM_SCALE, Slice.Role.NORM_SHIFT};
        for (int i = 1; i < in.size(); i++) {
            same(x, -1, in.get(i), 0);
            role(in.get(i), 0, roles[i], "layerNorm");
        }
    }

    /**
     * Splits both shapes into runs of dimensions with equal products. A run of one to one is an
     * identity; several dims merged into one (a flatten) tie the first (size > 1) dim to the merged
     * one in blocks of the trailing dims' product; one dim split into several (an unflatten) the
     * reverse. Trailing dims of a merge or split, and many-to-many runs, are blocked.
     */
    private void reshape(Tensor x, Tensor out) {
        int[] a = x.shape();
        int[] b = out.shape();
        int i = 0;
        int j = 0;
        while (true) {
            while (i < a.length && a[i] == 1) {
                i++;
            }
            while (j < b.length && b[j] == 1) {
                j++;
            }
            if (i >= a.length || j >= b.length) {
                break;
            }
            List<Integer> ia = new ArrayList<>(List.of(i));
            List<Integer> jb = new ArrayList<>(List.of(j));
            long pa = a[i++];
            long pb = b[j++];
            while (pa != pb) {
                if (pa < pb) {
                    pa *= a[i];
                    if (a[i] > 1) {
                        ia.add(i);
                    }
                    i++;
                } else {
                    pb *= b[j];
                    if (b[j] > 1) {
                        jb.add(j);
                    }
                    j++;
                }
            }
            if (ia.size() == 1 && jb.size() == 1) {
                same(x, ia.get(0), out, jb.get(0));
            } else if (jb.size() == 1) {
                union.union(slot(x, ia.get(0)), slot(out, jb.get(0)), pa / a[ia.get(0)]);
                for (int k = 1; k < ia.size(); k++) {
                    block(x, ia.get(k), "merged as a trailing dimension by a reshape");
                }
            } else if (ia.size() == 1) {
                union.union(slot(out, jb.get(0)), slot(x, ia.get(0)), pb / b[jb.get(0)]);
                for (int k = 1; k < jb.size(); k++) {
                    block(out, jb.get(k), "split off as a trailing dimension by a reshape");
                }
            } else {
                for (int k : ia) {
                    block(x, k, "regrouped by a reshape");
                }
                for (int k : jb) {
                    block(out, k, "regrouped by a reshape");
                }
            }
        }
        embeddingRoles(List.of(x), "reshape");
    }
}
