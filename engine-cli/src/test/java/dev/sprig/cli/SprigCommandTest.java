package dev.sprig.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SprigCommandTest {

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = SprigCommand.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainsOnTheGeneratedShapesWritesACheckpointAndResumes(@TempDir Path dir) {
        Run r = run("train", "--data", "shapes", "--model", "resnet20", "--limit", "96", "--batch", "32", "--epochs", "1",
                "--out", dir.toString(), "--seed", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("resnet20 on shapes").contains("3 steps of 32").contains("test accuracy");
        assertThat(Files.exists(dir.resolve("last.safetensors"))).isTrue();
        // a second run with the same --out resumes at the end: no step left, same evaluation
        Run again = run("train", "--data", "shapes", "--model", "resnet20", "--limit", "96", "--batch", "32", "--epochs", "1",
                "--out", dir.toString(), "--seed", "3");
        assertThat(again.exit()).isZero();
        String acc = r.out().substring(r.out().indexOf("test accuracy"), r.out().indexOf("(loss"));
        assertThat(again.out()).contains(acc);

        // the trained model, loaded from its file alone, evaluates to the accuracy training reported
        Path model = dir.resolve("model.safetensors");
        assertThat(r.out()).contains("model written to " + model);
        Run eval = run("eval", model.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        String pct = acc.substring("test accuracy ".length()).trim();
        assertThat(eval.out()).contains("shapes test: accuracy " + pct).contains("parameters").contains("MMACs");
        Run notModel = run("eval", dir.resolve("last.safetensors").toString());
        assertThat(notModel.exit()).isEqualTo(1);
        assertThat(notModel.err()).contains("last.safetensors").contains("not a Sprig model file");
        Run wrongData = run("eval", model.toString(), "--data", "fashion_mnist");
        assertThat(wrongData.exit()).isEqualTo(1);
        Path onnx = dir.resolve("model.onnx");
        Run export = run("export", model.toString(), "--out", onnx.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        assertThat(export.out()).contains("[n, 3, 32, 32]");
        assertThat(Files.exists(onnx)).isTrue();
        Run badInput = run("export", model.toString(), "--out", onnx.toString(), "--input", "3,0,32");
        assertThat(badInput.exit()).isEqualTo(1);
        assertThat(badInput.err()).contains("--input must be three positive sizes");
        Run missing = run("eval", dir.resolve("nope.safetensors").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.safetensors does not exist");
    }

    @Test
    void badOptionsGiveClearErrorsAndExitCodes() {
        Run zero = run("train", "--epochs", "0", "--data", "shapes");
        assertThat(zero.exit()).isEqualTo(1);
        assertThat(zero.err()).contains("--epochs must be > 0, got 0.0");
        Run unknown = run("train", "--model", "resnet99");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("resnet99").contains("resnet20");
        Run badOut = run("train", "--data", "shapes", "--out", "/proc/forbidden/run");
        assertThat(badOut.exit()).isEqualTo(1);
        assertThat(badOut.err()).contains("--out /proc/forbidden/run cannot be created");
        Run threads = run("demo", "--threads", "0");
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
        Run r = run("experiment", "--config", cfg.toString(), "--out", out.toString());
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
        Run list = run("bank", "list", bank.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("4 entries").contains("iterative-taylor");
        Path pruned = dir.resolve("pruned.safetensors");
        Run prune = run("prune", theta.toString(), "--classes", "0,5,9", "--keep", "0.5", "--bank", bank.toString(),
                "--neighbours", "2", "--train-per-class", "12", "--finetune", "4", "--out", pruned.toString());
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.out()).contains("neighbour ").contains("task test accuracy")
                .contains("BatchNorm statistics recalibrated on 8 batches");
        Run eval = run("eval", pruned.toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("shapes test: accuracy");
        Run ft = run("finetune", pruned.toString(), "--iterations", "4", "--every", "2", "--train-per-class", "12", "--out",
                dir.resolve("tuned.safetensors").toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        assertThat(ft.out()).contains("iteration     4: test accuracy");
        Run l1 = run("prune", theta.toString(), "--classes", "1,2,3", "--params", "5000", "--method", "one-shot-l1", "--round-to", "4",
                "--train-per-class", "12", "--recalibrate-bn", "0", "--out", dir.resolve("l1.safetensors").toString());
        assertThat(l1.exit()).as(l1.err()).isZero();
        assertThat(l1.out()).doesNotContain("recalibrated");
        Run badRecal = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--method", "random", "--recalibrate-bn", "-1",
                "--out", pruned.toString());
        assertThat(badRecal.exit()).isEqualTo(1);
        assertThat(badRecal.err()).contains("--recalibrate-bn must be >= 0, got -1");
        Run noBank = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--out", pruned.toString());
        assertThat(noBank.exit()).isEqualTo(1);
        assertThat(noBank.err()).contains("needs --bank");
        Run badKeep = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "1.5", "--method", "random", "--out", pruned.toString());
        assertThat(badKeep.err()).contains("--keep must be in (0, 1], got 1.5");
        Run both = run("prune", theta.toString(), "--classes", "1,2,3", "--keep", "0.5", "--params", "10", "--out", pruned.toString());
        assertThat(both.exit()).isEqualTo(2);
        Run tooSmall = run("prune", theta.toString(), "--classes", "1,2,3", "--params", "10", "--method", "random", "--out",
                pruned.toString());
        assertThat(tooSmall.exit()).isEqualTo(1);
        assertThat(tooSmall.err()).contains("10");

        Files.writeString(cfg, "{\"preset\": \"demo\", \"bankTask\": 3}");
        Run bad = run("experiment", "--config", cfg.toString(), "--out", out.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("unknown experiment setting 'bankTask'");
        Run preset = run("experiment", "--preset", "huge");
        assertThat(preset.exit()).isEqualTo(1);
        assertThat(preset.err()).contains("unknown experiment preset 'huge'");
        assertThat(run("demo", "--help").out()).contains("no install");
    }
}
