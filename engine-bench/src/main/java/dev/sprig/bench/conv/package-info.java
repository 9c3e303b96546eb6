/** Shared shapes and data for the convolution benchmarks (Sprig and ND4J side by side). */
package dev.sprig.bench.conv;
