package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {
    @TempDir
    Path dir;

    private void writePair(String prefix, int n, boolean gzip, int maxLabel) throws IOException {
        byte[] im = new byte[n * 4 * 3];
        for (int i = 0; i < im.length; i++) {
            im[i] = (byte) (i * 7);
        }
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % (maxLabel + 1));
        }
        Idx.write(dir.resolve(prefix + "-images"), new int[] {n, 4, 3}, im, gzip);
        Idx.write(dir.resolve(prefix + "-labels"), new int[] {n}, lb, gzip);
    }

    @Test
    void readsRawAndGzipIdx() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            writePair("p" + gz, 5, gz, 9);
            LabeledImages d = Idx.readImages(dir.resolve("p" + gz + "-images"), dir.resolve("p" + gz + "-labels"), 10);
            assertThat(d.size()).isEqualTo(5);
            assertThat(d.height()).isEqualTo(4);
            assertThat(d.width()).isEqualTo(3);
            assertThat(d.images()[13]).isEqualTo((13 * 7) & 0xff);
            assertThat(d.labels()).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void idxBadInputsNameTheFileAndTheProblem() throws IOException {
        writePair("ok", 5, false, 9);
        Path images = dir.resolve("ok-images");
        byte[] bytes = Files.readAllBytes(images);

        Path magic = dir.resolve("magic");
        byte[] m = bytes.clone();
        m[2] = 0x0d; // float type
        Files.write(magic, m);
        assertThatThrownBy(() -> Idx.read(magic)).hasMessageContaining("magic").hasMessageContaining("0x00000d03").hasMessageContaining(magic.toString());

        Path truncated = dir.resolve("truncated");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 7));
        assertThatThrownBy(() -> Idx.read(truncated)).hasMessageContaining("truncated").hasMessageContaining("expected 60 data bytes")
                .hasMessageContaining("found 53");

        writePair("other", 4, false, 9);
        assertThatThrownBy(() -> Idx.readImages(images, dir.resolve("other-labels"), 10))
                .hasMessageContaining("5 images").hasMessageContaining("4 labels");

        writePair("big", 12, false, 12);
        assertThatThrownBy(() -> Idx.readImages(dir.resolve("big-images"), dir.resolve("big-labels"), 10))
                .hasMessageContaining("label 10 at index 10").hasMessageContaining("10 classes");

        Path gz = dir.resolve("bad.gz");
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        assertThatThrownBy(() -> Idx.read(gz)).hasMessageContaining(gz.toString());

        assertThatThrownBy(() -> Idx.read(dir.resolve("absent"))).hasMessageContaining("no such file");
    }

    private Path cifarBatch(String name, int records, int labelBytes, int label) throws IOException {
        int rec = labelBytes + Cifar.IMAGE_BYTES;
        ByteBuffer b = ByteBuffer.allocate(records * rec);
        for (int r = 0; r < records; r++) {
            for (int k = 0; k < labelBytes; k++) {
                b.put((byte) (label + k));
            }
            for (int k = 0; k < Cifar.IMAGE_BYTES; k++) {
                b.put((byte) (k + r));
            }
        }
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void readsCifarBatches() throws IOException {
        LabeledImages d = Cifar.read(List.of(cifarBatch("a.bin", 2, 1, 3), cifarBatch("b.bin", 1, 1, 9)), Cifar.Variant.CIFAR10);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels()).containsExactly(3, 3, 9);
        assertThat(d.channels()).isEqualTo(3);
        assertThat(d.images()[Cifar.IMAGE_BYTES + 1024]).isEqualTo((1024 + 1) & 0xff); // green plane of image 1
        LabeledImages fine = Cifar.read(List.of(cifarBatch("c.bin", 1, 2, 5)), Cifar.Variant.CIFAR100_FINE);
        assertThat(fine.labels()).containsExactly(6);
    }

    @Test
    void cifarBadInputs() throws IOException {
        Path p = cifarBatch("t.bin", 2, 1, 1);
        Files.write(p, Arrays.copyOf(Files.readAllBytes(p), 3000));
        assertThatThrownBy(() -> Cifar.read(List.of(p), Cifar.Variant.CIFAR10))
                .hasMessageContaining("3000 bytes").hasMessageContaining("3073").hasMessageContaining("t.bin");
        Path bad = cifarBatch("l.bin", 1, 1, 10);
        assertThatThrownBy(() -> Cifar.read(List.of(bad), Cifar.Variant.CIFAR10))
                .hasMessageContaining("label 10 in record 0").hasMessageContaining("0..9");
    }
}
