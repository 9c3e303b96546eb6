package dev.sprig.nn;

import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of every layer and model, as PyTorch's {@code nn.Module}: explicit registries of
 * parameters, buffers and child modules (in registration order), dotted paths such as
 * {@code layer2.0.conv1}, train/eval mode, and a state dict.
 *
 * <p>Subclasses register in their constructor and read their children back through
 * {@link #child(String)} in {@code forward}, so that {@link #replace(String, Module)} (used by
 * pruning and by head swapping) takes effect without touching fields.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The module's computation. */
    public abstract Tensor forward(Tensor x);

    // ------------------------------------------------------------------ registration

    protected final Parameter registerParameter(String name, Tensor value) {
        checkName(name);
        Parameter p = new Parameter(value);
        parameters.put(name, p);
        return p;
    }

    protected final Buffer registerBuffer(String name, Tensor value) {
        checkName(name);
        Buffer b = new Buffer(value);
        buffers.put(name, b);
        return b;
    }

    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        if (module == null) {
            throw new IllegalArgumentException("module '" + name + "' is null");
        }
        children.put(name, module);
        module.train(training);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("a registered name must be non-empty and contain no '.', got '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
    }

    /** The direct child registered as {@code name}. */
    public final Module child(String name) {
        Module m = children.get(name);
        if (m == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '" + name + "' (children: "
                    + children.keySet() + ")");
        }
        return m;
    }

    /** The direct parameter registered as {@code name}. */
    public final Parameter parameter(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "' (parameters: "
                    + parameters.keySet() + ")");
        }
        return p;
    }

    /** The direct buffer registered as {@code name}. */
    public final Buffer buffer(String name) {
        Buffer b = buffers.get(name);
        if (b == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "' (buffers: "
                    + buffers.keySet() + ")");
        }
        return b;
    }

    /** True when this module has a parameter named {@code name} (directly). */
    public final boolean hasParameter(String name) {
        return parameters.containsKey(name);
    }

    /** The direct children in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    // ------------------------------------------------------------------ paths

    /** The submodule at a dotted path ({@code ""} is this module). */
    public final Module get(String path) {
        if (path.isEmpty()) {
            return this;
        }
        Module m = this;
        for (String part : path.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException("no submodule '" + path + "': " + m.getClass().getSimpleName()
                        + " has no child '" + part + "' (children: " + m.children.keySet() + ")");
            }
            m = next;
        }
        return m;
    }

    /** Replaces the submodule at a dotted path; returns the old one. */
    public final Module replace(String path, Module replacement) {
        int dot = path.lastIndexOf('.');
        Module parent = dot < 0 ? this : get(path.substring(0, dot));
        String name = path.substring(dot + 1);
        if (!parent.children.containsKey(name)) {
            throw new IllegalArgumentException("no submodule '" + path + "' to replace: " + parent.getClass().getSimpleName()
                    + " has no child '" + name + "' (children: " + parent.children.keySet() + ")");
        }
        if (replacement == null) {
            throw new IllegalArgumentException("replacement for '" + path + "' is null");
        }
        replacement.train(parent.training);
        return parent.children.put(name, replacement);
    }

    /** Every submodule with its dotted path, this module first (path ""), depth-first in registration order. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        walk("", this, out, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return out;
    }

    /** Depth-first; a module registered under several names is listed once, under its first path (as PyTorch). */
    private static void walk(String prefix, Module m, Map<String, Module> out, java.util.Set<Module> seen) {
        if (!seen.add(m)) {
            return;
        }
        out.put(prefix, m);
        for (Map.Entry<String, Module> e : m.children.entrySet()) {
            walk(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out, seen);
        }
    }

    /** Every parameter with its dotted name, in a stable order (modules depth-first, then registration order). */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (Map.Entry<String, Parameter> p : e.getValue().parameters.entrySet()) {
                out.put(prefix + p.getKey(), p.getValue());
            }
        }
        return out;
    }

    /** Every buffer with its dotted name, in the same order as {@link #namedParameters()}. */
    public final Map<String, Buffer> namedBuffers() {
        Map<String, Buffer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (Map.Entry<String, Buffer> b : e.getValue().buffers.entrySet()) {
                out.put(prefix + b.getKey(), b.getValue());
            }
        }
        return out;
    }

    /** The parameters' tensors in {@link #namedParameters()} order. */
    public final List<Tensor> parameters() {
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : namedParameters().values()) {
            out.add(p.get());
        }
        return out;
    }

    /** Total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.get().numel();
        }
        return n;
    }

    /** Drops the accumulated gradient of every parameter. */
    public final void zeroGrad() {
        for (Parameter p : namedParameters().values()) {
            p.get().zeroGrad();
        }
    }

    // ------------------------------------------------------------------ mode

    /** Sets training mode on this module and all submodules; returns this. */
    public final Module train(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.train(on);
        }
        return this;
    }

    /** Evaluation mode (dropout off, BatchNorm on running statistics); returns this. */
    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    // ------------------------------------------------------------------ state dict

    /** Parameters then buffers, by dotted name, as PyTorch's state_dict (tensors are shared, not copied). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            for (Map.Entry<String, Parameter> p : m.parameters.entrySet()) {
                out.put(prefix + p.getKey(), p.getValue().get());
            }
            for (Map.Entry<String, Buffer> b : m.buffers.entrySet()) {
                out.put(prefix + b.getKey(), b.getValue().get());
            }
        }
        return out;
    }

    /** What {@link #loadStateDict} found: keys the module has but the dict lacks, and the reverse, and shape clashes. */
    public record LoadResult(List<String> missing, List<String> unexpected, List<String> shapeMismatches) {
        public boolean isClean() {
            return missing.isEmpty() && unexpected.isEmpty() && shapeMismatches.isEmpty();
        }

        @Override
        public String toString() {
            return "missing " + missing + ", unexpected " + unexpected + ", shape mismatches " + shapeMismatches;
        }
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers. Strict loading
     * fails (changing nothing) when any key is missing, unexpected or of another shape; non-strict
     * loading copies what matches and reports the rest.
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Parameter> params = namedParameters();
        Map<String, Buffer> bufs = namedBuffers();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (String k : state.keySet()) {
            if (!params.containsKey(k) && !bufs.containsKey(k)) {
                unexpected.add(k);
            }
        }
        Map<String, int[]> own = new LinkedHashMap<>();
        params.forEach((k, p) -> own.put(k, p.shape()));
        bufs.forEach((k, b) -> own.put(k, b.shape()));
        for (Map.Entry<String, int[]> e : own.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                mismatched.add(e.getKey() + ": expected " + Shape.str(e.getValue()) + ", got " + Shape.str(t.shape()));
            }
        }
        LoadResult result = new LoadResult(List.copyOf(missing), List.copyOf(unexpected), List.copyOf(mismatched));
        if (strict && !result.isClean()) {
            throw new IllegalArgumentException("strict state dict load into " + getClass().getSimpleName() + " failed: " + result);
        }
        // Values are copied into the existing tensors: their identity and requiresGrad flags stay.
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            copyInto(state.get(e.getKey()), e.getValue().get());
        }
        for (Map.Entry<String, Buffer> e : bufs.entrySet()) {
            copyInto(state.get(e.getKey()), e.getValue().get());
        }
        return result;
    }

    /**
     * Loads a state dict whose tensors may be smaller or larger than this module's, as a pruned
     * model's are: every parameter and buffer takes a copy of the dict's tensor, shape and all, and
     * the layers, whose sizes follow their weights, follow. The keys must match exactly and each
     * tensor must keep its rank; nothing changes when they do not.
     */
    public final void adoptStateDict(Map<String, Tensor> state) {
        Map<String, Parameter> params = namedParameters();
        Map<String, Buffer> bufs = namedBuffers();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> rank = new ArrayList<>();
        for (String k : state.keySet()) {
            if (!params.containsKey(k) && !bufs.containsKey(k)) {
                unexpected.add(k);
            }
        }
        Map<String, int[]> own = new LinkedHashMap<>();
        params.forEach((k, p) -> own.put(k, p.shape()));
        bufs.forEach((k, b) -> own.put(k, b.shape()));
        for (Map.Entry<String, int[]> e : own.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (t.dim() != e.getValue().length) {
                rank.add(e.getKey() + ": expected rank " + e.getValue().length + " like " + Shape.str(e.getValue()) + ", got "
                        + Shape.str(t.shape()));
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !rank.isEmpty()) {
            throw new IllegalArgumentException("state dict does not fit " + getClass().getSimpleName() + ": missing " + missing
                    + ", unexpected " + unexpected + ", rank mismatches " + rank);
        }
        params.forEach((k, p) -> p.set(Tensor.fromStorage(state.get(k).rowMajorData().clone(), state.get(k).shape())));
        bufs.forEach((k, b) -> b.set(Tensor.fromStorage(state.get(k).rowMajorData().clone(), state.get(k).shape())));
    }

    /** {@code to} is a parameter's or buffer's tensor, which both keep compact: its storage is its elements. */
    private static void copyInto(Tensor from, Tensor to) {
        if (from != null && Arrays.equals(from.shape(), to.shape())) {
            float[] src = from.rowMajorData();
            System.arraycopy(src, 0, to.storage(), 0, src.length);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        describe(sb, "", 0);
        return sb.toString();
    }

    /** One line describing this module's own settings (e.g. {@code Conv2d(3 -> 16, k3, s1, p1)}). */
    protected String describe() {
        return getClass().getSimpleName();
    }

    private void describe(StringBuilder sb, String name, int depth) {
        sb.append("  ".repeat(depth));
        if (!name.isEmpty()) {
            sb.append('(').append(name).append("): ");
        }
        sb.append(describe()).append('\n');
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().describe(sb, e.getKey(), depth + 1);
        }
    }
}
