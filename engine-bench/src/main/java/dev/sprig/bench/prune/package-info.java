/**
 * Whether structured pruning pays in wall time: batch-1 latency and batch-64 throughput of the dense
 * and the physically shrunk ResNet-20, ResNet-18 and ViT at several keep ratios ({@code PruneBenchmark}),
 * next to the MAC reduction the shrink promises ({@code PruneCases}, a table printed without timing).
 * The goal is a measured speedup of at least 0.9 x the MAC reduction.
 */
package dev.sprig.bench.prune;
