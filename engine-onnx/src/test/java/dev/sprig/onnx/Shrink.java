package dev.sprig.onnx;

import dev.sprig.nn.Module;
import dev.sprig.nn.MultiHeadSelfAttention;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ViT;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Makes "pruned" models for tests: keeps a random, sorted subset of each channel group (of a random
 * size in {@code [lo, hi]} of its width, at least one) and adopts the sliced state dict, as
 * {@code ModelFileTest} does, so that every block ends up with its own width.
 */
final class Shrink {
    private final Random rng;
    private final float lo;
    private final float hi;

    Shrink(long seed, float lo, float hi) {
        this.rng = new Random(seed);
        this.lo = lo;
        this.hi = hi;
    }

    /** A sorted random subset of {@code 0..n-1} of random size. */
    int[] keep(int n) {
        int k = Math.max(1, Math.min(n, Math.round(n * (lo + (hi - lo) * rng.nextFloat()))));
        int[] all = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return IntStream.of(all).limit(k).sorted().toArray();
    }

    private static Tensor pick(Tensor t, int dim, int[] index) {
        return Functional.indexSelect(t.detach(), dim, index);
    }

    /**
     * Shrinks every BasicBlock's inner width on its own, and each stage's residual width (the stem's
     * for stage 1) across the convs, BNs and shortcuts that carry it, and the classifier's inputs.
     */
    ResNet resnet(ResNet net) {
        Map<String, Tensor> state = net.stateDict();
        Map<String, Tensor> out = new LinkedHashMap<>(state);
        int stages = net.stages();
        int[][] residual = new int[stages + 1][]; // residual[s]: kept channels of stage s (1-based); [0] unused
        for (int s = 1; s <= stages; s++) {
            residual[s] = keep(state.get("layer" + s + ".0.conv2.weight").size(0));
        }
        sliceConvBn(out, "conv1", "bn1", residual[1], null);
        for (int s = 1; s <= stages; s++) {
            int blocks = ((Module) net.get("layer" + s)).children().size();
            for (int b = 0; b < blocks; b++) {
                String p = "layer" + s + "." + b + ".";
                int[] in = b == 0 && s > 1 ? residual[s - 1] : residual[s];
                int[] inner = keep(state.get(p + "conv1.weight").size(0));
                sliceConvBn(out, p + "conv1", p + "bn1", inner, in);
                sliceConvBn(out, p + "conv2", p + "bn2", residual[s], inner);
                if (state.containsKey(p + "downsample.0.weight")) {
                    sliceConvBn(out, p + "downsample.0", p + "downsample.1", residual[s], in);
                }
            }
        }
        out.put("fc.weight", pick(state.get("fc.weight"), 1, residual[stages]));
        net.adoptStateDict(out);
        return net;
    }

    private static void sliceConvBn(Map<String, Tensor> s, String conv, String bn, int[] outKeep, int[] inKeep) {
        Tensor w = pick(s.get(conv + ".weight"), 0, outKeep);
        s.put(conv + ".weight", inKeep == null ? w : pick(w, 1, inKeep));
        for (String k : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            s.put(bn + "." + k, pick(s.get(bn + "." + k), 0, outKeep));
        }
    }

    /**
     * Shrinks the embedding width d everywhere it appears, each block's heads (keeping at least one)
     * and each block's MLP hidden nodes on their own; fused and separate qkv alike.
     */
    ViT vit(ViT vit) {
        Map<String, Tensor> state = vit.stateDict();
        Map<String, Tensor> out = new LinkedHashMap<>();
        int[] d = keep(state.get("cls_token").size(2));
        Map<String, int[]> headRows = new LinkedHashMap<>(); // block prefix -> kept rows of q (= k = v)
        Map<String, int[]> hidden = new LinkedHashMap<>();   // block prefix -> kept MLP nodes
        for (String key : state.keySet()) {
            if (key.endsWith(".attn.proj.weight")) {
                String block = key.substring(0, key.indexOf(".attn."));
                MultiHeadSelfAttention a = (MultiHeadSelfAttention) vit.get(block + ".attn");
                int[] heads = keep(a.heads());
                int hd = a.headDim();
                headRows.put(block, IntStream.of(heads).flatMap(h -> IntStream.range(h * hd, (h + 1) * hd)).toArray());
                hidden.put(block, keep(((ViT.Mlp) vit.get(block + ".mlp")).hidden()));
            }
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            String block = k.startsWith("blocks.") ? k.substring(0, k.indexOf('.', "blocks.".length())) : null;
            if (k.equals("cls_token") || k.equals("pos_embed")) {
                t = pick(t, 2, d);
            } else if (k.startsWith("patch_embed.") || k.contains("norm") || k.endsWith("proj.bias") || k.endsWith("fc2.bias")) {
                t = pick(t, 0, d);
            } else if (k.equals("head.weight")) {
                t = pick(t, 1, d);
            } else if (k.matches(".*attn\\.[qkv]\\.(weight|bias)")) {
                t = pick(t, 0, headRows.get(block));
                t = k.endsWith("weight") ? pick(t, 1, d) : t;
            } else if (k.matches(".*attn\\.qkv\\.(weight|bias)")) {
                int inner = t.size(0) / 3;
                int[] rows = headRows.get(block);
                int[] fused = IntStream.range(0, 3).flatMap(j -> IntStream.of(rows).map(r -> r + j * inner)).toArray();
                t = pick(t, 0, fused);
                t = k.endsWith("weight") ? pick(t, 1, d) : t;
            } else if (k.endsWith("proj.weight")) {
                t = pick(pick(t, 0, d), 1, headRows.get(block));
            } else if (k.endsWith("fc1.weight")) {
                t = pick(pick(t, 0, hidden.get(block)), 1, d);
            } else if (k.endsWith("fc1.bias")) {
                t = pick(t, 0, hidden.get(block));
            } else if (k.endsWith("fc2.weight")) {
                t = pick(pick(t, 0, d), 1, hidden.get(block));
            }
            out.put(k, t);
        }
        vit.adoptStateDict(out);
        return vit;
    }
}
