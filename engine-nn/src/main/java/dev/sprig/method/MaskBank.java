package dev.sprig.method;

import dev.sprig.nn.io.AtomicFiles;
import dev.sprig.nn.io.Json;
import dev.sprig.nn.io.SafeTensors;
import dev.sprig.prune.PruningMask;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The masks of earlier tasks, on disk, for one pre-trained model.
 *
 * <p>Layout of a bank directory (all JSON is UTF-8; every file is written to a temporary name and
 * renamed into place, and the index last, so a crash never leaves the index naming a missing file):
 * <pre>
 * index.json                     {"format": "sprig-mask-bank", "version": 1,
 *                                 "model": {"architecture": "resnet", "fingerprint": "sha256:..."},
 *                                 "entries": [{"id", "task", "classes", "keepRatio", "method", "accuracy",
 *                                              "mask": "masks/ID.json", "embedding": "embeddings/ID.safetensors"}]}
 * masks/ID.json                  {"format": "sprig-mask-1", "groups": {"GROUP": "0110...", ...}} ({@link PruningMask#toJson})
 *                                 (one character per unit: 1 kept, 0 removed)
 * embeddings/ID.safetensors      tensors "prototypes" [k, f] and "mean" [f]
 * </pre>
 * A reader accepts any version up to its own and refuses newer ones with a clear error.
 */
public final class MaskBank {
    public static final String FORMAT = "sprig-mask-bank";
    public static final int VERSION = 1;

    private final Path dir;
    private final String architecture;
    private final String fingerprint;
    private final List<BankEntry> entries = new ArrayList<>();

    private MaskBank(Path dir, String architecture, String fingerprint) {
        this.dir = dir;
        this.architecture = architecture;
        this.fingerprint = fingerprint;
    }

    /**
     * Opens the bank in {@code dir}, creating an empty one if there is none. An existing bank made
     * from another model is refused.
     */
    public static MaskBank openOrCreate(Path dir, String architecture, String fingerprint) throws IOException {
        if (Files.exists(dir.resolve("index.json"))) {
            MaskBank b = open(dir);
            b.requireModel(fingerprint);
            return b;
        }
        MaskBank b = new MaskBank(dir, architecture, fingerprint);
        Files.createDirectories(dir);
        b.writeIndex();
        return b;
    }

    /** Opens an existing bank. */
    public static MaskBank open(Path dir) throws IOException {
        Path index = dir.resolve("index.json");
        if (!Files.isRegularFile(index)) {
            throw new IOException("no mask bank in " + dir + " (" + index + " is missing)");
        }
        try {
            Map<String, Object> root = obj(Json.parse(Files.readString(index, StandardCharsets.UTF_8)), "index");
            if (!FORMAT.equals(root.get("format"))) {
                throw new IllegalArgumentException("format is '" + root.get("format") + "', expected '" + FORMAT + "'");
            }
            long version = num(root, "version").longValue();
            if (version < 1) {
                throw new IllegalArgumentException("bank version " + version + " is unknown/invalid (versions start at 1)");
            }
            if (version > VERSION) {
                throw new IllegalArgumentException("bank version " + version + " is newer than this Sprig reads (up to " + VERSION
                        + "); upgrade Sprig");
            }
            Map<String, Object> model = obj(root.get("model"), "model");
            MaskBank b = new MaskBank(dir, str(model, "architecture"), str(model, "fingerprint"));
            for (Object o : list(root.get("entries"), "entries")) {
                b.entries.add(b.readEntry(obj(o, "entry")));
            }
            return b;
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(index + ": " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return dir;
    }

    public String architecture() {
        return architecture;
    }

    /** The fingerprint ({@link ModelFingerprint}) of the model the masks were made from. */
    public String modelFingerprint() {
        return fingerprint;
    }

    /** Fails unless the bank was made from the model with this fingerprint. */
    public void requireModel(String modelFingerprint) {
        if (!fingerprint.equals(modelFingerprint)) {
            throw new IllegalArgumentException("mask bank " + dir + " was made from another pre-trained model (" + fingerprint
                    + "), not this one (" + modelFingerprint + "); its masks do not apply");
        }
    }

    public List<BankEntry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public int size() {
        return entries.size();
    }

    public boolean contains(String id) {
        return entries.stream().anyMatch(e -> e.id().equals(id));
    }

    /** Adds an entry and writes it through: mask and embedding files first, then the index. */
    public synchronized void add(BankEntry e) throws IOException {
        if (contains(e.id())) {
            throw new IllegalArgumentException("mask bank " + dir + " already has an entry '" + e.id() + "'");
        }
        AtomicFiles.writeString(dir.resolve(maskPath(e.id())), e.mask().toJson() + "\n");
        TaskEmbedding emb = e.embedding();
        float[][] protos = emb.prototypes();
        float[] flat = new float[emb.classes() * emb.features()];
        for (int i = 0; i < protos.length; i++) {
            System.arraycopy(protos[i], 0, flat, i * emb.features(), emb.features());
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("prototypes", Tensor.fromStorage(flat, emb.classes(), emb.features()));
        tensors.put("mean", Tensor.fromStorage(emb.mean(), emb.features()));
        Path embFile = dir.resolve(embeddingPath(e.id()));
        Files.createDirectories(embFile.getParent());
        SafeTensors.write(embFile, tensors, Map.of("format", "sprig-task-embedding"));
        entries.add(e);
        writeIndex();
    }

    private static String maskPath(String id) {
        return "masks/" + id + ".json";
    }

    private static String embeddingPath(String id) {
        return "embeddings/" + id + ".safetensors";
    }

    private void writeIndex() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("architecture", architecture);
        model.put("fingerprint", fingerprint);
        root.put("model", model);
        List<Object> list = new ArrayList<>();
        for (BankEntry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("task", e.task());
            List<Object> classes = new ArrayList<>();
            for (int c : e.classes()) {
                classes.add(c);
            }
            m.put("classes", classes);
            m.put("keepRatio", e.keepRatio());
            m.put("method", e.method());
            m.put("accuracy", e.accuracy());
            m.put("mask", maskPath(e.id()));
            m.put("embedding", embeddingPath(e.id()));
            list.add(m);
        }
        root.put("entries", list);
        AtomicFiles.writeString(dir.resolve("index.json"), Json.write(root) + "\n");
    }

    private BankEntry readEntry(Map<String, Object> m) throws IOException {
        String id = str(m, "id");
        List<Object> cl = list(m.get("classes"), "classes of " + id);
        int[] classes = new int[cl.size()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = ((Number) cl.get(i)).intValue();
        }
        Path maskFile = dir.resolve(str(m, "mask"));
        PruningMask mask;
        try {
            mask = PruningMask.fromJson(Files.readString(maskFile, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | java.nio.file.NoSuchFileException e) {
            throw new IOException(maskFile + ": " + e.getMessage(), e);
        }
        Path embFile = dir.resolve(str(m, "embedding"));
        SafeTensors.Contents c = SafeTensors.read(embFile);
        Tensor p = c.tensors().get("prototypes");
        Tensor mean = c.tensors().get("mean");
        if (p == null || mean == null || p.dim() != 2 || mean.dim() != 1 || p.size(1) != mean.size(0)) {
            throw new IOException(embFile + ": expected tensors prototypes [k, f] and mean [f], got " + c.tensors().keySet());
        }
        float[] pd = p.rowMajorData();
        float[][] protos = new float[p.size(0)][p.size(1)];
        for (int i = 0; i < protos.length; i++) {
            System.arraycopy(pd, i * p.size(1), protos[i], 0, p.size(1));
        }
        return new BankEntry(id, str(m, "task"), classes, num(m, "keepRatio").doubleValue(), str(m, "method"),
                num(m, "accuracy").doubleValue(), mask, new TaskEmbedding(protos, mean.rowMajorData()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String what) {
        if (!(o instanceof List)) {
            throw new IllegalArgumentException(what + " must be a JSON array, got " + o);
        }
        return (List<Object>) o;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("field '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    private static Number num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("field '" + key + "' must be a number, got " + v);
        }
        return n;
    }
}
