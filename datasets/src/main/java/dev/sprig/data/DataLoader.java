package dev.sprig.data;

import dev.sprig.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches of a {@link LabeledImages} set: shuffled per epoch (seeded by seed and epoch),
 * augmented per image (seeded by seed, epoch and position), normalised, and prepared on a
 * background thread a few batches ahead so that the kernels never wait for data.
 *
 * <p>The same (seed, epoch) gives the same batches in the same order, and
 * {@link #epoch(int, int)} can start an epoch at any batch, which is how training resumes.
 */
public final class DataLoader {
    /** The batches of one epoch; close it when stopping early so the prefetch thread ends. */
    public interface Batches extends Iterator<Batch>, AutoCloseable {
        @Override
        void close();
    }

    /** One batch: {@code images [n, c, h, w]} and {@code labels [n]}. */
    public record Batch(Tensor images, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    private final LabeledImages data;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final Augment augment;
    private final Normalize normalize;
    private final int prefetch;

    private DataLoader(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.augment = b.augment;
        this.normalize = b.normalize;
        this.prefetch = b.prefetch;
    }

    public static Builder builder(LabeledImages data, int batchSize) {
        return new Builder(data, batchSize);
    }

    /** Required: the data and the batch size; everything else has a default. */
    public static final class Builder {
        private final LabeledImages data;
        private final int batchSize;
        private boolean shuffle = true;
        private boolean dropLast = false;
        private long seed = 0;
        private Augment augment = new Augment.None();
        private Normalize normalize;
        private int prefetch = 2;

        private Builder(LabeledImages data, int batchSize) {
            if (data == null) {
                throw new IllegalArgumentException("data loader needs data");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.data = data;
            this.batchSize = batchSize;
        }

        /** Shuffle each epoch (default true). */
        public Builder shuffle(boolean on) {
            this.shuffle = on;
            return this;
        }

        /** Drop a last, smaller batch (default false). */
        public Builder dropLast(boolean on) {
            this.dropLast = on;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder augment(Augment a) {
            this.augment = a;
            return this;
        }

        /** Normalisation applied after augmentation (default: values as stored). */
        public Builder normalize(Normalize n) {
            this.normalize = n;
            return this;
        }

        /** Batches prepared ahead on a background thread (0 = prepare on the calling thread). */
        public Builder prefetch(int batches) {
            if (batches < 0) {
                throw new IllegalArgumentException("prefetch must be >= 0, got " + batches);
            }
            this.prefetch = batches;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        int n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public LabeledImages data() {
        return data;
    }

    /** The batches of epoch {@code epoch}. */
    public Batches epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** The batches of epoch {@code epoch} from batch {@code firstBatch} on (for resuming). */
    public Batches epoch(int epoch, int firstBatch) {
        int batches = batchesPerEpoch();
        if (firstBatch < 0 || firstBatch > batches) {
            throw new IllegalArgumentException("first batch " + firstBatch + " is out of range for an epoch of " + batches + " batches");
        }
        int[] order = order(epoch);
        if (prefetch == 0) {
            return new Batches() {
                int b = firstBatch;

                @Override
                public void close() {
                    b = batches;
                }

                @Override
                public boolean hasNext() {
                    return b < batches;
                }

                @Override
                public Batch next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return make(order, epoch, b++);
                }
            };
        }
        return new Prefetcher(order, epoch, firstBatch, batches);
    }

    private int[] order(int epoch) {
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch, -1));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    private static long mix(long seed, long epoch, long index) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    private Batch make(int[] order, int epoch, int b) {
        int from = b * batchSize;
        int to = Math.min(order.length, from + batchSize);
        int n = to - from;
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int per = c * h * w;
        float[] out = new float[n * per]; // [n, c, h, w]
        int[] labels = new int[n];
        float[] img = new float[per];
        float[] scratch = new float[per];
        for (int k = 0; k < n; k++) {
            int idx = order[from + k];
            System.arraycopy(data.images(), idx * per, img, 0, per);
            augment.apply(img, scratch, c, h, w, new SplittableRandom(mix(seed, epoch, from + k)));
            if (normalize != null) {
                normalize.apply(img, 0, c, h * w);
            }
            System.arraycopy(img, 0, out, k * per, per);
            labels[k] = data.labels()[idx];
        }
        return new Batch(Tensor.fromStorage(out, n, c, h, w), labels);
    }

    /** Prepares batches on a daemon thread into a bounded queue; failures surface on {@code next()}. */
    private final class Prefetcher implements Batches {
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(prefetch);
        private final int batches;
        private int consumed;
        private final Thread worker;

        Prefetcher(int[] order, int epoch, int first, int batches) {
            this.batches = batches;
            this.consumed = first;
            this.worker = new Thread(() -> {
                try {
                    for (int b = first; b < batches; b++) {
                        queue.put(make(order, epoch, b));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    queue.offer(e);
                }
            }, "sprig-prefetch");
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public boolean hasNext() {
            return consumed < batches;
        }

        /** Stops the worker (it may be blocked on a full queue) and drops what it prepared. */
        @Override
        public void close() {
            consumed = batches;
            worker.interrupt();
            queue.clear();
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                worker.interrupt();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a batch", e);
            }
            if (o instanceof RuntimeException re) {
                throw new IllegalStateException("preparing a batch failed: " + re.getMessage(), re);
            }
            if (o instanceof Error err) {
                throw err;
            }
            consumed++;
            return (Batch) o;
        }
    }
}
