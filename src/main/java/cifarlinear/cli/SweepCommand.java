package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.CpuBackend;
import cifarlinear.cpu.KernelWarmup;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.report.Figures;
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
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code cifar-linear sweep}: a grid of configurations, ranked by validation accuracy. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains every combination of the given values (comma-separated lists), ranks them by validation "
                + "accuracy and evaluates the best on the test images once.",
                "Configurations with the same batch size and augmentation train together on one pass over the data.",
                "Writes sweep.csv, sweep.md, a heatmap when two parameters vary, and a run folder per configuration."})
public final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--loss", split = ",", paramLabel = "LOSS", defaultValue = "softmax", description = "Losses.")
    List<String> losses;

    @Option(names = "--lambda", split = ",", paramLabel = "λ", defaultValue = "0.1", description = "L2 strengths.")
    List<Double> lambdas;

    @Option(names = "--batch", split = ",", paramLabel = "N", defaultValue = "100", description = "Batch sizes.")
    List<Integer> batches;

    @Option(names = "--schedule", split = ",", paramLabel = "KIND", defaultValue = "step",
            description = "Schedules: step, cyclic, cosine, constant.")
    List<String> schedules;

    @Option(names = "--eta", split = ",", paramLabel = "η", defaultValue = "0.01", description = "Learning rates.")
    List<Double> etas;

    @Option(names = "--eta-min", split = ",", paramLabel = "η", defaultValue = "1e-5",
            description = "Smallest learning rates of cyclic and cosine schedules.")
    List<Double> etaMins;

    @Option(names = "--cycle-steps", split = ",", paramLabel = "N", defaultValue = "0",
            description = "Half-cycle lengths of cyclic schedules, in steps (0: two epochs).")
    List<Integer> cycleSteps;

    @Option(names = "--decay-every", split = ",", paramLabel = "N", defaultValue = "10",
            description = "Epochs between step decays.")
    List<Integer> decayEvery;

    @Option(names = "--decay-factor", split = ",", paramLabel = "γ", defaultValue = "0.1",
            description = "Step decay factors.")
    List<Double> decayFactors;

    @Option(names = "--flip", split = ",", paramLabel = "P", defaultValue = "0.2", description = "Flip probabilities.")
    List<Double> flips;

    @Option(names = "--shift", split = ",", paramLabel = "PIXELS", defaultValue = "0", description = "Largest shifts.")
    List<Integer> shifts;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "50", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-std", paramLabel = "σ", defaultValue = "0.01",
            description = "Initial weights' standard deviation (default: ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = "--val", paramLabel = "N", defaultValue = "1000",
            description = "Validation images, which the ranking uses (default: ${DEFAULT-VALUE}).")
    int val;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--out", paramLabel = "DIR", description = "Sweep folder (default: sweeps/<date>-<time>).")
    Path out;

    @Option(names = "--force", description = "Reuse a sweep folder that already holds files.")
    boolean force;

    @Option(names = "--no-stack", description = "Train each configuration on its own pass over the data (for timing).")
    boolean noStack;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    /** One grid point: its configuration, the values of the parameters that vary, and its name. */
    record Point(TrainConfig config, Map<String, String> varying, String name) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        compute.validate();
        List<Point> grid = grid();
        Path dir = out != null ? out : Path.of("sweeps", LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunFolder.checkUsable(dir, force);
        DataSources.Resolved resolved = dataOptions.resolve();
        TrainConfig first = grid.getFirst().config();
        CifarData data;
        try (KernelWarmup warmup = compute.warmUp(first)) {
            data = dataOptions.load(resolved, stdout);
        }
        first.checkAgainst(data.train().size() - val, data.train().size());
        for (Point p : grid) {
            p.config().checkAgainst(data.train().size() - val, data.train().size());
        }
        Splits splits = Splits.of(data, val, seed);
        compute.noteDevice();
        RunConfigs.DataFacts facts = RunConfigs.DataFacts.of(dataOptions, resolved, data);

        List<List<Point>> groups = groups(grid);
        stdout.printf(Locale.ROOT, "%d configuration%s in %d pass%s over the data; sweep folder %s%n", grid.size(),
                grid.size() == 1 ? "" : "s", groups.size(), groups.size() == 1 ? "" : "es", dir);
        stdout.flush();

        Map<Point, Trained> results = new LinkedHashMap<>();
        double seconds = 0;
        int g = 0;
        for (List<Point> group : groups) {
            g++;
            TrainConfig c = group.getFirst().config();
            stdout.printf(Locale.ROOT, "pass %d/%d: batch %d, flip %s, shift %d — %d configuration%s%n", g, groups.size(),
                    c.batch(), c.flip(), c.shift(), group.size(), group.size() == 1 ? "" : "s");
            stdout.flush();
            long t0 = System.nanoTime();
            Trainer.Result r = train(group, splits, stdout);
            seconds += (System.nanoTime() - t0) / 1e9;
            for (int m = 0; m < group.size(); m++) {
                results.put(group.get(m), new Trained(r.state().models().get(m), r.state().histories().get(m),
                        r.train().get(m), r.val() == null ? null : r.val().get(m), r.device(), r.state().trainSeconds()));
            }
        }

        List<Point> ranked = new ArrayList<>(grid);
        ranked.sort(Comparator.comparingDouble((Point p) -> -orZero(results.get(p).val().accuracy()))
                .thenComparingDouble(p -> orInf(results.get(p).val().loss())));
        Point best = ranked.getFirst();
        Evaluation bestTest;
        Trained winner = results.get(best);
        try (Backend eval = new CpuBackend(winner.model(), 1, 0, compute.threads(), compute.useVectorApi())) {
            bestTest = eval.evaluate(splits.test()).getFirst();
        }
        RunFolder.create(dir);
        for (int i = 0; i < ranked.size(); i++) {
            Point p = ranked.get(i);
            Trained t = results.get(p);
            RunFolder run = RunFolder.create(dir.resolve("runs").resolve(String.format(Locale.ROOT, "%02d-%s", i + 1, p.name())));
            Map<String, Object> json = RunConfigs.json(p.config(), facts, splits, compute);
            json.put("device_used", t.device());
            run.writeConfig(json);
            run.rewriteMetrics(t.history());
            run.writeResults(json, new RunFolder.Outcome(t.model(), t.train(), t.val(), p == best ? bestTest : null,
                    t.history(), t.seconds(), 0, t.device()));
            if (p == best) {
                RunReport.write(run.dir());
            }
        }
        writeTables(dir, ranked, results, best, bestTest, stdout);
        Report.figuresLeftOut(spec.commandLine().getErr());
        String passes = noStack ? "one pass each" : groups.size() + " pass" + (groups.size() == 1 ? "" : "es");
        Path bestReport = dir.resolve("runs").resolve("01-" + best.name()).resolve(RunFolder.REPORT);
        if (grid.size() == 1) {
            stdout.printf(Locale.ROOT, "%nTrained 1 configuration in %.1f s (%s): test accuracy %.2f %% (its report: "
                    + "%s).%n", seconds, passes, 100 * bestTest.accuracy(), bestReport);
        } else {
            stdout.printf(Locale.ROOT, "%nTrained %d configurations in %.1f s (%s). Best by validation accuracy: %s, "
                    + "test accuracy %.2f %% (its report: %s).%n", grid.size(), seconds, passes, best.name(),
                    100 * bestTest.accuracy(), bestReport);
        }
        stdout.flush();
        return 0;
    }

    /** A configuration's trained model, metrics and evaluations. */
    record Trained(LinearModel model, List<EpochMetrics> history, Evaluation train, Evaluation val, String device,
                   double seconds) {
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static double orInf(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    private Trainer.Result train(List<Point> group, Splits splits, PrintWriter stdout) {
        List<TrainConfig> configs = group.stream().map(Point::config).toList();
        double[] lambdaOf = configs.stream().mapToDouble(TrainConfig::lambda).toArray();
        Function<List<LinearModel>, Backend> backends = models -> compute.backend(models, lambdaOf,
                configs.getFirst().batch());
        Trainer trainer = new Trainer(configs, splits, new Trainer.Options(0, false, false, false));
        boolean bar = Terminal.interactive() && !noProgress;
        return trainer.run(backends, new Trainer.Listener() {
            private final EpochBar progress = new EpochBar(bar);
            private double bestVal;

            @Override
            public void onEpochStart(int epoch, int total, int steps, int fromStep) {
                bestVal = 0;
                progress.start(epoch, total, steps, fromStep);
            }

            @Override
            public void onStep(int step, int steps, double batchLoss) {
                progress.step(step);
            }

            @Override
            public void onEpochEnd(int model, EpochMetrics m) {
                bestVal = Math.max(bestVal, orZero(m.valAccuracy()));
                if (model == configs.size() - 1) {
                    progress.close();
                    if (m.epoch() % 10 == 0 || m.epoch() == epochs || m.epoch() == 1) {
                        stdout.printf(Locale.ROOT, "  epoch %3d/%d  best validation accuracy %6.2f %%%n", m.epoch(),
                                epochs, 100 * bestVal);
                        stdout.flush();
                    }
                }
            }
        }, Trainer.State.start(configs, splits), () -> false);
    }

    /** Every combination of the list options, each validated. */
    private List<Point> grid() {
        Map<String, List<String>> axes = new LinkedHashMap<>();
        axes.put("loss", losses.stream().map(s -> parseLoss(s).id()).toList());
        axes.put("lambda", lambdas.stream().map(String::valueOf).toList());
        axes.put("batch", batches.stream().map(String::valueOf).toList());
        axes.put("schedule", schedules.stream().map(s -> Schedule.Kind.parse(s).id()).toList());
        axes.put("eta", etas.stream().map(String::valueOf).toList());
        axes.put("eta_min", etaMins.stream().map(String::valueOf).toList());
        axes.put("cycle_steps", cycleSteps.stream().map(String::valueOf).toList());
        axes.put("decay_every", decayEvery.stream().map(String::valueOf).toList());
        axes.put("decay_factor", decayFactors.stream().map(String::valueOf).toList());
        axes.put("flip", flips.stream().map(String::valueOf).toList());
        axes.put("shift", shifts.stream().map(String::valueOf).toList());
        for (var axis : axes.entrySet()) {
            UserError.requireValues("--" + axis.getKey().replace('_', '-'), axis.getValue());
        }
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (var axis : axes.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> combo : combos) {
                for (String v : axis.getValue().stream().distinct().toList()) {
                    Map<String, String> c = new LinkedHashMap<>(combo);
                    c.put(axis.getKey(), v);
                    next.add(c);
                }
            }
            combos = next;
        }
        if (combos.size() > 10_000) {
            throw UserError.usage("the grid has " + combos.size() + " configurations; at most 10000 are allowed");
        }
        List<String> varying = axes.entrySet().stream().filter(e -> e.getValue().stream().distinct().count() > 1)
                .map(Map.Entry::getKey).toList();
        List<Point> points = new ArrayList<>();
        for (Map<String, String> c : combos) {
            Schedule schedule = new Schedule(Schedule.Kind.parse(c.get("schedule")), Double.parseDouble(c.get("eta")),
                    Double.parseDouble(c.get("eta_min")), Integer.parseInt(c.get("decay_every")),
                    Double.parseDouble(c.get("decay_factor")), Integer.parseInt(c.get("cycle_steps")));
            TrainConfig config = new TrainConfig(Loss.parse(c.get("loss")), Double.parseDouble(c.get("lambda")),
                    Integer.parseInt(c.get("batch")), epochs, schedule, Double.parseDouble(c.get("flip")),
                    Integer.parseInt(c.get("shift")), seed, initStd, val);
            Map<String, String> vary = new LinkedHashMap<>();
            for (String k : varying) {
                vary.put(k, c.get(k));
            }
            String name = vary.isEmpty() ? "only" : String.join("_", vary.entrySet().stream()
                    .map(e -> e.getKey().replace("_", "-") + e.getValue()).toList());
            points.add(new Point(config, vary, name));
        }
        return points;
    }

    private static Loss parseLoss(String s) {
        try {
            return Loss.parse(s);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--loss: " + e.getMessage());
        }
    }

    /** Points that share their batches, in grid order; one per group with --no-stack. */
    private List<List<Point>> groups(List<Point> grid) {
        List<List<Point>> groups = new ArrayList<>();
        for (Point p : grid) {
            List<Point> home = noStack ? null : groups.stream()
                    .filter(g -> g.getFirst().config().sameStream(p.config())).findFirst().orElse(null);
            if (home == null) {
                groups.add(new ArrayList<>(List.of(p)));
            } else {
                home.add(p);
            }
        }
        return groups;
    }

    private void writeTables(Path dir, List<Point> ranked, Map<Point, Trained> results, Point best, Evaluation bestTest,
                             PrintWriter stdout) throws IOException {
        List<String> varying = new ArrayList<>(best.varying().keySet());
        List<String> header = new ArrayList<>(List.of("rank"));
        header.addAll(varying);
        header.addAll(List.of("val_accuracy", "val_loss", "train_accuracy", "test_accuracy", "run"));
        StringBuilder csv = new StringBuilder(String.join(",", header)).append('\n');
        StringBuilder md = new StringBuilder("| " + String.join(" | ", header.stream().map(h -> h.replace('_', ' ')).toList())
                + " |\n|" + "---|".repeat(header.size()) + "\n");
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            Point p = ranked.get(i);
            Trained t = results.get(p);
            List<String> row = new ArrayList<>(List.of(String.valueOf(i + 1)));
            for (String k : varying) {
                row.add(p.varying().get(k));
            }
            row.add(fmt(t.val().accuracy()));
            row.add(fmt(t.val().loss()));
            row.add(fmt(t.train().accuracy()));
            row.add(p == best ? fmt(bestTest.accuracy()) : "");
            row.add(String.format(Locale.ROOT, "runs/%02d-%s", i + 1, p.name()));
            rows.add(row);
            csv.append(String.join(",", row)).append('\n');
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        AtomicFiles.writeString(dir.resolve("sweep.csv"), csv.toString());
        AtomicFiles.writeString(dir.resolve("sweep.md"), md.toString());
        stdout.println();
        int shown = Math.min(rows.size(), 20);
        int[] width = new int[header.size() - 1];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows.subList(0, shown)) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        List<List<String>> printed = new ArrayList<>();
        printed.add(header);
        printed.addAll(rows.subList(0, shown));
        for (List<String> row : printed) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                line.append(String.format("%" + width[c] + "s  ", row.get(c)));
            }
            stdout.println(line.toString().stripTrailing());
        }
        if (rows.size() > shown) {
            stdout.println("… " + (rows.size() - shown) + " more in " + dir.resolve("sweep.csv"));
        }
        if (varying.size() == 2 && Figures.unavailable() == null) {
            String xName = varying.get(0);
            String yName = varying.get(1);
            List<String> xs = ranked.stream().map(p -> p.varying().get(xName)).distinct().sorted(numeric()).toList();
            List<String> ys = ranked.stream().map(p -> p.varying().get(yName)).distinct().sorted(numeric()).toList();
            double[][] grid = new double[ys.size()][xs.size()];
            for (double[] r : grid) {
                java.util.Arrays.fill(r, Double.NaN);
            }
            for (Point p : ranked) {
                grid[ys.indexOf(p.varying().get(yName))][xs.indexOf(p.varying().get(xName))] =
                        100 * results.get(p).val().accuracy();
            }
            AtomicFiles.write(dir.resolve("heatmap.png"), Figures.gridHeatmap("Validation accuracy (%)",
                    xName.replace('_', ' '), xs, yName.replace('_', ' '), ys, grid));
        }
    }

    /** Sorts numbers as numbers and words as words. */
    private static Comparator<String> numeric() {
        return (a, b) -> {
            try {
                return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
            } catch (NumberFormatException e) {
                return a.compareTo(b);
            }
        };
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
}
