package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.data.DataLoader;
import dev.sprig.method.experiment.PruneMethod;
import dev.sprig.method.experiment.TaskHeads;
import dev.sprig.nn.Module;
import dev.sprig.nn.models.ModelFile;
import dev.sprig.prune.Importance;
import dev.sprig.prune.PruningGraph;
import dev.sprig.prune.TaylorImportance;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sprig prune}'s method, {@code --importance} and {@code --rounds} options: parsing, validation and one iterative run. */
class PruneCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** The options are checked before the file is read, so an existing file that is no model serves the error cases. */
    private static CliRun prune(Path dir, String... options) throws IOException {
        Path model = dir.resolve("theta.safetensors");
        if (!Files.exists(model)) {
            Files.writeString(model, "not a model");
        }
        String[] args = new String[options.length + 8];
        String[] fixed = {"prune", model.toString(), "--classes", "0,1,2", "--keep", "0.5", "--out", dir.resolve("out.safetensors").toString()};
        System.arraycopy(fixed, 0, args, 0, fixed.length);
        System.arraycopy(options, 0, args, fixed.length, options.length);
        return run(args);
    }

    private static PruneCommand parse(String... options) {
        PruneCommand c = new PruneCommand();
        String[] args = new String[options.length + 7];
        String[] fixed = {"m.safetensors", "--classes", "0,1", "--keep", "0.5", "--out", "o.safetensors"};
        System.arraycopy(fixed, 0, args, 0, fixed.length);
        System.arraycopy(options, 0, args, fixed.length, options.length);
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void importanceAndRoundsParseAndDefaultToTodaysTaylorAndFiveRounds() {
        PruneCommand none = parse("--method", "iterative");
        assertThat(none.importance).isNull();
        assertThat(none.rounds).isNull();
        assertThat(PruneCommand.DEFAULT_ROUNDS).isEqualTo(5);
        assertThat(parse("--method", "iterative", "--rounds", "3").rounds).isEqualTo(3);
        for (ImportanceChoice c : ImportanceChoice.values()) {
            assertThat(parse("--method", "iterative", "--importance", c.label()).importance).isEqualTo(c);
        }
        assertThat(ImportanceChoice.labels()).containsExactly("l1", "l2", "taylor", "bn-scale", "random");
    }

    @Test
    void eachImportanceNameGivesTheLibrarysCriterion() {
        AtomicInteger asked = new AtomicInteger();
        List<DataLoader.Batch> one = List.of(new DataLoader.Batch(Tensor.zeros(1, 3, 4, 4), new int[] {0}));
        Supplier<List<DataLoader.Batch>> batches = () -> {
            asked.incrementAndGet();
            return one;
        };
        // max-normalised per group: the iterative method ranks units across layers
        Importance.Normalization max = Importance.Normalization.MAX;
        assertThat(ImportanceChoice.L1.importance(batches, 7)).isEqualTo(Importance.l1().withNormalization(max));
        assertThat(ImportanceChoice.L2.importance(batches, 7)).isEqualTo(Importance.l2().withNormalization(max));
        assertThat(ImportanceChoice.BN_SCALE.importance(batches, 7)).isEqualTo(Importance.bnScale().withNormalization(max));
        assertThat(ImportanceChoice.RANDOM.importance(batches, 7)).isEqualTo(new dev.sprig.prune.RandomImportance(7, max));
        assertThat(asked).as("only taylor needs the task's batches").hasValue(0);
        assertThat(ImportanceChoice.TAYLOR.importance(batches, 7)).isInstanceOf(TaylorImportance.class)
                .isEqualTo(Importance.taylor(one).withNormalization(max));
        assertThat(asked).hasValue(1);
        assertThatThrownBy(() -> ImportanceChoice.ofLabel("L1")).hasMessageContaining("'L1'").hasMessageContaining("bn-scale");
    }

    @Test
    void roundsAndImportanceWithAOneShotMethodAreErrorsNamingTheOptionAndTheMethod(@TempDir Path dir) throws IOException {
        CliRun rounds = prune(dir, "--method", "one-shot-l1", "--rounds", "3");
        assertThat(rounds.exit()).isEqualTo(1);
        assertThat(rounds.err()).contains("--rounds 3 applies to --method iterative only, not to --method one-shot-l1");
        CliRun roundsDefault = prune(dir, "--rounds", "2");
        assertThat(roundsDefault.exit()).isEqualTo(1);
        assertThat(roundsDefault.err()).contains("not to --method similar-task");
        CliRun importance = prune(dir, "--method", "one-shot-taylor", "--importance", "l2");
        assertThat(importance.exit()).isEqualTo(1);
        assertThat(importance.err()).contains("--importance l2 applies to --method iterative only, not to --method one-shot-taylor")
                .contains("scores by taylor");
        CliRun random = prune(dir, "--method", "random", "--importance", "random");
        assertThat(random.exit()).isEqualTo(1);
        assertThat(random.err()).contains("not to --method random");
        CliRun neighbours = prune(dir, "--method", "random-neighbours", "--importance", "l1");
        assertThat(neighbours.exit()).isEqualTo(1);
        assertThat(neighbours.err()).contains("not to --method random-neighbours").contains("bank");
    }

    @Test
    void badRoundsAndUnknownImportanceAreRefused(@TempDir Path dir) throws IOException {
        for (String n : new String[] {"0", "-2"}) {
            CliRun bad = prune(dir, "--method", "iterative", "--rounds", n);
            assertThat(bad.exit()).as(n).isEqualTo(1);
            assertThat(bad.err()).contains("--rounds must be >= 1, got " + n);
        }
        CliRun notANumber = prune(dir, "--method", "iterative", "--rounds", "two");
        assertThat(notANumber.exit()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--rounds").contains("two");
        CliRun unknown = prune(dir, "--method", "iterative", "--importance", "fisher");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--importance").contains("unknown importance 'fisher'")
                .contains("[l1, l2, taylor, bn-scale, random]");
    }

    @Test
    void denseIsRefusedAndAnUnknownMethodListsOnlyThePruningOnes(@TempDir Path dir) throws IOException {
        CliRun dense = prune(dir, "--method", "dense");
        assertThat(dense.exit()).isEqualTo(1);
        assertThat(dense.err()).contains("--method dense prunes nothing").contains("sprig eval").contains("iterative");
        assertThat(dense.err()).contains("pick one of [similar-task, random-neighbours, one-shot-l1, one-shot-taylor, random, iterative]");
        CliRun unknown = prune(dir, "--method", "magnitude");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown --method 'magnitude', expected one of "
                + "[similar-task, random-neighbours, one-shot-l1, one-shot-taylor, random, iterative]");
        for (PruneMethod m : PruneMethod.values()) {
            if (m != PruneMethod.DENSE) {
                assertThat(PruneCommand.pruneMethod(m.label())).isEqualTo(m);
            }
        }
    }

    @Test
    void helpDescribesTheNewOptions() {
        CliRun help = run("prune", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--importance=CRITERION").contains("bn-scale").contains("--rounds=N").contains("(default: 5)")
                .contains("(default: taylor)");
    }

    @Test
    void iterativeWithTwoRoundsOfL1WritesAModelWithinTheKeepRatio(@TempDir Path dir) throws IOException {
        CliRun train = run("train", "--data", "shapes", "--model", "resnet8", "--width", "0.5", "--limit", "64", "--batch", "32",
                "--epochs", "1", "--out", dir.resolve("theta").toString(), "--seed", "1");
        assertThat(train.exit()).as(train.err()).isZero();
        Path theta = dir.resolve("theta/model.safetensors");
        Path out = dir.resolve("pruned.safetensors");
        int[] classes = {0, 5, 9};
        CliRun r = run("prune", theta.toString(), "--classes", "0,5,9", "--keep", "0.5", "--method", "iterative", "--rounds", "2",
                "--importance", "l1", "--train-per-class", "12", "--finetune", "8", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("task test accuracy");
        assertThat(Files.isRegularFile(out)).isTrue();

        // The budget: --keep of θ0's parameters with the task's head, as the command counts them.
        Module withHead = ModelFile.load(theta).model();
        TaskHeads.attach(withHead, classes, true, 0);
        long before = PruningGraph.of(withHead, 3, 32, 32).cost().parameters();
        ModelFile.Loaded pruned = ModelFile.load(out);
        long after = PruningGraph.of(pruned.model(), 3, 32, 32).cost().parameters();
        assertThat(after).as("parameters of %s against %d before", out, before).isLessThanOrEqualTo(before / 2).isGreaterThan(before / 4);

        Map<String, String> meta = pruned.metadata();
        assertThat(meta).containsEntry("prune.method", "iterative").containsEntry("prune.importance", "l1")
                .containsEntry("prune.rounds", "2").containsEntry("task.classes", "0,5,9");
        // 2 rounds of max(1, 8 / (2·2)) = 2 iterations leave 4 of --finetune 8 (5 rounds would leave 3).
        assertThat(meta).containsEntry("prune.finetune_iterations", "4");
    }
}
