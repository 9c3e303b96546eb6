package dev.sprig.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads every parallel kernel shares, and their configurable count.
 *
 * <p>The default thread count is {@code -Dsprig.threads=N} if set, otherwise
 * {@link Runtime#availableProcessors()}. {@link #setThreads(int)} changes it at run time.
 * Work is split into contiguous, statically assigned ranges so that results never depend on
 * scheduling: the kernels compute every output element with the same sequence of floating-point
 * operations whatever the thread count.
 *
 * <p>Hand-off is cheap because training calls kernels back to back: the workers are persistent
 * and, after finishing a task, spin for {@link #SPIN_NANOS} waiting for the next before parking
 * (a {@code Future} on a thread pool cost about 45 µs per call here, from the GEMM benchmark's
 * 128³ case on one and two threads; see docs/BENCHMARKS.md).
 *
 * <p>Calls from a worker, and calls made while another call is running (nested or from another
 * thread), run inline on the calling thread: no nested parallelism, no deadlock, same results.
 */
public final class Parallel {
    /** A task over the index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** How long an idle worker spins before parking. */
    static final long SPIN_NANOS = 200_000;

    private static volatile int threads = initialThreads();
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> false);
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static Worker[] workers = new Worker[0];

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
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        threads = n;
    }

    /** True when called from one of the worker threads. */
    public static boolean inWorker() {
        return IN_WORKER.get();
    }

    /** A persistent worker: runs the task put in its slot, then spins, then parks, waiting for the next. */
    private static final class Worker implements Runnable {
        volatile Runnable task;
        final Thread thread;

        Worker(int id) {
            thread = new Thread(this, "sprig-kernel-" + id);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            IN_WORKER.set(true);
            while (true) {
                Runnable t = task;
                if (t == null) {
                    long spinUntil = System.nanoTime() + SPIN_NANOS;
                    while ((t = task) == null && System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    }
                    while ((t = task) == null) {
                        LockSupport.park(this);
                    }
                }
                task = null;
                t.run();
            }
        }

        void submit(Runnable r) {
            task = r;
            LockSupport.unpark(thread);
        }
    }

    private static Worker[] workers(int count) {
        Worker[] w = workers;
        if (w.length < count) {
            synchronized (Parallel.class) {
                w = workers;
                if (w.length < count) {
                    Worker[] grown = java.util.Arrays.copyOf(w, count);
                    for (int i = w.length; i < count; i++) {
                        grown[i] = new Worker(i + 1);
                    }
                    workers = grown;
                    w = grown;
                }
            }
        }
        return w;
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
        if (p <= 1 || inWorker() || !BUSY.compareAndSet(false, true)) {
            task.run(0, n);
            return;
        }
        try {
            Worker[] w = workers(p - 1);
            AtomicInteger pending = new AtomicInteger(p - 1);
            Throwable[] failures = new Throwable[p];
            for (int i = 1; i < p; i++) {
                int from = (int) ((long) n * i / p);
                int to = (int) ((long) n * (i + 1) / p);
                int slot = i;
                w[i - 1].submit(() -> {
                    try {
                        task.run(from, to);
                    } catch (Throwable t) {
                        failures[slot] = t;
                    } finally {
                        pending.decrementAndGet();
                    }
                });
            }
            try {
                task.run(0, (int) ((long) n / p));
            } catch (Throwable t) {
                failures[0] = t;
            }
            while (pending.get() > 0) {
                Thread.onSpinWait();
            }
            for (Throwable f : failures) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                if (f != null) {
                    throw new IllegalStateException("parallel kernel failed", f);
                }
            }
        } finally {
            BUSY.set(false);
        }
    }

    /** {@link #forRange(int, int, RangeTask)} over the configured thread count. */
    public static void forRange(int n, RangeTask task) {
        forRange(n, threads(), task);
    }
}
