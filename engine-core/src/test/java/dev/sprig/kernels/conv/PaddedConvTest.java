package dev.sprig.kernels.conv;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PaddedConv}: reading padded planes (or their phases) and writing the interiors of padded
 * planes, it is bit for bit {@link Conv2d#forwardFused} on the unpadded tensors, residual and ReLU
 * included, on every kernel path (whole rows, half rows, buffered with one and two K slices), with
 * the source padded more than the convolution; nothing outside the interiors is written. And
 * {@link ConvEpilogue#rowsStrided}, the buffered path's epilogue, agrees with its scalar twin.
 */
class PaddedConvTest {
    private static final int DEFAULT_THREADS = Parallel.threads();
    private static final int L = KernelConfig.FLOATS.length();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    @ParameterizedTest(name = "in={0} {1}x{2} out={3} k={4} stride={5} pad={6} srcPad={7} dstPad={8} residual={9} srcPadW={10} dstPadW={11}")
    @CsvSource({
            "3, 32, 32, 8, 3, 1, 1, 1, 1, false, , ",   // a CIFAR stem: whole rows
            "16, 16, 16, 16, 3, 1, 1, 1, 1, true, , ",  // ResNet-20 stage 2, K = 144: whole rows at 16 lanes
            "16, 32, 32, 32, 3, 1, 1, 1, 1, true, , ",  // 4.7 M multiply-adds: the whole-row tiles split over two threads
            "4, 8, 8, 8, 3, 1, 1, 1, 1, true, , ",      // rows of half a vector at 16 lanes
            "32, 16, 16, 32, 3, 1, 1, 1, 1, true, , ",  // K = 288: two slices, the buffered path
            "16, 32, 32, 32, 3, 2, 1, 1, 1, false, , ", // stride 2 on phase planes
            "16, 32, 32, 32, 1, 2, 0, 1, 1, false, , ", // the 1x1 shortcut reading the same phases
            "8, 16, 16, 12, 1, 1, 0, 1, 1, true, , ",   // a 1x1 shortcut at stride 1, reading padded planes
            "5, 7, 9, 6, 3, 1, 1, 2, 0, true, , ",      // odd sizes, source padded more, unpadded destination
            "6, 4, 4, 10, 3, 1, 1, 1, 2, false, , ",    // rows shorter than half a vector
            "7, 11, 13, 5, 3, 2, 1, 1, 1, true, , ",    // odd sizes at stride 2 (odd padded width: the general phase split)
            "5, 9, 14, 6, 3, 2, 1, 1, 1, true, , ",     // odd padded height, even width: the vector phase split
            "3, 64, 64, 4, 3, 2, 1, 1, 1, false, , ",   // phase rows of more than one vector
            "6, 4, 4, 5, 3, 2, 1, 1, 1, true, , ",     // phase rows (3) shorter than half a vector, spills near a plane's end
            "5, 6, 6, 4, 1, 2, 0, 1, 1, false, , ",   // its 1x1 shortcut
            // Rows end to end (no column padding): read through shifted column copies.
            "16, 8, 8, 16, 3, 1, 1, 1, 1, true, 0, 0",   // the flat whole-row path: 8x8 is four 16-lane vectors
            "32, 8, 8, 32, 3, 1, 1, 1, 1, true, 0, 0",   // K = 288: buffered, rows of 8 stored whole and half
            "6, 4, 4, 5, 3, 1, 1, 1, 1, true, 0, 0",     // 4x4
            "32, 4, 4, 37, 3, 1, 1, 1, 1, true, 0, 0",   // 4x4, K = 288: the tall tile (16 columns, 37 rows)
            "5, 8, 8, 6, 3, 1, 1, 1, 1, false, 0, 1",    // rows end to end in, padded out
            "4, 6, 10, 3, 3, 1, 1, 2, 1, true, 0, 0",    // rows padded more than the convolution
            "8, 16, 16, 8, 3, 2, 1, 1, 1, true, 1, 0",   // stride 2 from padded planes into rows end to end
            "8, 16, 16, 8, 1, 2, 0, 1, 1, false, 1, 0"}) // its 1x1 shortcut
    void isTheFusedConvolutionOnPaddedPlanes(int in, int h, int w, int out, int k, int stride, int pad, int srcPad, int dstPad,
                                            boolean residual, Integer srcPadWArg, Integer dstPadWArg) {
        int srcPadW = srcPadWArg == null ? srcPad : srcPadWArg;
        int dstPadW = dstPadWArg == null ? dstPad : dstPadWArg;
        Conv2dShape s = new Conv2dShape(1, in, h, w, out, k, k, stride, stride, pad, pad, 1, 1, 1);
        float[] x = Conv2dTest.random(s.inputSize(), 1);
        float[] wt = Conv2dTest.random(s.weightSize(), 2);
        float[] scale = Conv2dTest.random(out, 3);
        float[] shift = Conv2dTest.random(out, 4);
        float[] res = residual ? Conv2dTest.random(s.outputSize(), 5) : null;
        float[] expected = new float[s.outputSize()];
        Conv2d.forwardFused(s, x, wt, new ConvEpilogue(scale, shift, res, 0, true), expected);

        PaddedConv conv = PaddedConv.of(s, wt, 0, scale, shift, true, srcPad, srcPadW, dstPad, dstPadW);
        // Room for the column copies after the planes, when the convolution makes them there.
        float[] padded = new float[Math.max(PaddedConv.paddedFloats(in, h, w, srcPad, srcPadW), conv.phased() ? 0 : conv.sourceFloats())];
        PaddedConv.pad(x, 0, in, h, w, srcPad, srcPadW, padded);
        float[] src = padded;
        if (conv.phased()) {
            src = new float[conv.sourceFloats()];
            conv.splitPhases(padded, 0, src);
        }
        int oh = s.outH(), ow = s.outW();
        float[] resPadded = null;
        if (residual) {
            resPadded = new float[PaddedConv.paddedFloats(out, oh, ow, dstPad, dstPadW)];
            PaddedConv.pad(res, 0, out, oh, ow, dstPad, dstPadW, resPadded);
        }
        assertEquals(PaddedConv.paddedFloats(out, oh, ow, dstPad, dstPadW), conv.destinationFloats());
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[] dst = new float[conv.destinationFloats() + 3];
            Arrays.fill(dst, 7f); // borders keep what they held
            conv.run(src, 0, dst, 0, resPadded, 0, threads);
            float[] interior = new float[s.outputSize()];
            PaddedConv.unpad(dst, out, oh, ow, dstPad, dstPadW, interior, 0);
            assertArrayEquals(expected, interior, "interiors on " + threads + " threads");
            int wq = ow + 2 * dstPadW, plane = (oh + 2 * dstPad) * wq;
            for (int i = 0; i < dst.length; i++) {
                int c = i / plane, r = i % plane / wq - dstPad, col = i % wq - dstPadW;
                boolean inside = c < out && r >= 0 && r < oh && col >= 0 && col < ow;
                if (!inside) {
                    assertEquals(7f, dst[i], "float " + i + " lies outside the interiors and must not be written");
                }
            }
        }
        imagesAtOnce(s, wt, scale, shift, srcPad, srcPadW, dstPad, dstPadW, residual, conv);
    }

    /**
     * The same convolution over three different images at once, each at a stride a little past its
     * planes: every image's interiors are its own fused convolution, bit for bit (the GEMM of all
     * three where {@link PaddedConv#batchesImages}), and nothing else is written.
     */
    private static void imagesAtOnce(Conv2dShape s, float[] wt, float[] scale, float[] shift, int srcPad, int srcPadW, int dstPad,
                                     int dstPadW, boolean residual, PaddedConv conv) {
        int images = 3, in = s.inChannels(), h = s.h(), w = s.w(), out = s.outChannels(), oh = s.outH(), ow = s.outW();
        int srcStride = Math.max(PaddedConv.paddedFloats(in, h, w, srcPad, srcPadW), conv.sourceFloats()) + 5;
        int dstStride = conv.destinationFloats() + 3;
        int resStride = dstStride + 9;
        int srcOff = 4, dstOff = 6, resOff = 2;
        float[] src = new float[srcOff + images * srcStride];
        float[] res = residual ? new float[resOff + images * resStride] : null;
        float[][] expected = new float[images][s.outputSize()];
        for (int i = 0; i < images; i++) {
            float[] x = Conv2dTest.random(s.inputSize(), 10 + i);
            float[] r = residual ? Conv2dTest.random(s.outputSize(), 20 + i) : null;
            Conv2d.forwardFused(s, x, wt, new ConvEpilogue(scale, shift, r, 0, true), expected[i]);
            float[] padded = new float[srcStride];
            PaddedConv.pad(x, 0, in, h, w, srcPad, srcPadW, padded);
            if (conv.phased()) {
                conv.splitPhases(padded, 0, src, srcOff + i * srcStride);
            } else {
                System.arraycopy(padded, 0, src, srcOff + i * srcStride, srcStride);
            }
            if (residual) {
                PaddedConv.pad(r, 0, out, oh, ow, dstPad, dstPadW, res, resOff + i * resStride);
            }
        }
        int wq = ow + 2 * dstPadW, plane = (oh + 2 * dstPad) * wq;
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[] dst = new float[dstOff + images * dstStride];
            Arrays.fill(dst, 7f);
            conv.run(images, src, srcOff, srcStride, dst, dstOff, dstStride, res, resOff, resStride, threads);
            for (int j = 0; j < dstOff; j++) {
                assertEquals(7f, dst[j], "float " + j + " lies before the first image");
            }
            for (int i = 0; i < images; i++) {
                float[] interior = new float[s.outputSize()];
                PaddedConv.unpad(dst, dstOff + i * dstStride, out, oh, ow, dstPad, dstPadW, interior, 0);
                assertArrayEquals(expected[i], interior, "image " + i + " of " + images + " on " + threads + " threads (batched: "
                        + conv.batchesImages() + ")");
                for (int j = 0; j < dstStride; j++) {
                    int c = j / plane, r = j % plane / wq - dstPad, col = j % wq - dstPadW;
                    if (!(c < out && r >= 0 && r < oh && col >= 0 && col < ow)) {
                        assertEquals(7f, dst[dstOff + i * dstStride + j], "image " + i + ", float " + j + " lies outside the interiors");
                    }
                }
            }
        }
    }

    @Test
    void rowsStridedIsItsScalarTwin() {
        for (int cols : new int[] {1, 3, L / 2, L - 1, L, L + L / 2, 2 * L + 3}) {
            for (boolean withRes : new boolean[] {false, true}) {
                for (boolean relu : new boolean[] {false, true}) {
                    int rows = 3, accStride = cols + 5, dstStride = cols + 2;
                    float[] acc = Conv2dTest.random(rows * accStride + 4, cols);
                    float[] res = withRes ? Conv2dTest.random(rows * dstStride + 9, 7) : null;
                    float[] vec = new float[rows * dstStride + 9];
                    float[] ref = new float[vec.length];
                    Arrays.fill(vec, Float.NaN);
                    Arrays.fill(ref, Float.NaN);
                    ConvEpilogue.rowsStrided(acc, 2, accStride, 0.7f, -0.2f, res, 3, relu, vec, 3, dstStride, rows, cols);
                    ConvEpilogue.rowsStridedScalar(acc, 2, accStride, 0.7f, -0.2f, res, 3, relu, ref, 3, dstStride, rows, cols);
                    assertArrayEquals(ref, vec, "cols " + cols + ", residual " + withRes + ", relu " + relu);
                    assertThat(vec[3 + cols]).as("between rows: not written").isNaN();
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        Conv2dShape s = new Conv2dShape(1, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] w = new float[s.weightSize()];
        assertThatThrownBy(() -> PaddedConv.of(s, w, 0, null, null, true, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("srcPad=0x0");
        Conv2dShape strided = new Conv2dShape(1, 4, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        assertThatThrownBy(() -> PaddedConv.of(strided, w, 0, null, null, true, 1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("srcPadW=0 < padW=1").hasMessageContaining("got stride 2x2");
        assertThatThrownBy(() -> PaddedConv.of(s, w, 0, new float[3], null, true, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outChannels=4").hasMessageContaining("3");
        assertThatThrownBy(() -> PaddedConv.of(s, null, 0, null, null, true, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("w=null");
        Conv2dShape grouped = new Conv2dShape(1, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2);
        assertThatThrownBy(() -> PaddedConv.of(grouped, new float[grouped.weightSize()], 0, null, null, true, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups must be 1, got 2");
        Conv2dShape wide = new Conv2dShape(1, 4, 8, 8, 4, 3, 3, 1, 1, 2, 2, 1, 1, 1); // output rows of 10 from rows of 8
        assertThatThrownBy(() -> PaddedConv.of(wide, new float[wide.weightSize()], 0, null, null, true, 2, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outW=10, w=8");
        Conv2dShape narrow = new Conv2dShape(1, 4, 8, 1, 4, 5, 5, 1, 1, 2, 2, 1, 1, 1); // column padding 2 on rows of 1
        assertThatThrownBy(() -> PaddedConv.of(narrow, new float[narrow.weightSize()], 0, null, null, true, 2, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("padW <= w");
        PaddedConv conv = PaddedConv.of(s, w, 0, null, null, true, 1, 1);
        float[] dst = new float[conv.destinationFloats()];
        float[] both = new float[Math.max(conv.sourceFloats(), conv.destinationFloats())];
        assertThatThrownBy(() -> conv.run(both, 0, both, 0, null, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different arrays");
        assertThatThrownBy(() -> conv.run(new float[conv.sourceFloats() - 1], 0, dst, 0, null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(conv.sourceFloats() + " floats of the source");
        assertThatThrownBy(() -> conv.run(new float[conv.sourceFloats()], 0, new float[10], 0, null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(have 10)");
        assertThatThrownBy(() -> conv.splitPhases(new float[conv.sourceFloats()], 0, new float[conv.sourceFloats()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strided");
        Conv2dShape strided2 = new Conv2dShape(1, 4, 8, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        PaddedConv down = PaddedConv.of(strided2, new float[strided2.weightSize()], 0, null, null, true, 1, 1);
        float[] same = new float[Math.max(down.sourceFloats(), PaddedConv.paddedFloats(4, 8, 8, 1))];
        assertThatThrownBy(() -> down.splitPhases(same, 0, same)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two different arrays");
        assertThatThrownBy(() -> conv.run(new float[conv.sourceFloats()], 0, dst, 0, null, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads must be >= 1, got 0");
        // Over several images: strides below one image's planes, too short an array, bad image counts.
        int sf = conv.sourceFloats(), df = conv.destinationFloats();
        assertThatThrownBy(() -> conv.run(2, new float[2 * sf], 0, sf - 1, new float[2 * df], 0, df, null, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strides " + (sf - 1) + " and " + df);
        assertThatThrownBy(() -> conv.run(0, new float[sf], 0, sf, new float[df], 0, df, null, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("images=0");
        Conv2dShape deep = new Conv2dShape(1, 32, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1); // K = 288: the buffered GEMM
        PaddedConv batched = PaddedConv.of(deep, new float[deep.weightSize()], 0, null, null, true, 1, 1);
        assertThat(batched.batchesImages()).isTrue();
        int bs = batched.sourceFloats(), bd = batched.destinationFloats();
        assertThatThrownBy(() -> batched.run(3, new float[2 * bs], 0, bs, new float[3 * bd], 0, bd, null, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 images").hasMessageContaining("(have " + 2 * bs + ")");
        assertThatThrownBy(() -> batched.run(2, new float[2 * bs], 0, bs, new float[2 * bd], 0, bd, null, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads=0");
        assertThatThrownBy(() -> PaddedConv.paddedFloats(-1, 8, 8, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c, h, w >= 1 and paddings >= 0, got c=-1");
        assertThatThrownBy(() -> PaddedConv.pad(new float[64], 0, 1, 8, 8, -2, new float[200])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("padH=-2");
        assertThatThrownBy(() -> PaddedConv.pad(null, 0, 1, 8, 8, 1, new float[200])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x must not be null");
        assertThatThrownBy(() -> PaddedConv.pad(new float[64], 0, 1, 8, 8, 1, new float[99])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dst.length=99 is too short");
        assertThatThrownBy(() -> PaddedConv.unpad(new float[100], 1, 8, 8, 1, null, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dst must not be null");
        assertThatThrownBy(() -> PaddedConv.unpad(new float[99], 1, 8, 8, 1, new float[64], 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("src.length=99 is too short");
        assertThatThrownBy(() -> PaddedConv.unpad(new float[100], 1, 8, 8, 1, new float[64], 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dst.length=64 is too short for offset=1");
    }
}
