package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SprigCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void trainsOnTheGeneratedShapesWritesACheckpointAndResumes(@TempDir Path dir) {
        CliRun r = run("train", "--data", "shapes", "--model", "resnet20", "--limit", "96", "--batch", "32", "--epochs", "1",
                "--out", dir.toString(), "--seed", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("resnet20 on shapes").contains("3 steps of 32").contains("test accuracy");
        assertThat(Files.exists(dir.resolve("last.safetensors"))).isTrue();
        // a second run with the same --out resumes at the end: no step left, same evaluation
        CliRun again = run("train", "--data", "shapes", "--model", "resnet20", "--limit", "96", "--batch", "32", "--epochs", "1",
                "--out", dir.toString(), "--seed", "3");
        assertThat(again.exit()).isZero();
        String acc = r.out().substring(r.out().indexOf("test accuracy"), r.out().indexOf("(loss"));
        assertThat(again.out()).contains(acc);

        // the trained model, loaded from its file alone, evaluates to the accuracy training reported
        Path model = dir.resolve("model.safetensors");
        assertThat(r.out()).contains("model written to " + model);
        CliRun eval = run("eval", model.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        String pct = acc.substring("test accuracy ".length()).trim();
        assertThat(eval.out()).contains("shapes test: accuracy " + pct).contains("parameters").contains("MMACs");
        CliRun notModel = run("eval", dir.resolve("last.safetensors").toString());
        assertThat(notModel.exit()).isEqualTo(1);
        assertThat(notModel.err()).contains("last.safetensors").contains("not a Sprig model file");
        CliRun wrongData = run("eval", model.toString(), "--data", "fashion_mnist");
        assertThat(wrongData.exit()).isEqualTo(1);
        Path onnx = dir.resolve("model.onnx");
        CliRun export = run("export", model.toString(), "--out", onnx.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        assertThat(export.out()).contains("[n, 3, 32, 32]");
        assertThat(Files.exists(onnx)).isTrue();
        CliRun badInput = run("export", model.toString(), "--out", onnx.toString(), "--input", "3,0,32");
        assertThat(badInput.exit()).isEqualTo(1);
        assertThat(badInput.err()).contains("--input must be three positive sizes");
        CliRun missing = run("eval", dir.resolve("nope.safetensors").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.safetensors does not exist");
    }

    @Test
    void badOptionsGiveClearErrorsAndExitCodes() {
        CliRun zero = run("train", "--epochs", "0", "--data", "shapes");
        assertThat(zero.exit()).isEqualTo(1);
        assertThat(zero.err()).contains("--epochs must be > 0, got 0.0");
        CliRun unknown = run("train", "--model", "resnet99");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("resnet99").contains("resnet20");
        CliRun badOut = run("train", "--data", "shapes", "--out", "/proc/forbidden/run");
        assertThat(badOut.exit()).isEqualTo(1);
        assertThat(badOut.err()).contains("--out /proc/forbidden/run cannot be created");
        CliRun threads = run("demo", "--threads", "0");
        assertThat(threads.exit()).isEqualTo(1);
        assertThat(threads.err()).contains("--threads must be >= 1, got 0");
    }

    @Test
    void aConfigFileWithoutANameNamesTheExperiment(@TempDir Path dir) throws java.io.IOException {
        Path cfg = dir.resolve("my-sweep.json");
        Files.writeString(cfg, "{\"preset\": \"demo\", \"targetTasks\": 2}");
        ExperimentCommand c = new ExperimentCommand();
        c.preset = "demo";
        c.config = cfg;
        assertThat(c.config().name()).isEqualTo("my-sweep");
        assertThat(c.config().targetTasks()).isEqualTo(2);
        Files.writeString(cfg, "{\"preset\": \"demo\", \"name\": \"given\"}");
        assertThat(c.config().name()).isEqualTo("given");
    }

    @Test
    void aTinyExperimentFromAConfigFileWritesTheReportWithEveryMethod(@TempDir Path dir) throws java.io.IOException {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, """
                {"preset": "demo", "name": "tiny", "shapesTrainPerClass": 12, "shapesTestPerClass": 6, "model": "resnet8",
                 "widthMultiplier": 0.5, "pretrainEpochs": 1, "pretrainBatch": 32, "trainPerClass": 12, "testPerClass": 6,
                 "bankTasks": 4, "targetTasks": 2, "keepRatios": [0.5], "bankRounds": 2, "bankStepsPerRound": 2, "neighbours": 2,
                 "embeddingPerClass": 4, "finetuneBudgets": [0, 4], "finetuneBatch": 8, "iterativeRounds": 2}
                """);
        Path out = dir.resolve("run");
        CliRun r = run("experiment", "--config", cfg.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        for (String m : new String[] {"similar-task", "random-neighbours", "one-shot-l1", "one-shot-taylor", "random", "iterative", "dense"}) {
            assertThat(r.out()).contains(m);
        }
        assertThat(r.out()).contains("Report: " + out.resolve("report.md"));
        assertThat(Files.readString(out.resolve("report.md"))).contains("| similar-task |").contains("## Keep ratio 0.50");
        assertThat(Files.exists(out.resolve("results.json"))).isTrue();
        assertThat(Files.exists(out.resolve("plots/accuracy-vs-iterations-keep0.50.png"))).isTrue();

        // The run's θ0 and bank serve the single-task commands.
        Path theta = out.resolve("pretrained/model.safetensors");
        Path bank;
        try (var files = Files.list(out)) {
            bank = files.filter(p -> p.getFileName().toString().startsWith("bank-")).findFirst().orElseThrow();
        }
        assertThat(r.out()).contains("mask bank: " + bank);
        CliRun list = run("bank", "list", bank.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("4 entries").contains("iterative-taylor");
        Path pruned = dir.resolve("pruned.safetensors");
        CliRun prune = run("prune", theta.toString(), "--classes", "0,5,9", "--keep", "0.5", "--bank", bank.toString(),
                "--neighbours", "2", "--train-per-class", "12", "--finetune", "4", "--out", pruned.toString());
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.out()).contains("neighbour ").contains("task test accuracy")
                .contains("BatchNorm statistics recalibrated on 8 batches");
        CliRun eval = run("eval", pruned.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("shapes test: accuracy");
        CliRun ft = run("finetune", pruned.toString(), "--iterations", "4", "--every", "2", "--train-per-class", "12", "--out",
                dir.resolve("tuned.safetensors").toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        assertThat(ft.out()).contains("iteration     4: test accuracy");
        CliRun l1 = run("prune", theta.toString(), "--classes", "1,2,3", "--params", "5000", "--method", "one-shot-l1", "--round-to", "4",
                "--train-per-class", "12", "--recalibrate-bn", "0", "--out", dir.resolve("l1.safetensors").toString());
        assertThat(l1.exit()).as(l1.err()).isZero();
        assertThat(l1.out()).doesNotContain("recalibrated");
        CliRun badRecal = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--method", "random", "--recalibrate-bn", "-1",
                "--out", pruned.toString());
        assertThat(badRecal.exit()).isEqualTo(1);
        assertThat(badRecal.err()).contains("--recalibrate-bn must be >= 0, got -1");
        CliRun noBank = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--out", pruned.toString());
        assertThat(noBank.exit()).isEqualTo(1);
        assertThat(noBank.err()).contains("needs --bank");
        CliRun badKeep = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "1.5", "--method", "random", "--out", pruned.toString());
        assertThat(badKeep.err()).contains("--keep must be in (0, 1], got 1.5");
        CliRun both = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--params", "10", "--out", pruned.toString());
        assertThat(both.exit()).isEqualTo(2);
        CliRun tooSmall = run("prune", theta.toString(), "--classes", "1,2,3", "--params", "10", "--method", "random", "--out",
                pruned.toString());
        assertThat(tooSmall.exit()).isEqualTo(1);
        assertThat(tooSmall.err()).contains("10");

        Files.writeString(cfg, "{\"preset\": \"demo\", \"bankTask\": 3}");
        CliRun bad = run("experiment", "--config", cfg.toString(), "--out", out.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("unknown experiment setting 'bankTask'");
        CliRun preset = run("experiment", "--preset", "huge");
        assertThat(preset.exit()).isEqualTo(1);
        assertThat(preset.err()).contains("unknown experiment preset 'huge'");
        assertThat(run("demo", "--help").out()).contains("no install");
    }
}
