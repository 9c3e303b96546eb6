package dev.sprig.cli;

import dev.sprig.data.DataLoader;
import dev.sprig.prune.Importance;
import dev.sprig.prune.RandomImportance;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;

/** The values of {@code sprig prune --importance}: the criteria of {@link Importance}, by their command-line names. */
enum ImportanceChoice {
    L1("l1"), L2("l2"), TAYLOR("taylor"), BN_SCALE("bn-scale"), RANDOM("random");

    private final String label;

    ImportanceChoice(String label) {
        this.label = label;
    }

    /** The command-line name. */
    String label() {
        return label;
    }

    /**
     * The criterion, each group's scores divided by their maximum: the iterative method ranks
     * units globally, across layers whose raw scores differ in scale (an L1 norm grows with a
     * filter's fan-in), as the experiment's bank method does.
     *
     * @param taylorBatches a few batches of the task, asked for only by {@code taylor}
     * @param seed          the seed of {@code random}
     */
    Importance importance(Supplier<List<DataLoader.Batch>> taylorBatches, long seed) {
        Importance.Normalization max = Importance.Normalization.MAX;
        return switch (this) {
            case L1 -> Importance.l1().withNormalization(max);
            case L2 -> Importance.l2().withNormalization(max);
            case TAYLOR -> Importance.taylor(taylorBatches.get()).withNormalization(max);
            case BN_SCALE -> Importance.bnScale().withNormalization(max);
            case RANDOM -> new RandomImportance(seed, max);
        };
    }

    /** The choice named {@code label}. */
    static ImportanceChoice ofLabel(String label) {
        for (ImportanceChoice c : values()) {
            if (c.label.equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown importance '" + label + "', expected one of " + labels());
    }

    /** Every command-line name, e.g. {@code [l1, l2, taylor, bn-scale, random]}. */
    static List<String> labels() {
        return Arrays.stream(values()).map(ImportanceChoice::label).toList();
    }

    /** Picocli's converter: an unknown name is a usage error (exit 2) naming it and the known ones. */
    static final class Converter implements CommandLine.ITypeConverter<ImportanceChoice> {
        @Override
        public ImportanceChoice convert(String value) {
            try {
                return ofLabel(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
