package dev.sprig.nn.infer;

import dev.sprig.kernels.KernelConfig;
import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.conv.Conv2dShape;
import dev.sprig.kernels.conv.PaddedConv;
import dev.sprig.kernels.pool.GlobalAvgPool2d;
import dev.sprig.nn.Conv2d;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.BasicBlock;
import dev.sprig.nn.models.ResNet;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Shape;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;

/**
 * A ResNet compiled for inference at one input size: what {@code torch.jit.freeze} or an ONNX
 * Runtime session is to a PyTorch model. Every convolution is planned once ({@link PaddedConv}:
 * weights read in place or packed, BatchNorm folded into the epilogue's scale and shift), and the
 * images go through the network in per-thread, zero-padded activation planes that are allocated
 * once and reused: no layer pads its input, zeroes a new output tensor or recomputes its plan. A
 * block's output is written straight into the interiors of the next block's padded input, its
 * residual read from the planes it came from, and a strided block's 3x3 and 1x1 shortcut
 * convolutions share one phase split. Each image goes through the blocks on its own, up to the
 * first block with a convolution of 256 Ki weights or more whose GEMM batches images
 * ({@link #CHUNK_MIN_WEIGHTS}; ResNet-18's third stage). From there the images go through in chunks
 * of up to 8 (fewer when there are fewer images per thread), each convolution one GEMM over the
 * chunk: its weights are read once per chunk instead of once per image (ResNet-18 at batch 64:
 * 1.21-1.24x faster in JMH, docs/BENCHMARKS.md).
 *
 * <p>The output is bit for bit the model's own eval-mode forward without gradients ({@code
 * model.forward} under {@link GradMode#noGrad}), for any thread count: every element goes through
 * the same operations in the same order ({@code ResNetPlanTest}). For a pruned ResNet-20 at a
 * quarter of its width that forward spent about two thirds of its time outside the multiply-adds
 * (docs/BENCHMARKS.md, "Compiled ResNet plans").
 *
 * <p>A plan is a snapshot: the weights, BatchNorm statistics and widths are copied when it is
 * made, so later changes to the model (training, pruning, loading) do not reach it; make a new
 * one. The model must be in eval mode. A plan may be used by several threads at once (its
 * activation planes are per thread).
 *
 * <pre>{@code
 * ResNetPlan plan = ResNetPlan.of(model.eval(), 32, 32);
 * Tensor logits = plan.forward(images); // [n, classes]
 * }</pre>
 */
public final class ResNetPlan {
    /** Padding of the blocks' activation planes: their 3x3 convolutions' (a 1x1 shortcut reads them too). */
    private static final int PAD = 1;
    /** Images per chunk through the blocks from {@link #split} on. */
    static final int CHUNK = 8;
    /**
     * Weights (floats) from which a convolution whose GEMM batches images ({@link
     * PaddedConv#batchesImages}), its block and every block after it go through the network a chunk
     * of images at a time: 256 Ki floats, the 1 MiB of one core's L2 here. Such a
     * convolution's weights do not stay in L2 from one image to the next; over a chunk each block of
     * them is read once ({@link PaddedConv#run(int, float[], int, int, float[], int, int, float[],
     * int, int, int)}). Earlier blocks stay image by image: over 8 images, ResNet-18's 16 x 16 stage
     * ran its convolutions 18-21 % slower (its inputs no longer fit in L2).
     */
    static final int CHUNK_MIN_WEIGHTS = 256 * 1024;

