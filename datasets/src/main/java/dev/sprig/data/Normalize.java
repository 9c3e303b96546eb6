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
