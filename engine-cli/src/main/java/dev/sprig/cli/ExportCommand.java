package dev.sprig.cli;

import dev.sprig.nn.models.ModelFile;
import dev.sprig.nn.models.ViT;
import dev.sprig.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig export}: a model file (dense or shrunk) as an ONNX file that ONNX Runtime runs. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a Sprig model file (dense or pruned) to ONNX (opset 17, dynamic batch, eval mode).")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A Sprig model file (.safetensors).")
    Path file;

    @Option(names = "--out", required = true, description = "The ONNX file to write (atomically).")
    Path out;

    @Option(names = "--input", split = ",", paramLabel = "C,H,W",
            description = "Input channels, height, width (default: from the model's dataset or config).")
    int[] input;

    @Override
    public Integer call() throws Exception {
        CliArgs.modelFile(file);
        ModelFile.Loaded loaded = ModelFile.load(file);
        int[] chw = input != null ? input : defaultInput(loaded);
        if (chw.length != 3 || chw[0] < 1 || chw[1] < 1 || chw[2] < 1) {
            throw new IllegalArgumentException("--input must be three positive sizes C,H,W, got " + java.util.Arrays.toString(chw));
        }
        OnnxExport.export(loaded.model(), new int[] {1, chw[0], chw[1], chw[2]}, out);
        System.out.printf("wrote %s (%d bytes): input '%s' [n, %d, %d, %d], output '%s'%n", out, Files.size(out), OnnxExport.INPUT,
                chw[0], chw[1], chw[2], OnnxExport.OUTPUT);
        return 0;
    }

    private int[] defaultInput(ModelFile.Loaded loaded) {
        if (loaded.model() instanceof ViT v) {
            return new int[] {v.config().inChannels(), v.config().imageSize(), v.config().imageSize()};
        }
        DataChoice d = DataChoice.fromMetadata(loaded.metadata());
        if (d == null) {
            throw new IllegalArgumentException(file + " names no dataset, so its input size is unknown; pass --input C,H,W");
        }
        return d == DataChoice.fashion_mnist ? new int[] {1, 28, 28} : new int[] {3, 32, 32};
    }
}
