package dev.sprig.method.experiment;

import dev.sprig.nn.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished run's cache file: {@link RunResult} as JSON (a NaN accuracy is written as null), with
 * the hash of the settings that made it ({@code "settings"}), so that a run is only reused under the
 * same settings.
 */
final class RunJson {
    private RunJson() {}

    static String write(RunResult r, String settings) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "sprig-run-1");
        m.put("settings", settings);
        m.put("target", r.target());
        List<Object> classes = new ArrayList<>();
        for (int c : r.classes()) {
            classes.add(c);
        }
        m.put("classes", classes);
        m.put("method", r.method());
        m.put("keepRatio", r.keepRatio());
        m.put("params", r.params());
        m.put("macs", r.macs());
        m.put("latencyMs", r.latencyMs());
        m.put("pruneSeconds", r.pruneSeconds());
        m.put("finetuneSeconds", r.finetuneSeconds());
        List<Object> curve = new ArrayList<>();
        for (CurvePoint p : r.curve()) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("iterations", p.iterations());
            q.put("accuracy", finite(p.accuracy()));
            q.put("loss", finite(p.loss()));
            curve.add(q);
        }
        m.put("curve", curve);
        m.put("groupKeepRatios", new LinkedHashMap<>(r.groupKeepRatios()));
        m.put("neighbours", new ArrayList<Object>(r.neighbours()));
        m.put("similarities", new ArrayList<Object>(r.similarities()));
        return Json.write(m) + "\n";
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The settings hash a run file was written with, or null when it has none or cannot be read (then it is rerun). */
    static String settings(Path f) {
        try {
            return Json.parse(Files.readString(f, StandardCharsets.UTF_8)) instanceof Map<?, ?> m && m.get("settings") instanceof String h
                    ? h : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    static RunResult read(Path f) throws IOException {
        try {
            Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(f, StandardCharsets.UTF_8));
            if (!"sprig-run-1".equals(m.get("format"))) {
                throw new IllegalArgumentException("format is '" + m.get("format") + "', expected 'sprig-run-1'");
            }
            List<Object> cl = (List<Object>) m.get("classes");
            int[] classes = new int[cl.size()];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = ((Number) cl.get(i)).intValue();
            }
            List<CurvePoint> curve = new ArrayList<>();
            for (Object o : (List<Object>) m.get("curve")) {
                Map<String, Object> q = (Map<String, Object>) o;
                curve.add(new CurvePoint(((Number) q.get("iterations")).intValue(), num(q.get("accuracy")), num(q.get("loss"))));
            }
            Map<String, Double> groups = new LinkedHashMap<>();
            ((Map<String, Object>) m.get("groupKeepRatios")).forEach((k, v) -> groups.put(k, num(v)));
            List<String> nb = new ArrayList<>();
            for (Object o : (List<Object>) m.get("neighbours")) {
                nb.add((String) o);
            }
            List<Double> sims = new ArrayList<>();
            for (Object o : (List<Object>) m.get("similarities")) {
                sims.add(num(o));
            }
            return new RunResult((String) m.get("target"), classes, (String) m.get("method"), num(m.get("keepRatio")),
                    ((Number) m.get("params")).longValue(), ((Number) m.get("macs")).longValue(), num(m.get("latencyMs")),
                    num(m.get("pruneSeconds")), num(m.get("finetuneSeconds")), curve, groups, nb, sims);
        } catch (RuntimeException e) {
            throw new IOException(f + ": not a readable run result (" + e.getMessage() + "); delete it to rerun that run", e);
        }
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }
}
