package dev.sprig.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode automatic differentiation over the graph recorded during forward.
 *
 * <p>The topological order is computed iteratively (an explicit stack, never recursion) so that
 * graphs thousands of nodes deep do not overflow the Java stack.
 */
public final class Autograd {
    private Autograd() {}

    /**
     * Records {@code out} as the result of an op over {@code inputs} when grad mode is on and any
     * input requires a gradient; otherwise does nothing. Returns {@code out}.
     */
    public static Tensor record(Tensor out, String name, Node.BackwardFn fn, Tensor... inputs) {
        return record(out, name, null, fn, inputs);
    }

    /**
     * As {@link #record(Tensor, String, Node.BackwardFn, Tensor...)}, also keeping the op's
     * arguments {@code attrs} (may be null) on the node for graph walkers.
     */
    public static Tensor record(Tensor out, String name, Node.Attrs attrs, Node.BackwardFn fn, Tensor... inputs) {
        if (wouldRecord(inputs)) {
            out.setGradFn(new Node(name, attrs, inputs.clone(), fn));
        }
        return out;
    }

    /**
     * Whether an op over {@code inputs} (nulls allowed) records a graph now: grad mode is on and
     * some input requires a gradient. Inference-only fast paths take themselves out when it does.
     */
    public static boolean wouldRecord(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs backward from {@code root} with {@code gradRoot} as dL/d(root), accumulating (+=) into
     * the {@code grad} of every leaf that requires a gradient, then releases the graph.
     */
    static void backward(Tensor root, Tensor gradRoot) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require grad (shape "
                    + Shape.str(root.shape()) + "): no input of its graph has requiresGrad(true)");
        }
        if (!java.util.Arrays.equals(root.shape(), gradRoot.shape())) {
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(gradRoot.shape())
                    + " does not match the tensor's shape " + Shape.str(root.shape()));
        }
        if (root.gradFn() == null) {
            root.accumulateGrad(gradRoot);
            return;
        }
        List<Node> order = topologicalOrder(root.gradFn());
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(root.gradFn(), gradRoot);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int idx = order.size() - 1; idx >= 0; idx--) {
                Node node = order.get(idx);
                Tensor g = pending.remove(node);
                Tensor[] inputs = node.inputs();
                if (g == null) {
                    continue; // no path carried gradient here (e.g. only non-differentiable uses)
                }
                boolean[] needs = new boolean[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    needs[i] = inputs[i] != null && inputs[i].requiresGrad();
                }
                Tensor[] grads = node.fn().apply(g, needs);
                for (int i = 0; i < inputs.length; i++) {
                    if (!needs[i]) {
                        continue;
                    }
                    Tensor in = inputs[i];
                    Tensor gi = grads[i];
                    if (gi == null) {
                        throw new IllegalStateException("backward of '" + node.name() + "' returned no gradient for input " + i);
                    }
                    if (!java.util.Arrays.equals(gi.shape(), in.shape())) {
                        throw new IllegalStateException("backward of '" + node.name() + "' returned a gradient of shape "
                                + Shape.str(gi.shape()) + " for input " + i + " of shape " + Shape.str(in.shape()));
                    }
                    Node producer = in.gradFn();
                    if (producer == null) {
                        in.accumulateGrad(gi);
                    } else {
                        Tensor prev = pending.get(producer);
                        // Out of place: gradients may alias each other (add passes g to both inputs).
                        pending.put(producer, prev == null ? gi : prev.add(gi));
                    }
                }
            }
        }
        for (Node node : order) {
            node.release();
        }
    }

    /** Nodes reachable from {@code root}, each after all nodes it depends on (inputs first). */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> order = new ArrayList<>();
        IdentityHashMap<Node, Boolean> visited = new IdentityHashMap<>();
        // Stack frames: node plus the index of the next input to visit.
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        checkLive(root);
        visited.put(root, Boolean.TRUE);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                Node child = in == null ? null : in.gradFn();
                if (child != null && in.requiresGrad() && !visited.containsKey(child)) {
                    checkLive(child);
                    visited.put(child, Boolean.TRUE);
                    stack.push(new Object[] {child, 0});
                }
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }

    private static void checkLive(Node node) {
        if (node.isReleased()) {
            throw new IllegalStateException("backward through '" + node.name()
                    + "' again: its graph was released by an earlier backward(); recompute the forward pass");
        }
    }
}
