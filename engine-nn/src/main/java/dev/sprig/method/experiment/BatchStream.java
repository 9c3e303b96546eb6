package dev.sprig.method.experiment;

import dev.sprig.data.DataLoader;

/** Batches without end: the loader's epochs one after another (each shuffled by its epoch number). */
final class BatchStream implements AutoCloseable {
    private final DataLoader loader;
    private int epoch;
    private DataLoader.Batches current;

    BatchStream(DataLoader loader) {
        this.loader = loader;
    }

    DataLoader.Batch next() {
        if (current == null || !current.hasNext()) {
            if (current != null) {
                current.close();
                epoch++;
            }
            current = loader.epoch(epoch);
            if (!current.hasNext()) {
                throw new IllegalArgumentException("the training data gives no batch (" + loader.data().size() + " samples)");
            }
        }
        return current.next();
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
        }
    }
}
