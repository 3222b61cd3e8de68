package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.KernelWarmup;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.report.Figures;
import cifarlinear.report.Html;
import cifarlinear.report.RunReport;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochMetrics;
import cifarlinear.train.Evaluation;
import cifarlinear.train.RunFolder;
import cifarlinear.train.Schedule;
import cifarlinear.train.TrainConfig;
import cifarlinear.train.Trainer;
import cifarlinear.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cifar-linear compare}: softmax against sigmoid, same seed, same batches. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a softmax and a sigmoid model on the same batches (same seed, order, flips and shifts) "
                + "and writes a side-by-side report: the seed report's table, per-class accuracy, both sets of weight "
                + "images and both probability histograms.",
                "The options are train's, for both models; --sigmoid-eta and --sigmoid-lambda set the sigmoid's own."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    TrainOptions options;

    @Option(names = "--sigmoid-eta", paramLabel = "η", description = "The sigmoid model's learning rate (default: --eta).")
    Double sigmoidEta;

    @Option(names = "--sigmoid-lambda", paramLabel = "λ", description = "The sigmoid model's λ (default: --lambda).")
    Double sigmoidLambda;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: compare/<date>-<time>).")
    Path out;

    @Option(names = "--force", description = "Reuse an output folder that already holds files.")
    boolean force;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        if (spec.commandLine().getParseResult().hasMatchedOption("--loss")) {
            throw UserError.usage("--loss cannot be given to compare: it trains both losses");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        compute.validate();
        TrainConfig base = options.config();
        TrainConfig softmax = with(base, Loss.SOFTMAX, base.eta(), base.lambda());
        TrainConfig sigmoid = with(base, Loss.SIGMOID, sigmoidEta != null ? sigmoidEta : base.eta(),
                sigmoidLambda != null ? sigmoidLambda : base.lambda());
        Path dir = out != null ? out : Path.of("compare", LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunFolder.checkUsable(dir, force);
        DataSources.Resolved resolved = dataOptions.resolve();
        CifarData data;
        try (KernelWarmup warmup = compute.warmUp(base)) {
            data = dataOptions.load(resolved, stdout);
        }
        base.checkAgainst(data.train().size() - base.val(), data.train().size());
        Splits splits = Splits.of(data, base.val(), base.seed());
        compute.noteDevice();
        RunConfigs.DataFacts facts = RunConfigs.DataFacts.of(dataOptions, resolved, data);
        List<TrainConfig> configs = List.of(softmax, sigmoid);
        List<String> names = List.of("softmax", "sigmoid");

        RunFolder.create(dir);
        stdout.printf("Training softmax and sigmoid side by side; output in %s%n", dir);
        stdout.println(" epoch   softmax val acc   sigmoid val acc");
        stdout.flush();
        boolean bar = Terminal.interactive() && !noProgress;
        Trainer.Result r = new Trainer(configs, splits, new Trainer.Options(0, true, true, false)).run(
                models -> compute.backend(models, new double[] {softmax.lambda(), sigmoid.lambda()}, base.batch()),
                new Trainer.Listener() {
                    private final EpochBar progress = new EpochBar(bar);
                    private double first;

                    @Override
                    public void onEpochStart(int epoch, int epochs, int steps, int fromStep) {
                        progress.start(epoch, epochs, steps, fromStep);
                    }

                    @Override
                    public void onStep(int step, int steps, double batchLoss) {
                        progress.step(step);
                    }

                    @Override
                    public void onEpochEnd(int model, EpochMetrics m) {
                        if (model == 0) {
                            first = m.valAccuracy();
                            return;
                        }
                        progress.close();
                        stdout.printf(Locale.ROOT, "%6d   %14.2f %%   %14.2f %%%n", m.epoch(), 100 * first,
                                100 * m.valAccuracy());
                        stdout.flush();
                    }
                }, Trainer.State.start(configs, splits), () -> false);

        List<Evaluation> tests = r.test();
        for (int m = 0; m < 2; m++) {
            RunFolder run = RunFolder.create(dir.resolve(names.get(m)));
            Map<String, Object> json = RunConfigs.json(configs.get(m), facts, splits, compute);
            json.put("device_used", r.device());
            run.writeConfig(json);
            run.rewriteMetrics(r.state().histories().get(m));
            run.writeResults(json, new RunFolder.Outcome(r.state().models().get(m), r.train().get(m),
                    r.val() == null ? null : r.val().get(m), tests.get(m), r.state().histories().get(m),
                    r.state().trainSeconds(), r.state().evalSeconds(), r.device()));
            RunReport.write(run.dir());
        }
        writeComparison(dir, configs, names, r, data.classNames());
        Report.figuresLeftOut(spec.commandLine().getErr());
        stdout.println();
        stdout.print(table(configs, names, tests));
        stdout.printf("%nWrote %s and the two run folders.%n", dir.resolve("compare.html"));
        stdout.flush();
        return 0;
    }

    private static TrainConfig with(TrainConfig c, Loss loss, double eta, double lambda) {
        Schedule s = c.schedule();
        return new TrainConfig(loss, lambda, c.batch(), c.epochs(), new Schedule(s.kind(), eta, s.etaMin(), s.decayEvery(),
                s.decayFactor(), s.cycleSteps()), c.flip(), c.shift(), c.seed(), c.initStd(), c.val());
    }

    static String decay(Schedule s) {
        return switch (s.kind()) {
            case STEP -> s.decayEvery() == 0 || s.decayFactor() == 1 ? "none"
                    : "×" + trim(s.decayFactor()) + (s.decayEvery() == 1 ? " every epoch" : " every " + s.decayEvery() + " epochs");
            case CYCLIC -> "cyclic down to " + trim(s.etaMin());
            case COSINE -> "cosine down to " + trim(s.etaMin());
            case CONSTANT -> "none";
        };
    }

    static String trim(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The seed report's table, as Markdown. */
    static String table(List<TrainConfig> configs, List<String> names, List<Evaluation> tests) {
        StringBuilder b = new StringBuilder("| activation | batch | epochs | η | decay | λ | p_flip | shift | test accuracy |\n"
                + "|---|---:|---:|---:|---|---:|---:|---:|---:|\n");
        for (int m = 0; m < configs.size(); m++) {
            TrainConfig c = configs.get(m);
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %d | %.2f %% |%n", names.get(m),
                    c.batch(), c.epochs(), trim(c.eta()), decay(c.schedule()), trim(c.lambda()), trim(c.flip()), c.shift(),
                    100 * tests.get(m).accuracy()));
        }
        return b.toString();
    }

    private static void writeComparison(Path dir, List<TrainConfig> configs, List<String> names, Trainer.Result r,
                                        List<String> classes) throws IOException {
        List<Evaluation> tests = r.test();
        String md = table(configs, names, tests);
        AtomicFiles.writeString(dir.resolve("compare.md"), md);
        List<double[]> perClass = tests.stream().map(Evaluation::perClassAccuracy).toList();
        StringBuilder html = new StringBuilder(Html.figuresLeftOut());
        html.append("<h2>Results</h2>\n").append(markdownTableToHtml(md));
        html.append("<h2>Per-class test accuracy</h2>\n");
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("class"));
        head.addAll(names);
        rows.add(head);
        for (int k = 0; k < classes.size(); k++) {
            List<String> row = new ArrayList<>(List.of(classes.get(k)));
            for (double[] acc : perClass) {
                row.add(String.format(Locale.ROOT, "%.2f %%", 100 * acc[k]));
            }
            rows.add(row);
        }
        html.append(Html.table(rows));
        if (Figures.unavailable() == null) {
            figures(dir, names, r, classes, tests, perClass, html);
        }
        AtomicFiles.writeString(dir.resolve("compare.html"), Html.page("Softmax against sigmoid",
                html.toString(), "Generated by cifar-linear on " + OffsetDateTime.now() + "."));
    }

    /** The comparison's figures, written beside compare.html and appended to its {@code html}. */
    private static void figures(Path dir, List<String> names, Trainer.Result r, List<String> classes,
                                List<Evaluation> tests, List<double[]> perClass, StringBuilder html) throws IOException {
        byte[] bars = Figures.perClassBars("Test accuracy per class", classes, names, perClass);
        byte[] curves = Figures.accuracyCurves(names, r.state().histories());
        List<byte[]> weights = new ArrayList<>();
        List<byte[]> histograms = new ArrayList<>();
        for (int m = 0; m < names.size(); m++) {
            LinearModel model = r.state().models().get(m);
            weights.add(Figures.weightImages("Weights of the " + names.get(m) + " model", model));
            Evaluation t = tests.get(m);
            boolean[] correct = new boolean[t.count()];
            for (int i = 0; i < correct.length; i++) {
                correct[i] = t.predicted()[i] == t.labels()[i];
            }
            histograms.add(Figures.trueClassProbability("Probability the " + names.get(m) + " model gives the true class",
                    List.of(""), List.of(t.trueClassProbability()), List.of(correct)));
        }
        AtomicFiles.write(dir.resolve("per_class_accuracy.png"), bars);
        AtomicFiles.write(dir.resolve("accuracy.png"), curves);
        html.append(Html.figure(bars, "Per-class test accuracy of both models", null));
        html.append("<h2>Training</h2>\n").append(Html.figure(curves, "Accuracy per epoch of both models", null));
        html.append("<h2>What the models learned</h2>\n");
        for (int m = 0; m < names.size(); m++) {
            AtomicFiles.write(dir.resolve("weights_" + names.get(m) + ".png"), weights.get(m));
            html.append(Html.figure(weights.get(m), "Weights of the " + names.get(m) + " model", null));
        }
        html.append("<h2>Probability given to the true class</h2>\n");
        for (int m = 0; m < names.size(); m++) {
            AtomicFiles.write(dir.resolve("true_class_probability_" + names.get(m) + ".png"), histograms.get(m));
            html.append(Html.figure(histograms.get(m), "Probability the " + names.get(m) + " model gives the true class", null));
        }
    }

    private static String markdownTableToHtml(String md) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : md.strip().split("\n")) {
            if (line.startsWith("|---")) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : line.substring(1, line.length() - 1).split("\\|")) {
                cells.add(cell.strip());
            }
            rows.add(cells);
        }
        return Html.table(rows);
    }
}
