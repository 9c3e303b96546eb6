package dev.sprig.nn.io;

import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (as PyTorch users share models): an 8-byte little-endian header length
 * N, N bytes of JSON header ({@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin,
 * end]}, ..., "__metadata__": {"key": "value"}}}), then the raw little-endian data, offsets relative
 * to its start. Sprig writes and reads F32 tensors; writes are atomic (a temporary file renamed
 * into place).
 */
public final class SafeTensors {
    /** Headers above this size are refused as corrupt (the format's reference implementation uses 100 MB). */
    static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** Tensors in file order and the header's string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** Writes {@code tensors} (in map order) and {@code metadata} to {@code file} atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            Tensor t = e.getValue();
            long bytes = 4L * t.numel();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) {
                shape.add((long) d);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // keep the data 8-byte aligned, padding with spaces as the spec allows
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
                out.write(len.array());
                out.write(json);
                out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) {
                    float[] d = t.rowMajorData();
                    for (float f : d) {
                        if (buf.remaining() < 4) {
                            out.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        buf.putFloat(f);
                    }
                }
                out.write(buf.array(), 0, buf.position());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads every tensor and the metadata, validating the header against the file. */
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 8) {
            throw new IOException(file + ": not a safetensors file: " + size + " bytes, expected at least 8 (the header length)");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, file);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
                throw new IOException(file + ": corrupt or truncated safetensors file: header length " + n
                        + " does not fit the file size " + size + " (expected 1.." + Math.min(MAX_HEADER, size - 8) + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, file);
            String json = new String(hb.array(), StandardCharsets.UTF_8);
            Object parsed;
            try {
                parsed = Json.parse(json);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": corrupt safetensors header: " + e.getMessage(), e);
            }
            if (!(parsed instanceof Map<?, ?> header)) {
                throw new IOException(file + ": corrupt safetensors header: expected a JSON object");
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : header.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) {
                        throw new IOException(file + ": __metadata__ must be an object of strings");
                    }
                    for (Map.Entry<?, ?> me : m.entrySet()) {
                        if (!(me.getValue() instanceof String v)) {
                            throw new IOException(file + ": __metadata__ value of '" + me.getKey() + "' must be a string");
                        }
                        metadata.put((String) me.getKey(), v);
                    }
                    continue;
                }
                tensors.put(name, readTensor(ch, file, name, e.getValue(), dataStart, dataSize));
            }
            return new Contents(tensors, metadata);
        }
    }

    private static Tensor readTensor(FileChannel ch, Path file, String name, Object spec, long dataStart, long dataSize)
            throws IOException {
        if (!(spec instanceof Map<?, ?> m) || !(m.get("dtype") instanceof String dtype) || !(m.get("shape") instanceof List<?> shapeList)
                || !(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2) {
            throw new IOException(file + ": tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
        }
        if (!dtype.equals("F32")) {
            throw new IOException(file + ": tensor '" + name + "' has dtype " + dtype + "; Sprig reads F32 only");
        }
        int[] shape = new int[shapeList.size()];
        for (int k = 0; k < shape.length; k++) {
            if (!(shapeList.get(k) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new IOException(file + ": tensor '" + name + "' has a bad shape " + shapeList);
            }
            shape[k] = (int) (long) d;
        }
        if (!(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
            throw new IOException(file + ": tensor '" + name + "' has non-integer data_offsets " + offs);
        }
        long expected = 4L * Shape.numel(shape);
        if (begin < 0 || end < begin || end - begin != expected) {
            throw new IOException(file + ": tensor '" + name + "' of shape " + Shape.str(shape) + " needs " + expected
                    + " bytes, but data_offsets are [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw new IOException(file + ": truncated: tensor '" + name + "' ends at byte " + end + " of the data, which has only "
                    + dataSize + " bytes");
        }
        ByteBuffer bb = ByteBuffer.allocate((int) expected).order(ByteOrder.LITTLE_ENDIAN);
        ch.position(dataStart + begin);
        readFully(ch, bb, file);
        bb.flip();
        float[] d = new float[(int) (expected / 4)];
        bb.asFloatBuffer().get(d);
        return Tensor.fromStorage(d, shape);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException(file + ": truncated: unexpected end of file");
            }
        }
    }
}
