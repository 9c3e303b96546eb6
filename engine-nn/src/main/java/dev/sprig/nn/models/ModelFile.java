package dev.sprig.nn.models;

import dev.sprig.nn.Module;
import dev.sprig.nn.io.Json;
import dev.sprig.nn.io.SafeTensors;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model in one safetensors file that loads from the file alone: the state dict as the tensors,
 * and in the header metadata the format, the architecture ({@code resnet} or {@code vit}) and its
 * config as JSON. Loading builds the architecture from the config and then adopts the file's tensor
 * shapes ({@link Module#adoptStateDict}), so a pruned model with uneven widths loads as it was saved.
 * Callers may add their own metadata (data normalisation, class names, provenance); keys starting
 * with {@code sprig.} are reserved.
 */
public final class ModelFile {
    /** The value of the {@code sprig.format} metadata key. */
    public static final String FORMAT = "sprig-model-1";

    private ModelFile() {}

    /** A loaded model and the file's metadata (without the reserved keys). */
    public record Loaded(Module model, Map<String, String> metadata) {}

    /** Writes {@code model} (a {@link ResNet} or a {@link ViT}) atomically. */
    public static void save(Path file, Module model, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().startsWith("sprig.")) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved (keys starting with 'sprig.')");
            }
            meta.put(e.getKey(), e.getValue());
        }
        meta.put("sprig.format", FORMAT);
        switch (model) {
            case ResNet r -> {
                meta.put("sprig.architecture", "resnet");
                meta.put("sprig.config", Json.write(toMap(r.config())));
            }
            case ViT v -> {
                meta.put("sprig.architecture", "vit");
                meta.put("sprig.config", Json.write(toMap(v.config())));
            }
            default -> throw new IllegalArgumentException("ModelFile saves a ResNet or a ViT, got " + model.getClass().getName());
        }
        // The file is loaded by building the architecture from its config and adopting the tensors
        // (widths may differ: a shrunk model). A model whose structure was changed otherwise, e.g.
        // BatchNorm folded into the convolutions for inference, would save but never load: refuse it.
        Map<String, Tensor> state = model.stateDict();
        Module fresh = switch (model) {
            case ResNet r -> new ResNet(r.config(), 0);
            case ViT v -> new ViT(v.config(), 0);
            default -> throw new IllegalStateException();
        };
        java.util.Set<String> expected = fresh.stateDict().keySet();
        if (!expected.equals(state.keySet())) {
            java.util.Set<String> missing = new java.util.TreeSet<>(expected);
            missing.removeAll(state.keySet());
            java.util.Set<String> extra = new java.util.TreeSet<>(state.keySet());
            extra.removeAll(expected);
            throw new IllegalArgumentException("cannot save this " + meta.get("sprig.architecture") + ": its structure no longer matches"
                    + " its config (folded for inference?), so the file could not be loaded; missing " + missing + ", unexpected " + extra);
        }
        SafeTensors.write(file, state, meta);
    }

    /** Reads a model file written by {@link #save}; the model is in eval mode. */
    public static Loaded load(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("sprig.format"))) {
            throw new IOException(file + ": not a Sprig model file (metadata sprig.format is '" + meta.get("sprig.format")
                    + "', expected '" + FORMAT + "')");
        }
        String arch = meta.get("sprig.architecture");
        Module model;
        try {
            Map<String, Object> cfg = asMap(Json.parse(String.valueOf(meta.get("sprig.config"))), "sprig.config");
            model = switch (String.valueOf(arch)) {
                case "resnet" -> new ResNet(resNetConfig(cfg), 0);
                case "vit" -> new ViT(vitConfig(cfg), 0);
                default -> throw new IllegalArgumentException("unknown architecture '" + arch + "', expected resnet or vit");
            };
            model.adoptStateDict(c.tensors());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        model.eval();
        Map<String, String> user = new LinkedHashMap<>();
        meta.forEach((k, v) -> {
            if (!k.startsWith("sprig.")) {
                user.put(k, v);
            }
        });
        return new Loaded(model, user);
    }

    /** The state dict a model file holds, as a plain map (for tools that only want tensors). */
    public static Map<String, Tensor> tensors(Path file) throws IOException {
        return SafeTensors.read(file).tensors();
    }

    // ------------------------------------------------------------------ configs as JSON

    static Map<String, Object> toMap(ResNetConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inChannels", c.inChannels());
        m.put("classes", c.classes());
        m.put("blocksPerStage", ints(c.blocksPerStage()));
        m.put("widths", ints(c.widths()));
        m.put("stem", c.stem().name());
        m.put("widthMultiplier", (double) c.widthMultiplier());
        return m;
    }

    static Map<String, Object> toMap(ViTConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inChannels", c.inChannels());
        m.put("imageSize", c.imageSize());
        m.put("patchSize", c.patchSize());
        m.put("classes", c.classes());
        m.put("dim", c.dim());
        m.put("depth", c.depth());
        m.put("heads", c.heads());
        m.put("headDim", c.headDim());
        m.put("mlpHidden", c.mlpHidden());
        m.put("fusedQkv", c.fusedQkv());
        return m;
    }

    static ResNetConfig resNetConfig(Map<String, Object> m) {
        String stem = str(m, "stem");
        ResNetConfig.Stem s;
        try {
            s = ResNetConfig.Stem.valueOf(stem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ResNet stem '" + stem + "' is not one of " + List.of(ResNetConfig.Stem.values()), e);
        }
        return new ResNetConfig(integer(m, "inChannels"), integer(m, "classes"), intArray(m, "blocksPerStage"),
                intArray(m, "widths"), s, (float) number(m, "widthMultiplier"));
    }

    static ViTConfig vitConfig(Map<String, Object> m) {
        Object fused = m.get("fusedQkv");
        if (!(fused instanceof Boolean)) {
            throw new IllegalArgumentException("config field 'fusedQkv' must be true or false, got " + fused);
        }
        return new ViTConfig(integer(m, "inChannels"), integer(m, "imageSize"), integer(m, "patchSize"), integer(m, "classes"),
                integer(m, "dim"), integer(m, "depth"), integer(m, "heads"), integer(m, "headDim"), integer(m, "mlpHidden"),
                (Boolean) fused);
    }

    private static List<Object> ints(int[] a) {
        List<Object> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + o);
        }
        return (Map<String, Object>) o;
    }

    private static double number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("config field '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    private static int integer(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Long l) || l != (int) (long) l) {
            throw new IllegalArgumentException("config field '" + key + "' must be an integer, got " + v);
        }
        return (int) (long) l;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("config field '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    private static int[] intArray(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException("config field '" + key + "' must be an array of integers, got " + v);
        }
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long x) || x != (int) (long) x) {
                throw new IllegalArgumentException("config field '" + key + "' must be an array of integers, got " + v);
            }
            out[i] = (int) (long) x;
        }
        return out;
    }
}
