package dev.sprig.prune;

import java.util.Arrays;

/**
 * Union-find over "channel slots" (one dimension of one tensor) where a link may relate one unit of
 * a slot to a block of consecutive entries of another: {@code union(a, b, f)} says unit {@code i}
 * of {@code a} is entries {@code i·f .. (i+1)·f − 1} of {@code b} (so {@code size(b) = f·size(a)}),
 * which is how a conv's channels map to a flattened linear input. Every slot stores its factor
 * relative to its parent; a root is the coarsest slot of its set, so the set's unit count is the
 * root's size and a member's unit size is its factor to the root. A link that cannot be expressed
 * this way (sizes not in a whole ratio) marks the set blocked.
 */
final class SlotUnion {
    private int[] parent = new int[64];
    private long[] factor = new long[64]; // size(slot) = factor · size(parent)
    private int[] size = new int[64];
    private String[] blocked = new String[64]; // per slot; a set is blocked when any member is
    private int count;

    /** A new singleton slot of {@code size} entries; returns its id. */
    int add(int slotSize) {
        if (count == parent.length) {
            int n = count * 2;
            parent = Arrays.copyOf(parent, n);
            factor = Arrays.copyOf(factor, n);
            size = Arrays.copyOf(size, n);
            blocked = Arrays.copyOf(blocked, n);
        }
        parent[count] = count;
        factor[count] = 1;
        size[count] = slotSize;
        return count++;
    }

    int count() {
        return count;
    }

    int size(int slot) {
        return size[slot];
    }

    /** The root of {@code slot}'s set, compressing the path (iteratively: no recursion on long chains). */
    int find(int slot) {
        int root = slot;
        while (parent[root] != root) {
            root = parent[root];
        }
        // Second pass: point every node on the path at the root with its accumulated factor.
        // Walk from the node nearest the root down, so each parent's factor is already final.
        int len = 0;
        for (int s = slot; s != root; s = parent[s]) {
            len++;
        }
        int[] path = new int[len];
        int k = 0;
        for (int s = slot; s != root; s = parent[s]) {
            path[k++] = s;
        }
        for (int i = len - 2; i >= 0; i--) {
            int s = path[i];
            factor[s] *= factor[parent[s]];
            parent[s] = root;
        }
        return root;
    }

    /** Entries of {@code slot} per unit of its root. */
    long factorToRoot(int slot) {
        find(slot);
        return parent[slot] == slot ? 1 : factor[slot];
    }

    /** Relates unit {@code i} of {@code a} to entries {@code i·f .. (i+1)·f − 1} of {@code b}. */
    void union(int a, int b, long f) {
        if (a < 0 || b < 0) {
            return;
        }
        if ((long) size[a] * f != size[b]) {
            block(a, "sizes " + size[a] + " and " + size[b] + " do not relate by a factor " + f);
            block(b, "sizes " + size[a] + " and " + size[b] + " do not relate by a factor " + f);
        }
        int ra = find(a);
        int rb = find(b);
        long fa = factorToRoot(a);
        long fb = factorToRoot(b);
        // size(b) = f·size(a) = f·fa·size(ra) and size(b) = fb·size(rb): so size(rb) = (f·fa / fb)·size(ra).
        long num = f * fa;
        if (ra == rb) {
            if (num != fb) {
                block(a, "a cycle of couplings with inconsistent block sizes");
            }
            return;
        }
        if (num % fb == 0) {
            parent[rb] = ra;
            factor[rb] = num / fb;
        } else if (fb % num == 0) {
            parent[ra] = rb;
            factor[ra] = fb / num;
        } else {
            parent[rb] = ra;
            factor[rb] = 1;
            block(a, "channels coupled in blocks of " + num + " and " + fb + " entries");
        }
    }

    /** Marks {@code slot}'s set as not prunable for {@code reason} (the first reason given stays). */
    void block(int slot, String reason) {
        if (slot >= 0 && blocked[slot] == null) {
            blocked[slot] = reason;
        }
    }

    /** The reason {@code slot} itself was blocked, or null. */
    String blockedReason(int slot) {
        return blocked[slot];
    }
}
