package dev.sprig.cli;

import dev.sprig.method.experiment.Experiment;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Draws each experiment stage as a progress bar with an ETA on the terminal. */
final class ProgressListener implements Experiment.Listener {
    private ProgressBar bar;

    @Override
    public void stage(String name, long total) {
        stageDone();
        System.out.println("== " + name);
        bar = new ProgressBarBuilder().setTaskName("").setInitialMax(Math.max(1, total)).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate().build();
    }

    @Override
    public void progress(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    @Override
    public void stageDone() {
        if (bar != null) {
            bar.stepTo(bar.getMax());
            bar.close();
            bar = null;
        }
    }

    @Override
    public void message(String line) {
        System.out.println(line);
    }
}
