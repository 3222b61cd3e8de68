package cifarlinear.report;

import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.train.EpochMetrics;
import cifarlinear.train.RunFolder;
import cifarlinear.train.Schedule;
import cifarlinear.util.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The figures and {@code report.html} of a run folder, made from the files the run saved
 * (config.json, metrics.csv, summary.json, model.ckpt, test_predictions.csv): the same files give
 * the same report, byte for byte, but for the time stamp in its footer.
 */
public final class RunReport {
    public static final String LOSS = "loss.png";
    public static final String ACCURACY = "accuracy.png";
    public static final String LEARNING_RATE = "learning_rate.png";
    public static final String WEIGHTS = "weights.png";
    public static final String PER_CLASS = "per_class_accuracy.png";
    public static final String CONFUSION = "confusion.png";
    public static final String PROBABILITY = "true_class_probability.png";

    private RunReport() {
    }

    /** The learning rate of every step of the run, from its configuration. */
    static double[] etaPerStep(Map<String, Object> c) {
        Schedule s = schedule(c);
        int epochs = ((Number) c.get("epochs")).intValue();
        int steps = stepsPerEpoch(c);
        double[] eta = new double[epochs * steps];
        for (int t = 0; t < eta.length; t++) {
            eta[t] = s.at(t, steps, epochs);
        }
        return eta;
    }

    static int stepsPerEpoch(Map<String, Object> c) {
        int images = ((Number) c.get("train_images")).intValue();
        int batch = ((Number) c.get("batch")).intValue();
        return (images + batch - 1) / batch;
    }

    static Schedule schedule(Map<String, Object> c) {
        return new Schedule(Schedule.Kind.parse(String.valueOf(c.getOrDefault("schedule", "step"))),
                ((Number) c.get("eta")).doubleValue(), ((Number) c.getOrDefault("eta_min", 1e-5)).doubleValue(),
                ((Number) c.getOrDefault("decay_every", 0)).intValue(),
                ((Number) c.getOrDefault("decay_factor", 1.0)).doubleValue(),
                ((Number) c.getOrDefault("cycle_steps", 0)).intValue());
    }

