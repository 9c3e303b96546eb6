package dev.sprig.data;

/**
 * Per-channel {@code (x · scale − mean) / std}, e.g. scale 1/255 then the dataset's channel mean and
 * standard deviation.
 */
public record Normalize(float scale, float[] mean, float[] std) {
    public Normalize {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0f)) {
                throw new IllegalArgumentException("normalisation std must be > 0, got " + s);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** The metadata keys of a model file that record its normalisation. */
    public static final String SCALE_KEY = "normalize.scale", MEAN_KEY = "normalize.mean", STD_KEY = "normalize.std";

    /** Writes this normalisation into a model file's metadata ({@code normalize.scale}, {@code .mean}, {@code .std}). */
    public void putMetadata(java.util.Map<String, String> meta) {
        meta.put(SCALE_KEY, Float.toString(scale));
        meta.put(MEAN_KEY, join(mean));
        meta.put(STD_KEY, join(std));
    }

    /**
     * The normalisation a model file's metadata records, or null when it records none; a partial or
     * malformed record is an error naming {@code file} and the values found.
     */
    public static Normalize fromMetadata(java.util.Map<String, String> meta, String file) {
        String scale = meta.get(SCALE_KEY);
        String mean = meta.get(MEAN_KEY);
        String std = meta.get(STD_KEY);
        if (scale == null && mean == null && std == null) {
            return null;
        }
        try {
            if (scale == null || mean == null || std == null) {
                throw new IllegalArgumentException("all three keys are needed");
            }
            return new Normalize(Float.parseFloat(scale), floats(mean), floats(std));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            throw new IllegalArgumentException(file + ": bad normalisation in the metadata (" + SCALE_KEY + " " + scale + ", " + MEAN_KEY
                    + " " + mean + ", " + STD_KEY + " " + std + "): " + e.getMessage(), e);
        }
    }

    /** Comma-separated, as the metadata holds them. */
    public static String join(float[] a) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            b.append(i == 0 ? "" : ",").append(a[i]);
        }
        return b.toString();
    }

    private static float[] floats(String s) {
        String[] parts = s.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim());
        }
        return out;
    }

    /** The per-channel mean and std of a dataset after scaling by {@code scale}. */
    public static Normalize fit(LabeledImages d, float scale) {
        int c = d.channels();
        int plane = d.height() * d.width();
        double[] sum = new double[c];
        double[] sq = new double[c];
        float[] im = d.images();
        for (int i = 0; i < d.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                int o = (i * c + ch) * plane;
                for (int k = 0; k < plane; k++) {
                    double v = im[o + k] * scale;
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        double n = (double) d.size() * plane;
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            mean[ch] = (float) m;
            std[ch] = (float) Math.max(1e-6, Math.sqrt(Math.max(0, sq[ch] / n - m * m)));
        }
        return new Normalize(scale, mean, std);
    }

    void apply(float[] img, int off, int c, int plane) {
        if (c != mean.length) {
            throw new IllegalArgumentException("normalisation has " + mean.length + " channels, the images have " + c);
        }
        for (int ch = 0; ch < c; ch++) {
            float a = scale / std[ch];
            float b = -mean[ch] / std[ch];
            int o = off + ch * plane;
            for (int k = 0; k < plane; k++) {
                img[o + k] = img[o + k] * a + b;
            }
        }
    }
}
