package dev.sprig.kernels;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread pool every parallel kernel shares, and its configurable width.
 *
 * <p>The default thread count is {@code -Dsprig.threads=N} if set, otherwise
 * {@link Runtime#availableProcessors()}. {@link #setThreads(int)} changes it at run time.
 * Work is split into contiguous, statically assigned ranges so that results never depend on
 * scheduling: a kernel run on 1 thread and on N threads computes every output element with the
 * same sequence of floating-point operations.
 *
 * <p>Calls from inside a pool worker run inline (no nested parallelism, no deadlock).
 */
public final class Parallel {
    /** A task over the index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private static volatile int threads = initialThreads();
    private static volatile ExecutorService pool;
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> false);

    private Parallel() {}

    private static int initialThreads() {
        String prop = System.getProperty("sprig.threads");
        if (prop == null || prop.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(prop.trim());
            if (n < 1) {
                throw new IllegalArgumentException("sprig.threads must be >= 1, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sprig.threads must be an integer >= 1, got '" + prop + "'", e);
        }
    }

    /** The number of threads parallel kernels use. */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads parallel kernels use (1 = everything on the calling thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        threads = n;
    }

    /** True when called from one of the pool's worker threads. */
    public static boolean inWorker() {
        return IN_WORKER.get();
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    AtomicInteger id = new AtomicInteger();
                    ThreadFactory factory = r -> {
                        Thread t = new Thread(() -> {
                            IN_WORKER.set(true);
                            r.run();
                        }, "sprig-kernel-" + id.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    };
                    p = Executors.newCachedThreadPool(factory);
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into at most {@code parts} contiguous chunks,
     * the first on the calling thread. Chunk boundaries depend only on {@code n} and
     * {@code parts}.
     */
    public static void forRange(int n, int parts, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int p = Math.min(parts, n);
        if (p <= 1 || inWorker()) {
            task.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[p - 1];
        for (int i = 1; i < p; i++) {
            int from = (int) ((long) n * i / p);
            int to = (int) ((long) n * (i + 1) / p);
            futures[i - 1] = pool().submit(() -> task.run(from, to));
        }
        Throwable failure = null;
        try {
            task.run(0, (int) ((long) n / p));
        } catch (Throwable t) {
            failure = t;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("parallel kernel failed", failure);
        }
    }

    /** {@link #forRange(int, int, RangeTask)} over the configured thread count. */
    public static void forRange(int n, RangeTask task) {
        forRange(n, threads(), task);
    }
}
