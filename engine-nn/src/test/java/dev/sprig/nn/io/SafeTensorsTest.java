package dev.sprig.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("conv.weight", Tensor.randn(1, 4, 3, 3, 3));
        m.put("fc.bias", Tensor.vector(1.5f, -2f, Float.MIN_VALUE));
        m.put("scalar", Tensor.scalar(7f));
        m.put("empty", Tensor.zeros(0, 4));
        return m;
    }

    @Test
    void roundTripPreservesOrderShapesBitsAndMetadata() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, sample(), Map.of("config", "{\"depth\": 20}", "format", "pt"));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertThat(c.tensors().keySet()).containsExactly("conv.weight", "fc.bias", "scalar", "empty");
        for (Map.Entry<String, Tensor> e : sample().entrySet()) {
            assertThat(c.tensors().get(e.getKey()).shape()).containsExactly(e.getValue().shape());
            assertThat(c.tensors().get(e.getKey()).toArray()).containsExactly(e.getValue().toArray());
        }
        assertThat(c.metadata()).containsEntry("config", "{\"depth\": 20}").containsEntry("format", "pt");
        // header layout: 8-byte LE length, JSON starting with '{', data 8-byte aligned
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(bytes[8]).isEqualTo((byte) '{');
        assertThat((8 + n) % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + n + 4L * (4 * 27 + 3 + 1));
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("m.safetensors"); // no temp file left
        }
    }

    @Test
    void readsAHandWrittenFileInTheReferenceLayout() throws IOException {
        // As the reference implementation writes it: no padding, offsets relative to the data start.
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"k\":\"v\"}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1f).putFloat(-3f);
        Path f = dir.resolve("ref.safetensors");
        Files.write(f, b.array());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertThat(c.tensors().get("a").toArray()).containsExactly(1f, -3f);
        assertThat(c.metadata()).containsEntry("k", "v");
    }

    @Test
    void truncatedAndCorruptFilesGetClearErrors() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] bytes = Files.readAllBytes(f);

        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> SafeTensors.read(truncated)).hasMessageContaining("truncated.safetensors").hasMessageContaining("truncated");

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(tiny)).hasMessageContaining("3 bytes").hasMessageContaining("at least 8");

        Path badLen = dir.resolve("badlen.safetensors");
        byte[] b2 = bytes.clone();
        ByteBuffer.wrap(b2).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(badLen, b2);
        assertThatThrownBy(() -> SafeTensors.read(badLen)).hasMessageContaining("header length").hasMessageContaining("file size");

        Path badJson = dir.resolve("badjson.safetensors");
        byte[] b3 = bytes.clone();
        b3[8] = '[';
        Files.write(badJson, b3);
        assertThatThrownBy(() -> SafeTensors.read(badJson)).hasMessageContaining("corrupt safetensors header");

        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path badOffsets = dir.resolve("offsets.safetensors");
        Files.write(badOffsets, ByteBuffer.allocate(8 + h.length + 12).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        assertThatThrownBy(() -> SafeTensors.read(badOffsets)).hasMessageContaining("'a'").hasMessageContaining("needs 12 bytes")
                .hasMessageContaining("[0, 8]");

        String f16 = "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}";
        byte[] h2 = f16.getBytes(StandardCharsets.UTF_8);
        Path half = dir.resolve("half.safetensors");
        Files.write(half, ByteBuffer.allocate(8 + h2.length + 2).order(ByteOrder.LITTLE_ENDIAN).putLong(h2.length).put(h2).array());
        assertThatThrownBy(() -> SafeTensors.read(half)).hasMessageContaining("dtype F16");
    }
}