    private final int inChannels;
    private final int height;
    private final int width;
    /** The CIFAR stem's conv as a padded convolution, or null when the stem runs as modules (conv 7x7 s2 and max pool). */
    private final PaddedConv stem;
    private final int stemPad;
    /** The ImageNet stem, copied: conv weight, its epilogue's scale and shift, conv stride and padding, max-pool (k, s, p) or null. */
    private final Tensor stemWeight;
    private final Tensor stemScale;
    private final Tensor stemShift;
    private final int[] stemConv;
    private final int[] maxPool;
    /** Output geometry of the stem (the first block's input) and its channels. */
    private final Geometry first;
    private final int firstChannels;
    private final List<Block> blocks;
    /** Geometry of the last block's output and its channels. */
    private final Geometry last;
    private final int lastChannels;
    /** The classifier, copied. */
    private final Tensor fcWeight;
    private final Tensor fcBias;
    private final ThreadLocal<Buffers> buffers;
    /** The first block run over chunks of images ({@code blocks.size()} for none); the blocks before it run image by image. */
    private final int split;
    /** The most images in a chunk (1 when no block is chunked). */
    private final int chunk;
    /** Per geometry, the floats of one image's plane (the stride between a chunk's images) and how many images a plane holds. */
    private final int[] stride;
    private final int[] slots;
    /** Floats of one image's phase planes in the chunked blocks. */
    private final int chunkPhaseFloats;

    /**
     * An activation size and the planes held at it (per thread: block input and output, ping-pong, mid and shortcut), for up to
     * {@code channels}. A size's record is replaced when a later layer asks for more channels there, so the channels are read
     * from the final list only; the records the blocks keep serve for index, size and padding.
     */
    private record Geometry(int index, int h, int w, int channels, int padW) {
        int floats() {
            return PaddedConv.paddedFloats(channels, h, w, PAD, padW);
        }
    }

    /** A BasicBlock: conv1 (strided in a stage's first block), conv2 with the residual, and an optional 1x1 shortcut. */
    private record Block(PaddedConv conv1, PaddedConv conv2, PaddedConv shortcut, Geometry in, Geometry out) {}

    /**
     * One thread's planes: four per geometry (two for block inputs and outputs, one mid, one
     * shortcut), each holding a chunk's images where chunked blocks use the geometry (one image
     * otherwise); the phase split of one image and of a chunk; the padded input and the pooled
     * activations. Static and built from sizes alone: a thread's buffers must not hold the plan,
     * whose ThreadLocal keys them, or no plan's buffers would ever be freed from Parallel's
     * long-lived workers.
     */
    private static final class Buffers {
        final float[][][] planes;
        final float[] phases;
        final float[] chunkPhases;
        final float[] input;
        final float[] pooled;

        Buffers(int[] floats, int[] slots, int phaseFloats, int chunkPhaseFloats, int inputFloats, int pooledFloats) {
            planes = new float[floats.length][4][];
            for (int g = 0; g < floats.length; g++) {
                for (int i = 0; i < 4; i++) {
                    planes[g][i] = new float[Math.multiplyExact(floats[g], slots[g])];
                }
            }
            phases = new float[phaseFloats];
            chunkPhases = new float[chunkPhaseFloats];
            input = new float[inputFloats];
            pooled = new float[pooledFloats];
        }
    }

