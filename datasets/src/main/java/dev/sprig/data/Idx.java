package dev.sprig.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed (detected by the gzip magic):
 * a big-endian magic {@code 0x0000TTDD} (TT = 0x08 for unsigned bytes, DD = number of
 * dimensions), DD big-endian int32 sizes, then the data.
 */
public final class Idx {
    private Idx() {}

    /** The contents of an unsigned-byte IDX file. */
    public record Array(int[] dims, byte[] data) {}

    /** Reads an unsigned-byte IDX file, checking the magic and that the data is complete. */
    public static Array read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream d = new DataInputStream(in);
            int magic;
            try {
                magic = d.readInt();
            } catch (EOFException e) {
                throw new IOException(file + ": truncated: no IDX header", e);
            }
            int type = (magic >>> 8) & 0xff;
            int rank = magic & 0xff;
            if ((magic >>> 16) != 0 || type != 0x08 || rank < 1 || rank > 4) {
                throw new IOException(file + ": wrong magic number 0x" + String.format("%08x", magic)
                        + ": expected an unsigned-byte IDX file (0x000008NN with 1..4 dimensions)");
            }
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    dims[i] = d.readInt();
                } catch (EOFException e) {
                    throw new IOException(file + ": truncated in the header (dimension " + i + " of " + rank + ")", e);
                }
                if (dims[i] < 0) {
                    throw new IOException(file + ": negative dimension " + dims[i]);
                }
                count *= dims[i];
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": " + count + " values is too many for one array");
            }
            byte[] data = new byte[(int) count];
            int read = d.readNBytes(data, 0, data.length);
            if (read != data.length) {
                throw new IOException(file + ": truncated: expected " + data.length + " data bytes for dimensions "
                        + java.util.Arrays.toString(dims) + ", found " + read);
            }
            if (d.read() >= 0) {
                throw new IOException(file + ": trailing bytes after the " + data.length + " data bytes declared by dimensions "
                        + java.util.Arrays.toString(dims));
            }
            return new Array(dims, data);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": corrupt gzip data: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw new IOException(file + ": truncated or corrupt gzip stream (unexpected end of data)", e);
        }
    }

    /**
     * Reads an MNIST-style pair: images {@code [n, rows, cols]} and labels {@code [n]}, as single-channel
     * images with values 0..255.
     */
    public static LabeledImages readImages(Path imagesFile, Path labelsFile, int classes) throws IOException {
        Array im = read(imagesFile);
        Array lb = read(labelsFile);
        if (im.dims().length != 3) {
            throw new IOException(imagesFile + ": expected 3 dimensions [n, rows, cols], got " + java.util.Arrays.toString(im.dims()));
        }
        if (lb.dims().length != 1) {
            throw new IOException(labelsFile + ": expected 1 dimension [n], got " + java.util.Arrays.toString(lb.dims()));
        }
        if (im.dims()[0] != lb.dims()[0]) {
            throw new IOException("mismatched counts: " + imagesFile + " has " + im.dims()[0] + " images but " + labelsFile + " has "
                    + lb.dims()[0] + " labels");
        }
        int n = lb.dims()[0];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = lb.data()[i] & 0xff;
            if (labels[i] >= classes) {
                throw new IOException(labelsFile + ": label " + labels[i] + " at index " + i + " is out of range for " + classes
                        + " classes (expected 0.." + (classes - 1) + ")");
            }
        }
        float[] images = new float[im.data().length];
        for (int i = 0; i < images.length; i++) {
            images[i] = im.data()[i] & 0xff;
        }
        return new LabeledImages(images, labels, 1, im.dims()[1], im.dims()[2], classes);
    }

    /** Writes an unsigned-byte IDX file (optionally gzip), for tests and tools. */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeInt(0x00000800 | dims.length);
        for (int dim : dims) {
            out.writeInt(dim);
        }
        out.write(data);
        out.flush();
        byte[] payload = bytes.toByteArray();
        if (gzip) {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(z)) {
                g.write(payload);
            }
            payload = z.toByteArray();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, payload);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
