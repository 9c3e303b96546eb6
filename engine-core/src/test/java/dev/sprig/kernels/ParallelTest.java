package dev.sprig.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void coversTheRangeExactlyOnceWithStaticChunks() {
        for (int parts : new int[] {1, 2, 3, 5}) {
            for (int n : new int[] {0, 1, 2, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                Parallel.forRange(n, parts, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertThat(hits.get(i)).as("n=%d parts=%d index %d", n, parts, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void usesSeveralThreadsAndRunsNestedCallsInline() {
        ConcurrentHashMap<String, Boolean> names = new ConcurrentHashMap<>();
        for (int rep = 0; rep < 100; rep++) {
            Parallel.forRange(4, 2, (from, to) -> {
                String outer = Thread.currentThread().getName();
                names.put(outer, true);
                // nested: both halves run inline, on the thread of the enclosing chunk
                Parallel.forRange(10, 2, (a, b) -> {
                    assertThat(Thread.currentThread().getName()).isNotNull().isEqualTo(outer);
                    assertThat(b - a).isEqualTo(10);
                });
            });
        }
        assertThat(names.keySet()).anyMatch(n -> n.startsWith("sprig-kernel-"));
        assertThat(names).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void failuresInAnyChunkReachTheCaller() {
        assertThatThrownBy(() -> Parallel.forRange(10, 2, (from, to) -> {
            if (from > 0) {
                throw new IllegalArgumentException("chunk at " + from);
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("chunk at 5");
        // and the pool still works afterwards
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        Parallel.forRange(4, 2, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        assertThat(hits.get(3)).isEqualTo(1);
    }

    @Test
    void badThreadCounts() {
        assertThatThrownBy(() -> Parallel.setThreads(0)).hasMessageContaining("got 0");
    }
}