    private ResNetPlan(ResNet model, int height, int width, int chunkSize, int splitAt) {
        this.height = height;
        this.width = width;
        this.inChannels = model.config().inChannels();
        Map<Long, Geometry> byShape = new HashMap<>();
        List<Geometry> all = new ArrayList<>();
        Conv2d c1 = part(model, "conv1", Conv2d.class);
        int h = height, w = width;
        boolean hasMaxPool = model.children().containsKey("maxpool");
        Set<Long> unpadded = unpaddedRows(model, height, width, hasMaxPool);
        if (!hasMaxPool && c1.stride() == 1 && c1.groups() == 1 && c1.dilation() == 1) {
            stemPad = c1.padding();
            Conv2dShape s = shape(c1, h, w);
            Geometry g = geometry(byShape, all, s.outH(), s.outW(), s.outChannels(), unpadded);
            stem = padded(c1, model.child("bn1"), s, true, stemPad, stemPad, g);
            stemWeight = stemScale = stemShift = null;
            stemConv = null;
            maxPool = null;
            first = g;
        } else {
            // The ImageNet stem (7x7 stride 2, then a max pool) runs as the fused conv and the pool op over the batch.
            stemPad = 0;
            stem = null;
            Tensor[] affine = affine(c1, model.child("bn1"));
            stemWeight = copy(c1.weight().get());
            stemScale = copy(affine[0]);
            stemShift = copy(affine[1]);
            stemConv = new int[] {c1.stride(), c1.padding(), c1.dilation(), c1.groups()};
            h = c1.outSize(h);
            w = c1.outSize(w);
            if (hasMaxPool) {
                Layers.MaxPool2d mp = part(model, "maxpool", Layers.MaxPool2d.class);
                this.maxPool = new int[] {mp.kernel(), mp.stride(), mp.padding()};
                h = pooled(mp, h);
                w = pooled(mp, w);
            } else {
                this.maxPool = null;
            }
            if (h < 1 || w < 1) {
                throw new IllegalArgumentException("resnet plan: an input of " + height + "x" + width + " is too small for the stem");
            }
            first = geometry(byShape, all, h, w, c1.outChannels(), unpadded);
        }
        firstChannels = c1.outChannels();
        List<Block> bl = new ArrayList<>();
        Geometry g = first;
        int channels = firstChannels;
        int phases = 0;
        for (int st = 1; st <= model.stages(); st++) {
            Sequential stage = part(model, "layer" + st, Sequential.class);
            for (int b = 0; b < stage.size(); b++) {
                String at = "layer" + st + "." + b;
                BasicBlock block = part(model, at, BasicBlock.class);
                Conv2d conv1 = part(model, at + ".conv1", Conv2d.class);
                Conv2d conv2 = part(model, at + ".conv2", Conv2d.class);
                Conv2dShape s1 = shape(conv1, g.h(), g.w());
                if (s1.inChannels() != channels) {
                    throw new IllegalArgumentException("resnet plan: block layer" + st + "." + b + " expects " + s1.inChannels()
                            + " input channels, the layer before gives " + channels);
                }
                Conv2dShape s2 = shape(conv2, s1.outH(), s1.outW());
                if (s2.inChannels() != s1.outChannels()) {
                    throw new IllegalArgumentException("resnet plan: block layer" + st + "." + b + "'s conv2 expects " + s2.inChannels()
                            + " input channels, its conv1 gives " + s1.outChannels());
                }
                Geometry out = geometry(byShape, all, s2.outH(), s2.outW(), Math.max(s1.outChannels(), s2.outChannels()), unpadded);
                PaddedConv p1 = padded(conv1, block.child("bn1"), s1, true, PAD, g.padW(), out);
                PaddedConv p2 = padded(conv2, block.child("bn2"), s2, true, PAD, out.padW(), out);
                PaddedConv shortcut = null;
                if (block.hasDownsample()) {
                    Sequential d = part(model, at + ".downsample", Sequential.class);
                    Conv2d dc = part(model, at + ".downsample.0", Conv2d.class);
                    Conv2dShape sd = shape(dc, g.h(), g.w());
                    if (sd.inChannels() != channels) {
                        throw new IllegalArgumentException("resnet plan: block layer" + st + "." + b + "'s shortcut expects "
                                + sd.inChannels() + " input channels, the layer before gives " + channels);
                    }
                    shortcut = padded(dc, d.child("1"), sd, false, PAD, g.padW(), out);
                    if (sd.outH() != s2.outH() || sd.outW() != s2.outW() || sd.outChannels() != s2.outChannels()
                            || sd.strideH() != s1.strideH()) {
                        throw new IllegalArgumentException("resnet plan: block layer" + st + "." + b + "'s shortcut gives ["
                                + sd.outChannels() + ", " + sd.outH() + ", " + sd.outW() + "] at stride " + sd.strideH()
                                + ", its main path [" + s2.outChannels() + ", " + s2.outH() + ", " + s2.outW() + "] at stride "
                                + s1.strideH());
                    }
                } else if (s2.outChannels() != channels || out.index() != g.index()) {
                    throw new IllegalArgumentException("resnet plan: block layer" + st + "." + b + " adds its input ["
                            + channels + ", " + g.h() + ", " + g.w() + "] to an output of [" + s2.outChannels() + ", "
                            + s2.outH() + ", " + s2.outW() + "] without a shortcut convolution");
                }
                if (p1.phased()) {
                    phases = Math.max(phases, p1.sourceFloats());
                }
                bl.add(new Block(p1, p2, shortcut, g, out));
                g = out;
                channels = s2.outChannels();
            }
        }
        this.blocks = List.copyOf(bl);
        this.last = g;
        this.lastChannels = channels;
        Module fc = model.child("fc");
        if (!(fc instanceof Linear lin) || lin.inFeatures() != channels) {
            throw new IllegalArgumentException("resnet plan: the classifier must be a Linear over the last block's " + channels
                    + " channels, got " + fc);
        }
        this.fcWeight = copy(lin.weight().get());
        this.fcBias = lin.bias() == null ? null : copy(lin.bias().get());
        int[] floats = new int[all.size()];
        for (Geometry geo : all) {
            floats[geo.index()] = geo.floats();
        }
        if (stem != null) {
            floats[first.index()] = Math.max(floats[first.index()], stem.destinationFloats());
        }
        for (Block blk : blocks) {
            for (PaddedConv pc : new PaddedConv[] {blk.conv1(), blk.shortcut()}) {
                if (pc != null && !pc.phased()) {
                    floats[blk.in().index()] = Math.max(floats[blk.in().index()], pc.sourceFloats());
                }
            }
            floats[blk.out().index()] = Math.max(floats[blk.out().index()], blk.conv2().sourceFloats());
        }
        int sp = splitAt >= 0 ? Math.min(splitAt, blocks.size()) : defaultSplit(blocks);
        this.split = sp;
        this.chunk = sp < blocks.size() ? chunkSize : 1; // slots per plane: 1 for a plan without chunks
        int[] slotsOf = new int[all.size()];
        Arrays.fill(slotsOf, 1);
        int chunkPhases = 0;
        for (int i = sp; i < blocks.size(); i++) {
            Block blk = blocks.get(i);
            slotsOf[blk.in().index()] = chunk;
            slotsOf[blk.out().index()] = chunk;
            if (blk.conv1().phased()) {
                chunkPhases = Math.max(chunkPhases, blk.conv1().sourceFloats());
            }
        }
        this.stride = floats;
        this.slots = slotsOf;
        this.chunkPhaseFloats = chunkPhases;
        int phaseSize = phases;
        int chunkPhaseSize = Math.multiplyExact(chunk, chunkPhases);
        int inputSize = stem == null ? 0 : PaddedConv.paddedFloats(inChannels, height, width, stemPad);
        int pooledSize = lastChannels * last.h() * last.w();
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(floats, slotsOf, phaseSize, chunkPhaseSize, inputSize, pooledSize));
    }

    /**
     * Compiles {@code model} for inputs {@code [n, inChannels, height, width]}.
     *
     * @throws IllegalArgumentException if the model is in training mode, or is not a ResNet of
     *                                   BasicBlocks with BatchNorms (or folded BatchNorms) after
     *                                   its convolutions, or the input size is too small for it
     */
    public static ResNetPlan of(ResNet model, int height, int width) {
        check(model, height, width);
        return new ResNetPlan(model, height, width, CHUNK, -1);
    }

    /** What every plan needs: a model in eval mode and an input of at least one pixel. */
    private static void check(ResNet model, int height, int width) {
        if (model == null) {
            throw new IllegalArgumentException("resnet plan: the model must not be null");
        }
        if (model.isTraining()) {
            throw new IllegalArgumentException("resnet plan: the model is in training mode; call eval() first (a plan folds"
                    + " the BatchNorms' running statistics)");
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("resnet plan: the input size must be >= 1, got " + height + "x" + width);
        }
    }

    /**
     * As {@link #of(ResNet, int, int)} with blocks {@code split} on run over chunks of up to
     * {@code chunk} images ({@code split} past the last block: none); for tests of the chunked path
     * on models too small to take it by default.
     */
    static ResNetPlan of(ResNet model, int height, int width, int chunk, int split) {
        if (chunk < 1 || split < 0) {
            throw new IllegalArgumentException("resnet plan: needs chunk >= 1 and split >= 0, got chunk=" + chunk + ", split=" + split);
        }
        check(model, height, width);
        return new ResNetPlan(model, height, width, chunk, split);
    }

    /** The first block with a convolution of at least {@link #CHUNK_MIN_WEIGHTS} weights whose GEMM batches images, or none. */
    private static int defaultSplit(List<Block> blocks) {
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            for (PaddedConv pc : new PaddedConv[] {b.conv1(), b.conv2(), b.shortcut()}) {
                if (pc != null && pc.batchesImages() && pc.weightFloats() >= CHUNK_MIN_WEIGHTS) {
                    return i;
                }
            }
        }
        return blocks.size();
    }

    /** The input size this plan was made for: {@code {inChannels, height, width}}. */
    public int[] input() {
        return new int[] {inChannels, height, width};
    }

    /** Logits {@code [n, classes]} of images {@code x [n, inChannels, height, width]}: the model's fc over {@link #features}. */
    public Tensor forward(Tensor x) {
        Tensor f = features(x);
        try (GradMode.Scope s = GradMode.noGrad()) {
            return Functional.linear(f, fcWeight, fcBias);
        }
    }

    /** The penultimate features {@code [n, lastWidth]} (after global average pooling). */
    public Tensor features(Tensor x) {
        if (x == null || x.dim() != 4 || x.size(1) != inChannels || x.size(2) != height || x.size(3) != width) {
            throw new IllegalArgumentException("resnet plan: expects input [n, " + inChannels + ", " + height + ", " + width
                    + "] (the size it was made for), got " + (x == null ? "null" : Shape.str(x.shape())));
        }
        int n = x.size(0);
        float[] src;
        int inC, inH, inW;
        if (stem == null) {
            Tensor h;
            try (GradMode.Scope s = GradMode.noGrad()) {
                int st = stemConv[0], p = stemConv[1], d = stemConv[2];
                h = Functional.conv2dFused(x, stemWeight, stemScale, stemShift, null, true, st, st, p, p, d, d, stemConv[3]);
                if (maxPool != null) {
                    h = Functional.maxPool2d(h, maxPool[0], maxPool[1], maxPool[2]);
                }
            }
            src = h.contiguous().rowMajorData();
            inC = firstChannels;
            inH = first.h();
            inW = first.w();
        } else {
            src = x.detach().contiguous().rowMajorData();
            inC = inChannels;
            inH = height;
            inW = width;
        }
        int c = lastChannels;
        float[] features = new float[n * c]; // [n, c]
        int image = inC * inH * inW;
        if (split == blocks.size()) {
            Plans.items(n, (i, threads) -> {
                float[] cur = prefix(src, i * image, 0, threads);
                pool(cur, 0, features, i * c);
            });
        } else {
            // Chunks of up to CHUNK images, but at least as many chunks as threads when there are as many images.
            int size = Math.max(1, Math.min(chunk, n / Parallel.threads()));
            int chunks = (n + size - 1) / size;
            Plans.items(chunks, (k, threads) -> {
                int from = k * size, count = Math.min(size, n - from);
                chunkOf(src, from, count, image, features, c, threads);
            });
        }
        return Tensor.fromStorage(features, n, c);
    }

    /** Where image {@code slot} of a chunk lies in geometry g's planes. */
    private int at(Geometry g, int slot) {
        return slots[g.index()] > 1 ? slot * stride[g.index()] : 0;
    }

    /**
     * One image from its input (the model's, or the stem's output) at xOff through the blocks before
     * {@link #split}, its planes at chunk slot {@code slot}; returns the planes holding the output (at
     * {@code at(geometry, slot)}).
     */
    private float[] prefix(float[] x, int xOff, int slot, int threads) {
        Buffers b = buffers.get();
        float[] cur = b.planes[first.index()][0];
        int curOff = at(first, slot);
        if (stem != null) {
            PaddedConv.pad(x, xOff, inChannels, height, width, stemPad, b.input);
            stem.run(b.input, 0, cur, curOff, null, 0, threads);
        } else {
            PaddedConv.pad(x, xOff, firstChannels, first.h(), first.w(), PAD, first.padW(), cur, curOff);
        }
        for (int i = 0; i < split; i++) {
            Block blk = blocks.get(i);
            cur = block(b, blk, cur, 1, at(blk.in(), slot), at(blk.out(), slot), b.phases, b.phases.length, threads);
        }
        return cur;
    }

    /**
     * One block over {@code count} images: their inputs in cur from inOff (one geometry's
     * {@link #stride} apart), their outputs into the block's planes from outOff, their phase splits in
     * phases ({@code phaseStride} apart); returns the planes holding the outputs.
     */
    private float[] block(Buffers b, Block blk, float[] cur, int count, int inOff, int outOff, float[] phases, int phaseStride,
                          int threads) {
        int inStride = stride[blk.in().index()], outStride = stride[blk.out().index()];
        float[][] out = b.planes[blk.out().index()];
        float[] next = out[0] == cur ? out[1] : out[0];
        float[] mid = out[2];
        float[] res = cur;
        int resOff = inOff, resStride = inStride;
        float[] src1 = cur;
        int src1Off = inOff, src1Stride = inStride;
        if (blk.conv1().phased()) {
            for (int j = 0; j < count; j++) {
                blk.conv1().splitPhases(cur, inOff + j * inStride, phases, j * phaseStride);
            }
            src1 = phases;
            src1Off = 0;
            src1Stride = phaseStride;
        }
        if (blk.shortcut() != null) {
            res = out[3];
            resOff = outOff;
            resStride = outStride;
            boolean ph = blk.shortcut().phased();
            blk.shortcut().run(count, ph ? phases : cur, ph ? 0 : inOff, ph ? phaseStride : inStride, res, outOff, outStride, null, 0, 0,
                    threads);
        }
        blk.conv1().run(count, src1, src1Off, src1Stride, mid, outOff, outStride, null, 0, 0, threads);
        blk.conv2().run(count, mid, outOff, outStride, next, outOff, outStride, res, resOff, resStride, threads);
        return next;
    }

    /** Pools the last block's output planes at off into features at fOff. */
    private void pool(float[] cur, int off, float[] features, int fOff) {
        Buffers b = buffers.get();
        PaddedConv.unpad(cur, off, lastChannels, last.h(), last.w(), PAD, last.padW(), b.pooled, 0);
        GlobalAvgPool2d.forward(1, lastChannels, last.h(), last.w(), b.pooled, 0, features, fOff);
    }

    /**
     * Images {@code from .. from + count - 1}: each through the blocks before {@link #split} into its
     * chunk slot, then the chunk through the rest block by block, every convolution over all of its
     * images at once.
     */
    private void chunkOf(float[] x, int from, int count, int image, float[] features, int c, int threads) {
        Buffers b = buffers.get();
        float[] cur = null;
        for (int j = 0; j < count; j++) {
            cur = prefix(x, (from + j) * image, j, threads);
        }
        for (int i = split; i < blocks.size(); i++) {
            cur = block(b, blocks.get(i), cur, count, 0, 0, b.chunkPhases, chunkPhaseFloats, threads);
        }
        for (int j = 0; j < count; j++) {
            pool(cur, j * stride[last.index()], features, (from + j) * c);
        }
    }

    /** The first block run over chunks of images ({@link #CHUNK} at most), or the number of blocks when none is. */
    int split() {
        return split;
    }

    /**
     * The activation sizes whose rows go end to end, without column padding: rows of at most half a
     * vector (8 x 8 at 16 lanes), which no strided convolution reads (they read phase planes of
     * padded rows). There two rows fill a vector and the 3x3 convolutions read shifted column copies
     * ({@link PaddedConv}) instead of blending two half rows per load; keys {@code h << 32 | w}.
     */
    private static Set<Long> unpaddedRows(ResNet model, int height, int width, boolean hasMaxPool) {
        Conv2d c1 = part(model, "conv1", Conv2d.class);
        int h = c1.outSize(height), w = c1.outSize(width);
        if (hasMaxPool) {
            Layers.MaxPool2d mp = part(model, "maxpool", Layers.MaxPool2d.class);
            h = pooled(mp, h);
            w = pooled(mp, w);
        }
        Set<Long> sizes = new HashSet<>();
        Set<Long> stridedReads = new HashSet<>();
        for (int st = 1; st <= model.stages(); st++) {
            Sequential stage = part(model, "layer" + st, Sequential.class);
            for (int b = 0; b < stage.size(); b++) {
                Conv2d conv1 = part(model, "layer" + st + "." + b + ".conv1", Conv2d.class);
                long key = (long) h << 32 | w;
                sizes.add(key);
                if (conv1.stride() > 1) {
                    stridedReads.add(key);
                }
                h = conv1.outSize(h);
                w = conv1.outSize(w);
            }
        }
        sizes.add((long) h << 32 | w);
        int half = KernelConfig.FLOATS.length() / 2;
        sizes.removeIf(k -> stridedReads.contains(k) || (int) (long) k > half);
        return sizes;
    }

    /** The max pool's output size along a side of {@code size} (floor mode, as the pool op). */
    private static int pooled(Layers.MaxPool2d mp, int size) {
        return (size + 2 * mp.padding() - mp.kernel()) / mp.stride() + 1;
    }

    /** The geometry of {@code h x w} activations, made once per size; its planes hold the most channels asked for there. */
    private static Geometry geometry(Map<Long, Geometry> byShape, List<Geometry> all, int h, int w, int channels, Set<Long> unpadded) {
        long key = (long) h << 32 | w;
        Geometry g = byShape.get(key);
        if (g == null || g.channels() < channels) {
            Geometry ng = new Geometry(g == null ? all.size() : g.index(), h, w, Math.max(channels, g == null ? 0 : g.channels()),
                    unpadded.contains(key) ? 0 : PAD);
            if (g == null) {
                all.add(ng);
            } else {
                all.set(g.index(), ng);
            }
            byShape.put(key, ng);
            return ng;
        }
        return g;
    }

    /** The submodule at path as a {@code type}, or a clear error: a layer replaced by another kind is not a ResNet this plan runs. */
    private static <T extends Module> T part(ResNet model, String path, Class<T> type) {
        Module m = model.get(path);
        if (!type.isInstance(m)) {
            throw new IllegalArgumentException("resnet plan: " + path + " must be a " + type.getSimpleName() + ", got "
                    + m.getClass().getSimpleName());
        }
        return type.cast(m);
    }

    private static Conv2dShape shape(Conv2d c, int h, int w) {
        if (c.groups() != 1 || c.dilation() != 1) {
            throw new IllegalArgumentException("resnet plan: convolutions with groups or dilation are not supported, got groups="
                    + c.groups() + ", dilation=" + c.dilation());
        }
        int k = c.kernel(), s = c.stride(), p = c.padding();
        return new Conv2dShape(1, c.inChannels(), h, w, c.outChannels(), k, k, s, s, p, p, 1, 1, 1);
    }

    /** The epilogue's {scale, shift} standing for norm after conv ({@link FusedConv#affine}), either null for none. */
    private static Tensor[] affine(Conv2d conv, Module norm) {
        Tensor[] affine = FusedConv.affine(conv, norm);
        if (affine == null) {
            throw new IllegalArgumentException("resnet plan: a convolution must be followed by an eval-mode BatchNorm2d over its "
                    + conv.outChannels() + " channels or by a folded one (Identity), got " + norm.getClass().getSimpleName());
        }
        return affine;
    }

    private static Tensor copy(Tensor t) {
        return t == null ? null : Tensor.fromStorage(t.contiguous().rowMajorData().clone(), t.shape());
    }

    /** conv with norm as a padded convolution from planes padded by srcPadH x srcPadW into dst's planes. */
    private static PaddedConv padded(Conv2d conv, Module norm, Conv2dShape s, boolean relu, int srcPadH, int srcPadW, Geometry dst) {
        Tensor[] affine = affine(conv, norm);
        float[] scale = affine[0] == null ? null : affine[0].rowMajorData();
        float[] shift = affine[1] == null ? null : affine[1].contiguous().rowMajorData();
        return PaddedConv.of(s, conv.weight().get().contiguous().rowMajorData(), 0, scale, shift, relu, srcPadH, srcPadW, PAD,
                dst.padW());
    }
}
