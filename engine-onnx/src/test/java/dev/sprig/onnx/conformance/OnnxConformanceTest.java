package dev.sprig.onnx.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.sprig.onnx.InstalledData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX project's operator test cases (Debian's {@code libonnx-testdata}) run on Sprig's ops:
 * every case of every operator Sprig maps is a named dynamic test that passes (outputs within
 * {@link Tolerance}) or is skipped with the reason Sprig cannot run it (a dtype, an attribute). A
 * last test prints the per-operator table and checks that nothing failed, that at least
 * {@link #MIN_RAN} cases ran, and that each operator of {@link #REQUIRED} ran at least once
 * wherever the suite has float cases for it.
 */
class OnnxConformanceTest {
    private static final Path ROOT = Path.of(System.getProperty("sprig.onnx.testdata", "/usr/share/libonnx-testdata/data/node"));

    /** Observed with libonnx-testdata 1.12.0: 220 cases ran. A regression that skips a case fails here. */
    static final int MIN_RAN = 220;

    /** The operators Sprig's models use, each to be run at least once. */
    static final List<String> REQUIRED = List.of("Conv", "Gemm", "MatMul", "BatchNormalization", "MaxPool", "AveragePool",
            "GlobalAveragePool", "Relu", "Gelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LayerNormalization", "Add", "Sub",
            "Mul", "Div", "Exp", "Log", "Sqrt", "Pow", "Abs", "Neg", "ReduceSum", "ReduceMean", "ReduceMax", "Transpose",
            "Reshape", "Flatten", "Concat", "Slice", "Gather");

    @TestFactory
    Stream<DynamicTest> onnxNodeCases() throws IOException {
        if (!Files.isDirectory(ROOT)) {
            // One visible skipped (or, under SPRIG_REQUIRE_DATA=1, failed) test rather than an empty factory.
            return Stream.of(DynamicTest.dynamicTest("libonnx-testdata installed", () -> InstalledData.require(false,
                    "libonnx-testdata (the ONNX operator test cases, " + ROOT + ")", "run: apt-get install -y libonnx-testdata")));
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("model.onnx"))).sorted().toList();
        }
        Summary summary = new Summary();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : dirs) {
            ConformanceCase c = ConformanceCase.load(d);
            String op = c.operator();
            if (OpTable.get(op) == null) {
                summary.unmapped(c);
                continue;
            }
            summary.row(c);
            if (!c.expanded() && c.firstInputType() == TensorProto.DataType.FLOAT_VALUE) {
                summary.row(c).floatCases++;
            }
            tests.add(DynamicTest.dynamicTest(c.name(), () -> runCase(c, summary)));
        }
        tests.add(DynamicTest.dynamicTest("summary", () -> checkSummary(summary)));
        return tests.stream();
    }

    private static void runCase(ConformanceCase c, Summary summary) throws IOException {
        String mismatch = null;
        try {
            c.checkTypes();
            List<ValueInfoProto> outputs = c.model().getGraph().getOutputList();
            for (Path set : c.dataSets()) {
                Map<String, Value> feeds = ConformanceCase.read(set, "input", c.feeds());
                Map<String, Value> expected = ConformanceCase.read(set, "output", outputs);
                Map<String, Value> values = GraphRunner.run(c.model().getGraph(), feeds, c.opset());
                for (Map.Entry<String, Value> e : expected.entrySet()) {
                    String m = Tolerance.mismatch(e.getKey(), e.getValue(), values.get(e.getKey()));
                    if (m != null && mismatch == null) {
                        mismatch = set.getFileName() + " " + m;
                    }
                }
            }
        } catch (Unsupported u) {
            summary.skipped(c, u.getMessage());
            Assumptions.abort("SKIPPED (" + c.operator() + "): " + u.getMessage());
        } catch (RuntimeException e) {
            summary.failed(c, e.toString());
            throw e;
        }
        if (mismatch != null) {
            summary.failed(c, mismatch);
            throw new AssertionError(c.name() + " (opset " + c.opset() + "): " + mismatch);
        }
        summary.passed(c);
    }

    private static void checkSummary(Summary summary) {
        System.out.println("ONNX conformance (libonnx-testdata, " + ROOT + "), tolerance |diff| <= " + Tolerance.ATOL
                + " + " + Tolerance.RTOL + "·|expected|:");
        System.out.println(summary.table());
        List<String> noCases = REQUIRED.stream().filter(op -> summary.row(op).floatCases == 0).toList();
        System.out.println("Required operators with no float cases in this test data (nothing to run): " + noCases);
        assertThat(summary.failures()).as("failed cases").isEmpty();
        assertThat(summary.ran()).as("cases run (a drop means cases are being skipped)").isGreaterThanOrEqualTo(MIN_RAN);
        for (String op : REQUIRED) {
            Summary.Row r = summary.row(op);
            if (r.floatCases > 0) {
                assertThat(r.ran).as(op + " has " + r.floatCases + " float cases; cases run").isPositive();
            }
        }
    }
}