    /** Writes the figures and report.html into the run folder; returns the report's path. */
    public static Path write(Path dir) throws IOException {
        RunFolder folder = RunFolder.existing(dir, null);
        Map<String, Object> config = folder.readConfig();
        List<EpochMetrics> history = folder.readMetrics();
        JsonNode summary = folder.readSummary();
        LinearModel model = Checkpoint.read(dir.resolve(RunFolder.MODEL)).model();
        var predictions = folder.readPredictions();
        List<String> classes = model.classNames();

        StringBuilder body = new StringBuilder();
        body.append(Html.figuresLeftOut());
        body.append("<h2>Configuration</h2>\n").append(configTable(config));
        double lambda = ((Number) config.getOrDefault("lambda", 0)).doubleValue();
        body.append("<h2>Results</h2>\n").append(resultsTable(summary, lambda * model.weightNormSquared()));

        body.append("<h2>Training</h2>\n");
        body.append(save(dir, LOSS, () -> Figures.lossCurves(history), "Loss and cost per epoch", null));
        body.append(save(dir, ACCURACY, () -> Figures.accuracyCurves(history), "Accuracy per epoch", null));
        double[] etas = etaPerStep(config);
        boolean log = Schedule.Kind.parse(String.valueOf(config.getOrDefault("schedule", "step"))) == Schedule.Kind.STEP
                && etas[0] / etas[etas.length - 1] > 20;
        body.append(save(dir, LEARNING_RATE, () -> Figures.learningRate(etas, stepsPerEpoch(config), log),
                "Learning-rate schedule", log ? "Logarithmic scale." : null));

        body.append("<h2>What the model learned</h2>\n");
        body.append(save(dir, WEIGHTS, () -> Figures.weightImages("Weights of each class (W rows as images)", model),
                "Class weight images", "Each row of W rescaled to 0–255 and shown as a 32×32 colour image, "
                        + "enlarged without smoothing."));

        if (summary.hasNonNull("per_class_test_accuracy")) {
            body.append("<h2>Test images</h2>\n");
            double[] acc = new double[classes.size()];
            for (int k = 0; k < classes.size(); k++) {
                JsonNode v = summary.path("per_class_test_accuracy").path(classes.get(k));
                acc[k] = v.isNumber() ? v.asDouble() : Double.NaN;
            }
            body.append(save(dir, PER_CLASS, () -> Figures.perClassBars("Test accuracy per class", classes,
                    List.of("test accuracy"), List.of(acc)), "Per-class test accuracy", null));
            long[] counts = new long[classes.size() * classes.size()];
            JsonNode rows = summary.path("test_confusion");
            for (int t = 0; t < classes.size(); t++) {
                for (int p = 0; p < classes.size(); p++) {
                    counts[t * classes.size() + p] = rows.path(t).path(p).asLong();
                }
            }
            body.append(save(dir, CONFUSION, () -> Figures.confusion(classes, counts), "Confusion matrix", null));
            if (predictions.isPresent()) {
                var pr = predictions.get();
                boolean[] correct = new boolean[pr.labels().length];
                for (int i = 0; i < correct.length; i++) {
                    correct[i] = pr.labels()[i] == pr.predicted()[i];
                }
                body.append(save(dir, PROBABILITY, () -> Figures.trueClassProbability("Probability given to the true class",
                        List.of(""), List.of(pr.trueProbability()), List.of(correct)),
                        "Histograms of the probability given to the true class", "Test images the model classifies "
                                + "correctly and incorrectly, each group as a share of its own size."));
            }
        }
        String generated = "Generated by cifar-linear from the files of " + dir.getFileName() + "; run started "
                + config.getOrDefault("started", "?") + ", finished " + summary.path("finished").asText("?") + ".";
        Path report = dir.resolve(RunFolder.REPORT);
        AtomicFiles.writeString(report, Html.page("Run " + dir.getFileName(), body.toString(), generated));
        return report;
    }

    /** Writes a figure and returns its HTML; nothing where figures cannot be drawn here ({@link Figures#unavailable}). */
    private static String save(Path dir, String name, Supplier<byte[]> figure, String alt, String caption)
            throws IOException {
        if (Figures.unavailable() != null) {
            return "";
        }
        byte[] png = figure.get();
        AtomicFiles.write(dir.resolve(name), png);
        return Html.figure(png, alt, caption);
    }

    private static String configTable(Map<String, Object> c) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("option", "value"));
        String kind = String.valueOf(c.getOrDefault("schedule", "step"));
        List<String> scheduleKeys = switch (kind) {
            case "step" -> List.of("eta", "decay_every", "decay_factor");
            case "cyclic" -> List.of("eta", "eta_min", "cycle_steps");
            case "cosine" -> List.of("eta", "eta_min");
            default -> List.of("eta");
        };
        List<String> keys = new ArrayList<>(List.of("data", "loss", "lambda", "batch", "epochs", "schedule"));
        keys.addAll(scheduleKeys);
        keys.addAll(List.of("flip", "shift", "seed", "init_std", "val", "train_images", "val_images", "test_images",
                "device_used"));
        for (String key : keys) {
            if (c.containsKey(key)) {
                rows.add(List.of(key.replace('_', ' '), String.valueOf(c.get(key))));
            }
        }
        return Html.table(rows);
    }

    /** Loss, cost (loss + λ‖W‖²) and accuracy per split. */
    private static String resultsTable(JsonNode s, double penalty) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("split", "loss", "cost", "accuracy"));
        for (String[] split : new String[][] {{"training", "train"}, {"validation", "val"}, {"test", "test"}}) {
            if (s.hasNonNull(split[1] + "_accuracy")) {
                double loss = s.path(split[1] + "_loss").asDouble(Double.NaN);
                rows.add(List.of(split[0], Html.number(loss), Html.number(loss + penalty),
                        Html.percent(s.path(split[1] + "_accuracy").asDouble())));
            }
        }
        return Html.table(rows);
    }
}
