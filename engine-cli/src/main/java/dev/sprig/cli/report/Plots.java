package dev.sprig.cli.report;

import dev.sprig.method.experiment.ExperimentResults;
import dev.sprig.method.experiment.RunResult;
import dev.sprig.method.experiment.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's PNG plots (XChart, headless): accuracy vs fine-tuning iterations per method (one
 * plot per keep ratio, error bars = std over targets); kept fraction per group in depth order per
 * method; the neighbours' mask overlap by depth.
 */
public final class Plots {
    private Plots() {}

    static List<Path> write(ExperimentResults r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Summary s = r.summary();
        TreeSet<Double> ratios = new TreeSet<>(java.util.Comparator.reverseOrder());
        s.rows().forEach(row -> ratios.add(row.keepRatio()));
        for (double ratio : ratios) {
            XYChart c = chart(String.format(Locale.ROOT, "Accuracy vs fine-tuning iterations, keep ratio %.2f", ratio),
                    "fine-tuning iterations", "test accuracy (%)");
            for (Summary.Row row : s.rows()) {
                if (row.keepRatio() != ratio) {
                    continue;
                }
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                List<Double> e = new ArrayList<>();
                row.accuracyByBudget().forEach((it, st) -> {
                    if (st.n() > 0) {
                        x.add((double) it);
                        y.add(100 * st.mean());
                        e.add(100 * st.std());
                    }
                });
                if (!x.isEmpty()) {
                    c.addSeries(row.method(), x, y, e).setMarker(SeriesMarkers.CIRCLE);
                }
            }
            out.add(save(c, dir.resolve(String.format(Locale.ROOT, "accuracy-vs-iterations-keep%.2f.png", ratio))));

            XYChart g = chart(String.format(Locale.ROOT, "Kept fraction per group (depth order), keep ratio %.2f", ratio),
                    "group (input → output)", "kept fraction");
            Map<String, List<RunResult>> byMethod = new LinkedHashMap<>();
            for (RunResult run : r.runs()) {
                if (run.keepRatio() == ratio && !run.groupKeepRatios().isEmpty()) {
                    byMethod.computeIfAbsent(run.method(), k -> new ArrayList<>()).add(run);
                }
            }
            for (Map.Entry<String, List<RunResult>> m : byMethod.entrySet()) {
                List<String> groups = new ArrayList<>(m.getValue().get(0).groupKeepRatios().keySet());
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (int i = 0; i < groups.size(); i++) {
                    double sum = 0;
                    for (RunResult run : m.getValue()) {
                        sum += run.groupKeepRatios().getOrDefault(groups.get(i), Double.NaN);
                    }
                    x.add((double) i);
                    y.add(sum / m.getValue().size());
                }
                g.addSeries(m.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
            if (!byMethod.isEmpty()) {
                out.add(save(g, dir.resolve(String.format(Locale.ROOT, "group-keep-ratios-keep%.2f.png", ratio))));
            }
        }
        if (r.maskOverlap() != null && !r.maskOverlap().isEmpty()) {
            XYChart c = chart("Neighbours' mask overlap by depth (mean pairwise Jaccard)", "group (input → output)", "overlap");
            for (Map.Entry<String, Map<String, Double>> e : r.maskOverlap().entrySet()) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                int i = 0;
                for (double v : e.getValue().values()) {
                    x.add((double) i++);
                    y.add(v);
                }
                if (!x.isEmpty()) {
                    XYSeries series = c.addSeries("keep " + e.getKey(), x, y);
                    series.setMarker(SeriesMarkers.CIRCLE);
                }
            }
            out.add(save(c, dir.resolve("mask-overlap-by-depth.png")));
        }
        return out;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(6);
        return c;
    }

    /** Encodes to a temporary file, then renames it into place. */
    private static Path save(XYChart c, Path file) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        BitmapEncoder.saveBitmap(c, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Path written = tmp.resolveSibling(tmp.getFileName() + ".png"); // XChart appends the extension
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }
}
