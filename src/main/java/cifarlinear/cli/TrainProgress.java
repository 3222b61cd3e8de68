package cifarlinear.cli;

import cifarlinear.train.EpochMetrics;
import cifarlinear.train.RunFolder;
import cifarlinear.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Shows a run as it trains: a progress bar with the live batch loss during each epoch (on a
 * terminal only), then one table row per epoch; and appends each epoch to metrics.csv.
 */
final class TrainProgress implements Trainer.Listener {
    private static final String HEADER = " epoch        eta  train loss  train acc   val loss    val acc    time";

    private final PrintWriter out;
    private final EpochBar bar;
    private final RunFolder folder;
    private final boolean hasVal;
    private boolean headerShown;
    private int epochs;
    private double lossSum;
    private int lossCount;

    TrainProgress(PrintWriter out, boolean showBar, RunFolder folder, boolean hasVal) {
        this.out = out;
        this.bar = new EpochBar(showBar);
        this.folder = folder;
        this.hasVal = hasVal;
    }

    private String lastCheckpoint;

    @Override
    public void onEpochStart(int epoch, int epochs, int steps, int fromStep) {
        if (!headerShown) {
            headerShown = true;
            out.println(HEADER);
            out.flush();
        }
        this.epochs = epochs;
        lossSum = 0;
        lossCount = 0;
        bar.start(epoch, epochs, steps, fromStep);
    }

    @Override
    public void onStep(int step, int steps, double batchLoss) {
        lossSum += batchLoss;
        lossCount++;
        bar.step(step);
        if (bar.showing() && (step % 16 == 0 || step == steps - 1)) {
            bar.message(String.format(Locale.ROOT, "loss %.4f", lossSum / lossCount));
        }
    }

    @Override
    public void onEpochEnd(int model, EpochMetrics m) {
        bar.close();
        out.println(String.format(Locale.ROOT, "%6s  %9.6f  %10.4f  %8.2f%%  %9s  %9s  %5.2f s",
                m.epoch() + "/" + epochs, m.eta(), m.trainLoss(), 100 * m.trainAccuracy(),
                hasVal ? String.format(Locale.ROOT, "%9.4f", m.valLoss()) : "-",
                hasVal ? String.format(Locale.ROOT, "%8.2f%%", 100 * m.valAccuracy()) : "-",
                m.epochSeconds()));
        out.flush();
        try {
            folder.appendMetrics(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onCheckpoint(Trainer.State state) {
        try {
            folder.writeCheckpoint(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lastCheckpoint = describe(state);
    }

    /** Where the newest checkpoint on disk stands ("the end of epoch 3"), or null when there is none. */
    String lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Tells this follower that the run starts from a checkpoint already on disk. */
    void resumedFrom(Trainer.State state) {
        lastCheckpoint = describe(state);
    }

    private static String describe(Trainer.State s) {
        return s.step() == 0 ? "the end of epoch " + s.epoch() : "epoch " + (s.epoch() + 1) + ", step " + s.step();
    }

    /** Removes a bar left by an interrupted epoch. */
    void closeBar() {
        bar.close();
    }
}
