/**
 * Data: readers for IDX (MNIST, Fashion-MNIST) and CIFAR binary batches, labelled image sets,
 * class-subset tasks, augmentation, normalisation and a seeded, prefetching data loader.
 */
package dev.sprig.data;
