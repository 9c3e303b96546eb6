package dev.sprig.cli;

import dev.sprig.data.DataLoader;
import dev.sprig.prune.Importance;
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
     * The criterion with the library's defaults (no normalization).
     *
     * @param taylorBatches a few batches of the task, asked for only by {@code taylor}
     * @param seed          the seed of {@code random}
     */
    Importance importance(Supplier<List<DataLoader.Batch>> taylorBatches, long seed) {
        return switch (this) {
            case L1 -> Importance.l1();
            case L2 -> Importance.l2();
            case TAYLOR -> Importance.taylor(taylorBatches.get());
            case BN_SCALE -> Importance.bnScale();
            case RANDOM -> Importance.random(seed);
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
