package cifarlinear.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars, shown on standard error, and only when the program runs in a terminal. */
final class Terminal {
    private Terminal() {
    }

    /** Whether a person is watching: standard input and output are a terminal. */
    static boolean interactive() {
        return System.console() != null && System.console().isTerminal();
    }

    /** A bar of {@code max} steps that disappears when closed. */
    static ProgressBar bar(String task, long max, String unit, long unitSize) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(100)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .clearDisplayOnFinish();
        if (unit != null) {
            b.setUnit(unit, unitSize).showSpeed();
        } else {
            b.hideEta();
        }
        return b.build();
    }
}
