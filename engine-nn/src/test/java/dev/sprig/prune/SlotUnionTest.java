package dev.sprig.prune;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotUnionTest {

    @Test
    void blockFactorsComposeAndTheCoarsestSlotIsTheRoot() {
        SlotUnion u = new SlotUnion();
        int flat = u.add(48);    // a linear's input columns: 8 channels x 6 pixels
        int channels = u.add(8); // the conv's output channels
        int pairs = u.add(16);   // an intermediate view: 8 channels x 2
        u.union(pairs, flat, 3);
        u.union(channels, pairs, 2);
        int root = u.find(flat);
        assertThat(u.find(channels)).isEqualTo(root).isEqualTo(u.find(pairs));
        assertThat(u.size(root)).isEqualTo(8);
        assertThat(u.factorToRoot(channels)).isEqualTo(1);
        assertThat(u.factorToRoot(pairs)).isEqualTo(2);
        assertThat(u.factorToRoot(flat)).isEqualTo(6);
        assertThat(u.blockedReason(flat)).isNull();
    }

    @Test
    void inconsistentCouplingsBlockTheSet() {
        SlotUnion u = new SlotUnion();
        int a = u.add(4);
        int b = u.add(12);
        u.union(a, b, 3);
        u.union(a, b, 3); // the same link again is consistent
        assertThat(u.blockedReason(a)).isNull();
        int c = u.add(6);
        int d = u.add(4);
        u.union(c, d, 1); // sizes 6 and 4 are not one to one
        assertThat(u.blockedReason(c)).contains("do not relate");
        int e = u.add(6);
        int f = u.add(9);
        int g = u.add(3);
        u.union(g, e, 2);
        u.union(g, f, 3);
        u.union(e, f, 1); // 6 vs 9 entries: no whole ratio
        assertThat(u.blockedReason(e) != null || u.blockedReason(f) != null).isTrue();
    }

    @Test
    void longChainsCompressWithoutRecursion() {
        SlotUnion u = new SlotUnion();
        int first = u.add(5);
        int prev = first;
        for (int i = 0; i < 100_000; i++) {
            int next = u.add(5);
            u.union(next, prev, 1);
            prev = next;
        }
        assertThat(u.find(first)).isEqualTo(u.find(prev));
        assertThat(u.factorToRoot(first)).isEqualTo(1);
    }
}
