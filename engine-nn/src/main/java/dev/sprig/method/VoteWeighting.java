package dev.sprig.method;

import java.util.List;

/** How neighbours' masks are weighted in the vote (METHOD.md step 3). */
public sealed interface VoteWeighting {
    /** Weights summing to 1, one per neighbour, in the neighbours' order. */
    double[] weights(List<Neighbour> neighbours);

    /** The default: {@code w_i = softmax(sim_i / tau)}; a small tau trusts the most similar task most. */
    record Softmax(double temperature) implements VoteWeighting {
        public Softmax {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("vote temperature must be > 0 and finite, got " + temperature);
            }
        }

        @Override
        public double[] weights(List<Neighbour> neighbours) {
            double[] w = new double[neighbours.size()];
            double max = Double.NEGATIVE_INFINITY;
            for (Neighbour n : neighbours) {
                max = Math.max(max, n.similarity() / temperature);
            }
            double sum = 0;
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.exp(neighbours.get(i).similarity() / temperature - max); // shifted by the max: no overflow
                sum += w[i];
            }
            for (int i = 0; i < w.length; i++) {
                w[i] /= sum;
            }
            return w;
        }
    }

    /** The plain vote: {@code w_i = 1/K}. */
    record Uniform() implements VoteWeighting {
        @Override
        public double[] weights(List<Neighbour> neighbours) {
            double[] w = new double[neighbours.size()];
            java.util.Arrays.fill(w, 1.0 / w.length);
            return w;
        }
    }
}
