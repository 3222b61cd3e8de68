package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.KernelWarmup;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Splits;
import cifarlinear.model.Loss;
import cifarlinear.train.Evaluation;
import cifarlinear.train.RunFolder;
import cifarlinear.train.Schedule;
import cifarlinear.train.TrainConfig;
import cifarlinear.train.Trainer;
import cifarlinear.report.Figures;
import cifarlinear.report.RunReport;
import cifarlinear.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cifar-linear train}: trains a model and writes a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains W x + b by mini-batch gradient descent and writes a run folder: config.json, "
                + "metrics.csv, summary.json and model.ckpt.",
                "The defaults are the seed configuration: softmax, batch 100, 50 epochs, λ 0.1, η 0.01 decayed ×0.1 "
                        + "every 10 epochs, flip probability 0.2, 1000 validation images."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    TrainOptions options;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run folder (default: runs/<date>-<time>-<loss>).")
    Path out;

    @Option(names = "--force", description = "Reuse a run folder that already holds files, replacing its run files.")
    boolean force;

    @Option(names = "--no-progress", description = "No progress bar (there is none when the output is not a terminal).")
    boolean noProgress;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "1",
            description = "Save a checkpoint every N epochs, to resume from; 0: only at the end and when interrupted "
                    + "(default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue an interrupted run in its folder, with its own options and data; only --threads, "
                    + "--device, --vector-api, --checkpoint-every and --no-progress may be given with it.")
    Path resume;

    /** Options that define a run; with --resume they come from its config.json. */
    private static final List<String> RUN_OPTIONS = List.of("--data", "--synthetic-size", "--labels", "--loss",
            "--lambda", "--batch", "--epochs", "--schedule", "--eta", "--eta-min", "--cycle-steps", "--decay-every",
            "--decay-factor", "--flip", "--shift", "--seed",
            "--init-std", "--val", "--out", "--force");

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        compute.validate();
        if (checkpointEvery < 0) {
            throw UserError.usage("--checkpoint-every must be ≥ 0, got " + checkpointEvery);
        }
        if (resume != null) {
            return resume(stdout);
        }
        TrainConfig config = options.config();
        Path dir = out != null ? out : RunFolder.defaultPath(config.loss().id(), LocalDateTime.now());
        RunFolder.checkUsable(dir, force);
        DataSources.Resolved resolved = dataOptions.resolve();
        if (resolved.synthetic()) {
            // Its size is known before it exists: check the options against it first.
            config.checkAgainst(dataOptions.syntheticSize - config.val(), dataOptions.syntheticSize);
        }

        CifarData data;
        try (KernelWarmup warmup = compute.warmUp(config)) {
            data = dataOptions.load(resolved, stdout);
        }
        config.checkAgainst(data.train().size() - config.val(), data.train().size());
        Splits splits = Splits.of(data, config.val(), config.seed());

        RunFolder folder = RunFolder.create(dir);
        Map<String, Object> configJson = RunConfigs.json(config, RunConfigs.DataFacts.of(dataOptions, resolved, data), splits,
                compute);
        folder.writeConfig(configJson);
        stdout.printf("Run folder: %s%n", dir);
        stdout.flush();
        return train(stdout, config, splits, data, folder, configJson, Trainer.State.start(config, splits));
    }


    /** Continues the run in {@code resume} from its last checkpoint (or from its start, if it has none). */
    private int resume(PrintWriter stdout) throws IOException {
        for (String option : RUN_OPTIONS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw UserError.usage(option + " cannot be given with --resume: the run keeps its own options");
            }
        }
        RunFolder folder = RunFolder.existing(resume, "--resume");
        Map<String, Object> configJson = folder.readConfig();
        options.apply(configJson, dataOptions, resume);
        TrainConfig config = options.config();
        // The data was named when the run started, not on this command line.
        DataSources.Resolved resolved = dataOptions.resolve("--resume: the run's data");
        CifarData data;
        try (KernelWarmup warmup = compute.warmUp(config)) {
            data = dataOptions.load(resolved, stdout);
        }
        for (String split : List.of("train", "test")) {
            Object expected = configJson.get(split + "_sha256");
            String actual = split.equals("train") ? data.train().sha256() : data.test().sha256();
            if (expected != null && !expected.equals(actual)) {
                throw UserError.failure("--resume: the data at " + resolved.describe() + " is not the data this run "
                        + "started with (its " + split + " fingerprint differs)");
            }
        }
        Splits splits = Splits.of(data, config.val(), config.seed());
        Trainer.State state = folder.readCheckpoint().orElseGet(() -> Trainer.State.start(config, splits));
        if (!state.model().classNames().equals(data.classNames())) {
            throw UserError.failure("--resume: the checkpoint's classes differ from the data's");
        }
        if (state.epoch() >= config.epochs() && Files.exists(resume.resolve(RunFolder.MODEL))) {
            stdout.printf("%s: the run already finished its %d epochs; nothing to resume.%n", resume, config.epochs());
            return 0;
        }
        folder.rewriteMetrics(state.history());
        stdout.printf("Resuming %s at epoch %d, step %d%n", resume, state.epoch() + 1, state.step());
        stdout.flush();
        return train(stdout, config, splits, data, folder, configJson, state);
    }


    private int train(PrintWriter stdout, TrainConfig config, Splits splits, CifarData data, RunFolder folder,
                      Map<String, Object> configJson, Trainer.State start) throws IOException {
        Path dir = folder.dir();
        compute.noteDevice();
        TrainProgress progress = new TrainProgress(stdout, Terminal.interactive() && !noProgress, folder,
                splits.val().size() > 0);
        if (start.epoch() > 0 || start.step() > 0) {
            progress.resumedFrom(start);
        }
        Trainer.Result result;
        int stoppedWith;
        try (StopOnInterrupt stop = new StopOnInterrupt()) {
            result = new Trainer(config, splits, checkpointEvery).run(
                    m -> compute.backend(m, new double[] {config.lambda()}, config.batch()), progress, start, stop);
            stoppedWith = stop.exitCode();
        } catch (UncheckedIOException e) {
            throw UserError.failure("cannot write to " + dir + ": " + e.getCause().getMessage(), e);
        } catch (UserError e) {
            String kept = progress.lastCheckpoint();
            throw kept == null ? e : new UserError(e.getMessage() + "; the checkpoint of " + kept + " stays in "
                    + dir.resolve(RunFolder.CHECKPOINT), e.exitCode(), e);
        } finally {
            progress.closeBar();
        }
        if (!result.finished()) {
            Trainer.State s = result.state();
            stdout.flush();
            spec.commandLine().getErr().printf("Interrupted in epoch %d after step %d; saved %s. Resume with: "
                            + "cifar-linear train --resume %s%n", s.epoch() + 1, s.step(), dir.resolve(RunFolder.CHECKPOINT),
                    dir);
            spec.commandLine().getErr().flush();
            return stoppedWith;
        }
        configJson.put("device_used", result.device());
        RunFolder.Outcome outcome = new RunFolder.Outcome(result.model(), result.train().getFirst(),
                result.val() == null ? null : result.val().getFirst(), result.test().getFirst(), result.epochs(),
                result.state().trainSeconds(), result.state().evalSeconds(), result.device());
        folder.writeResults(configJson, outcome);
        RunReport.write(dir);
        Report.figuresLeftOut(spec.commandLine().getErr());
        printSummary(stdout, outcome, data.classNames(), dir, config);
        return 0;
    }


    private static void printSummary(PrintWriter out, RunFolder.Outcome r, List<String> classes, Path dir,
                                     TrainConfig c) {
        double norm = r.model().weightNormSquared();
        out.println();
        double seconds = r.trainSeconds();
        int epochs = r.history().size();
        if (epochs == 1) {
            out.printf(Locale.ROOT, "Trained 1 epoch in %.2f s on %s.%n", seconds, r.device());
        } else {
            out.printf(Locale.ROOT, "Trained %d epochs in %.2f s (%.3f s per epoch) on %s.%n", epochs, seconds,
                    seconds / epochs, r.device());
        }
        out.println();
        out.println("          loss      cost   accuracy");
        row(out, "train", r.train(), c.lambda(), norm);
        if (r.val() != null) {
            row(out, "val", r.val(), c.lambda(), norm);
        }
        row(out, "test", r.test(), c.lambda(), norm);
        out.println();
        out.println("Per-class test accuracy:");
        Report.perClass(out, classes, r.test().perClassAccuracy());
        out.println();
        out.println("Saved " + dir.resolve(RunFolder.MODEL) + "; the run's "
                + (Figures.unavailable() == null ? "metrics, figures and report" : "metrics and report") + " are in "
                + dir + "/ (open " + dir.resolve(RunFolder.REPORT) + ")");
        out.flush();
    }

    private static void row(PrintWriter out, String name, Evaluation e, double lambda, double norm) {
        out.printf(Locale.ROOT, "%-6s %8.4f  %8.4f   %7.2f%%%n", name, e.loss(), e.cost(lambda, norm), 100 * e.accuracy());
    }
}
