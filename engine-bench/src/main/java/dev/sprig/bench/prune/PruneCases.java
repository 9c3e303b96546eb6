package dev.sprig.bench.prune;

import dev.sprig.nn.ModelStats;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.prune.FineTuner;
import dev.sprig.prune.Importance;
import dev.sprig.prune.OneShotPruner;
import dev.sprig.prune.PruneReport;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.Selection;

/**
 * The models {@link PruneBenchmark} measures, shrunk the way the library prunes one shot, and a
 * table of their sizes: run {@code main} to print, for every model, keep ratio and rounding, the
 * parameters and MACs of the shrunk model and the MAC reduction (dense MACs / shrunk MACs), the
 * speedup a perfectly efficient engine would show.
 */
public final class PruneCases {
    /** Keep ratios and roundings of the benchmark, in the order of its {@code @Param}s. */
    static final double[] KEEPS = {1.0, 0.75, 0.5, 0.25};
    static final int[] ROUND_TO = {1, 8};
    static final long MODEL_SEED = 0;

    private PruneCases() {}

    /** The benchmarked models, all on 3x32x32 input with 10 classes. */
    public enum Model {
        /** CIFAR ResNet-20: three stages of 16, 32, 64 channels. */
        RESNET20,
        /** ResNet-18 (64..512 channels) with the small-input stem: a 3x3 stride-1 conv and no max pool. */
        RESNET18,
        /** The small ViT (d=96, 6 blocks of 3 heads x 32, MLP 192) with 4x4 patches: 64 patches and a class token. */
        VIT;

        /** The input shape without the batch dimension. */
        int[] input() {
            return new int[] {3, 32, 32};
        }

        /** A fresh dense model from {@code seed}, in eval mode. */
        Module build(long seed) {
            Module m = switch (this) {
                case RESNET20 -> new ResNet(ResNetConfig.resnet20(3, 10), seed);
                case RESNET18 -> new ResNet(ResNetConfig.resnet18(3, 10, ResNetConfig.Stem.SMALL), seed);
                case VIT -> new ViT(ViTConfig.small(3, 32, 4, 10), seed);
            };
            m.eval();
            return m;
        }
    }

    /**
     * A model of the benchmark and its sizes.
     *
     * @param model  the shrunk model (the dense one at keep 1), in eval mode
     * @param dense  the dense model's parameters and MACs per image
     * @param shrunk the shrunk model's
     */
    public record Pruned(Module model, ModelStats dense, ModelStats shrunk) {
        /** Dense MACs / shrunk MACs: the speedup the shrink promises. */
        public double macReduction() {
            return (double) dense.macs() / shrunk.macs();
        }
    }

    /**
     * Builds {@code m} and, for {@code keep < 1}, prunes it as {@link OneShotPruner} does with the
     * graph's default exclusions (the stem's input channels and the classifier's classes): L1 filter
     * norms, every prunable group keeping {@code ceil(keep x units)} of its best units rounded up to a
     * multiple of {@code roundTo}, then a physical shrink, without fine-tuning.
     *
     * @throws IllegalStateException if a shrunk model does not have strictly fewer MACs than the dense one
     */
    public static Pruned prune(Model m, double keep, int roundTo) {
        Module model = m.build(MODEL_SEED);
        if (keep == 1.0) {
            ModelStats dense = ModelStats.of(model, m.input());
            return new Pruned(model, dense, dense);
        }
        PruningGraph graph = PruningGraph.of(model, m.input());
        Selection selection = Selection.uniform(Selection.keepRatio(keep)).roundTo(roundTo);
        PruneReport report = new OneShotPruner(Importance.l1(), selection, FineTuner.NONE).prune(model, graph, null).report();
        model.eval();
        if (report.after().macs() >= report.before().macs()) {
            throw new IllegalStateException(String.format("%s at keep %s, roundTo %d: the shrunk model has %,d MACs, expected fewer than"
                    + " the dense model's %,d", m, keep, roundTo, report.after().macs(), report.before().macs()));
        }
        return new Pruned(model, report.before(), report.after());
    }

    /** Prints the markdown table of every (model, keep, roundTo) case of {@link PruneBenchmark}. */
    public static void main(String[] args) {
        System.out.println("| model | keep | roundTo | parameters | MMACs | MAC reduction |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Model m : Model.values()) {
            for (double keep : KEEPS) {
                for (int roundTo : ROUND_TO) {
                    Pruned p = prune(m, keep, roundTo);
                    System.out.printf("| %s | %.2f | %d | %,d | %.2f | %.2fx |%n", m, keep, roundTo, p.shrunk().parameters(),
                            p.shrunk().macs() / 1e6, p.macReduction());
                }
            }
        }
    }
}
