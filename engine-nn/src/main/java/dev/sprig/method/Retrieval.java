package dev.sprig.method;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/** Finding the bank tasks most like a new one (METHOD.md step 2), and the random control. */
public final class Retrieval {
    private Retrieval() {}

    /**
     * The {@code k} entries most similar to {@code target}, most similar first; equal similarities
     * keep bank order. Fewer than {@code k} entries in the bank is an error: the method's K is a
     * setting a user must be able to trust.
     */
    public static List<Neighbour> topK(List<BankEntry> bank, TaskEmbedding target, TaskSimilarity similarity, int k) {
        checkK(bank, k);
        List<Neighbour> all = new ArrayList<>();
        for (BankEntry e : bank) {
            all.add(new Neighbour(e, similarity.between(target, e.embedding())));
        }
        // A stable sort: ties stay in bank order.
        all.sort(Comparator.comparingDouble((Neighbour n) -> n.similarity()).reversed());
        return List.copyOf(all.subList(0, k));
    }

    /**
     * {@code k} entries drawn at random (seeded, without replacement), with their true similarities:
     * the control that shows whether similarity matters.
     */
    public static List<Neighbour> randomK(List<BankEntry> bank, TaskEmbedding target, TaskSimilarity similarity, int k, long seed) {
        checkK(bank, k);
        List<BankEntry> pool = new ArrayList<>(bank);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Neighbour> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            BankEntry e = pool.remove(rng.nextInt(pool.size()));
            out.add(new Neighbour(e, similarity.between(target, e.embedding())));
        }
        return List.copyOf(out);
    }

    private static void checkK(List<BankEntry> bank, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("K (neighbours) must be >= 1, got " + k);
        }
        if (bank.size() < k) {
            throw new IllegalArgumentException("K=" + k + " neighbours asked of a mask bank with " + bank.size() + " entries");
        }
    }
}
