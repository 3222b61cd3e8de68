package cifarlinear.cli;

import me.tongfei.progressbar.ProgressBar;

import java.util.Locale;

/** The progress bar of the epoch being trained, on a terminal only; an optional live message. */
final class EpochBar {
    private final boolean show;
    private ProgressBar bar;

    EpochBar(boolean show) {
        this.show = show;
    }

    void start(int epoch, int epochs, int steps, int fromStep) {
        close();
        if (show) {
            bar = Terminal.bar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), steps, null, 1);
            bar.stepTo(fromStep);
        }
    }

    void step(int step) {
        if (bar != null) {
            bar.stepTo(step + 1);
        }
    }

    /** Whether a bar is showing, which is when a {@link #message} shows. */
    boolean showing() {
        return bar != null;
    }

    void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    /** Removes the bar (also one left by an interrupted epoch). */
    void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
