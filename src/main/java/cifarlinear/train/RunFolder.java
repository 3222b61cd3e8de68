package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.util.AtomicFiles;
import cifarlinear.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The folder a training run writes: {@value #CONFIG}, {@value #METRICS} (a row per epoch, written
 * as the epoch ends), {@value #SUMMARY} and {@value #MODEL}. A folder that already holds files is
 * only reused when the user says so.
 */
public final class RunFolder {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String MODEL = "model.ckpt";
    public static final String CHECKPOINT = "checkpoint.ckpt";
    public static final String PREDICTIONS = "test_predictions.csv";
    public static final String REPORT = "report.html";
    private static final String STATE_KIND = "cifar-linear training state";

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /** runs/&lt;yyyyMMdd-HHmmss&gt;-&lt;loss&gt;, with a numeric suffix if that exists already. */
    public static Path defaultPath(String loss, LocalDateTime now) {
        String stamp = now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path base = Path.of("runs", stamp + "-" + loss);
        Path candidate = base;
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = Path.of(base + "-" + i);
        }
        return candidate;
    }

    /**
     * Checks, before anything is computed, that {@code dir} may be used: a folder that does not exist
     * yet is made and removed again, to learn that it can be.
     *
     * @throws UserError (usage) when it is a file, a folder with files in it and not {@code force}, or
     *                   a folder that cannot be made
     */
    public static void checkUsable(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw UserError.usage("--out: " + dir + " is a file, not a folder");
        }
        if (!force && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw UserError.usage("--out: " + dir + " already holds files; choose another folder or pass --force to "
                    + "overwrite its run files");
        }
        AtomicFiles.checkCreatable("--out", dir);
        if (!Files.exists(dir)) {
            probeCreation(dir);
        }
    }

    /**
     * Makes {@code dir} and the parents it lacks, then removes them again: what only trying tells (a
     * file system that refuses new folders, such as /proc), told before the data loads.
     */
    private static void probeCreation(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        Path top = target;
        while (top.getParent() != null && !Files.exists(top.getParent())) {
            top = top.getParent();
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw cannotMake(dir, e, true);
        } finally {
            for (Path p = target; p != null && p.startsWith(top); p = p.getParent()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    break; // not empty (someone else's now) or not ours to remove: leave it
                }
            }
        }
    }

    /** The error of a folder that could not be made a run folder: a usage error (before the data loads) or a failure. */
    private static UserError cannotMake(Path dir, IOException e, boolean usage) {
        boolean itself = e instanceof java.nio.file.FileSystemException f && f.getFile() != null
                && dir.toAbsolutePath().equals(dir.toAbsolutePath().resolve(f.getFile()));
        String message = "--out: cannot make " + dir + " a run folder: "
                + (itself ? UserError.reason(e) : UserError.describe(e));
        return usage ? UserError.usage(message) : UserError.failure(message, e);
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the folder (and parents), removing the run files a previous run left there. */
    public static RunFolder create(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : new String[] {CONFIG, METRICS, SUMMARY, MODEL, CHECKPOINT, PREDICTIONS, REPORT}) {
                Files.deleteIfExists(dir.resolve(f));
            }
        } catch (IOException e) {
            throw cannotMake(dir, e, false);
        }
        return new RunFolder(dir);
    }

    /**
     * An existing run folder, to continue the run in it or to read it.
     *
     * @param option the option that named it, for the error (null when it was an argument)
     */
    public static RunFolder existing(Path dir, String option) {
        if (!Files.isRegularFile(dir.resolve(CONFIG))) {
            throw UserError.usage((option == null ? "" : option + ": ") + dir + " is not a run folder (no " + CONFIG
                    + ")");
        }
        return new RunFolder(dir);
    }

    public Path dir() {
        return dir;
    }

    /** The run's configuration as train wrote it. */
    public Map<String, Object> readConfig() {
        Path f = dir.resolve(CONFIG);
        try {
            return Json.mapper().readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw UserError.failure(f + ": cannot read the run's configuration (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")");
        }
    }

    /**
     * Saves where training stands, atomically: the parameters and, as the checkpoint's metadata,
     * the next step, the loss so far in the epoch and the metrics of the finished epochs.
     */
    public void writeCheckpoint(Trainer.State state) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", STATE_KIND);
        m.put("epoch", state.epoch());
        m.put("step", state.step());
        m.put("epoch_loss_sum", state.epochLossSums()[0]);
        m.put("epoch_samples", state.epochSamples());
        m.put("train_seconds", state.trainSeconds());
        m.put("eval_seconds", state.evalSeconds());
        m.put("metrics", state.history());
        Checkpoint.write(dir.resolve(CHECKPOINT), state.model(), Json.write(m));
    }

    /** The last checkpoint, if the run got as far as writing one. */
    public Optional<Trainer.State> readCheckpoint() {
        Path f = dir.resolve(CHECKPOINT);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Checkpoint.Contents c = Checkpoint.read(f);
        try {
            JsonNode m = Json.mapper().readTree(c.metadataJson());
            if (m == null || !STATE_KIND.equals(m.path("kind").asText())) {
                throw UserError.failure(f + ": not a training checkpoint");
            }
            List<EpochMetrics> history = new ArrayList<>();
            for (JsonNode row : m.path("metrics")) {
                history.add(Json.mapper().treeToValue(row, EpochMetrics.class));
            }
            return Optional.of(new Trainer.State(List.of(c.model()), m.path("epoch").asInt(), m.path("step").asInt(),
                    new double[] {m.path("epoch_loss_sum").asDouble()}, m.path("epoch_samples").asInt(), List.of(history),
                    m.path("train_seconds").asDouble(), m.path("eval_seconds").asDouble()));
        } catch (IOException e) {
            throw UserError.failure(f + ": unreadable training state (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** What a finished run wrote down; {@code test} is null when the test images were not used. */
    public record Outcome(LinearModel model, Evaluation train, Evaluation val, Evaluation test,
                          List<EpochMetrics> history, double trainSeconds, double evalSeconds, String device) {
    }

    /** Writes model.ckpt (with the configuration as metadata), summary.json and the test predictions. */
    public void writeResults(Map<String, Object> config, Outcome o) throws IOException {
        writeModel(o.model(), Json.write(config));
        writeSummary(summary(o));
        if (o.test() != null) {
            StringBuilder b = new StringBuilder("index,label,predicted,p_true\n");
            float[] p = o.test().trueClassProbability();
            int[] labels = o.test().labels();
            for (int i = 0; i < p.length; i++) {
                b.append(i).append(',').append(labels[i]).append(',').append(o.test().predicted()[i]).append(',')
                        .append(String.format(java.util.Locale.ROOT, "%.6g", p[i])).append('\n');
            }
            cifarlinear.util.AtomicFiles.writeString(dir.resolve(PREDICTIONS), b.toString());
        }
    }

    private static Map<String, Object> summary(Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> names = o.model().classNames();
        m.put("test_accuracy", o.test() == null ? null : o.test().accuracy());
        m.put("val_accuracy", o.val() == null ? null : o.val().accuracy());
        m.put("train_accuracy", o.train().accuracy());
        m.put("test_loss", o.test() == null ? null : o.test().loss());
        m.put("val_loss", o.val() == null ? null : o.val().loss());
        m.put("train_loss", o.train().loss());
        if (o.test() != null) {
            Map<String, Double> perClass = new LinkedHashMap<>();
            double[] acc = o.test().perClassAccuracy();
            for (int k = 0; k < acc.length; k++) {
                perClass.put(names.get(k), Double.isNaN(acc[k]) ? null : acc[k]);
            }
            m.put("per_class_test_accuracy", perClass);
            m.put("test_confusion", o.test().confusionRows());
        }
        m.put("class_names", names);
        m.put("epochs", o.history().size());
        m.put("train_seconds", o.trainSeconds());
        m.put("eval_seconds", o.evalSeconds());
        m.put("device", o.device());
        m.put("finished", java.time.OffsetDateTime.now().toString());
        return m;
    }

    /** The rows of metrics.csv. */
    public List<EpochMetrics> readMetrics() {
        Path f = dir.resolve(METRICS);
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            List<EpochMetrics> rows = new ArrayList<>();
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                if (!line.isBlank()) {
                    rows.add(EpochMetrics.fromCsv(line));
                }
            }
            return rows;
        } catch (IOException | RuntimeException e) {
            throw UserError.failure(f + ": unreadable metrics (" + e.getMessage() + ")");
        }
    }

    /** summary.json as a tree. */
    public JsonNode readSummary() {
        Path f = dir.resolve(SUMMARY);
        try {
            return Json.mapper().readTree(f.toFile());
        } catch (IOException e) {
            throw UserError.failure(f + ": unreadable summary (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** test_predictions.csv: per test image, its label, predicted class and true-class probability. */
    public record Predictions(int[] labels, int[] predicted, float[] trueProbability) {
    }

    public Optional<Predictions> readPredictions() {
        Path f = dir.resolve(PREDICTIONS);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            int n = lines.size() - 1;
            int[] labels = new int[n];
            int[] predicted = new int[n];
            float[] p = new float[n];
            for (int i = 0; i < n; i++) {
                String[] fields = lines.get(i + 1).split(",");
                labels[i] = Integer.parseInt(fields[1]);
                predicted[i] = Integer.parseInt(fields[2]);
                p[i] = Float.parseFloat(fields[3]);
            }
            return Optional.of(new Predictions(labels, predicted, p));
        } catch (IOException | RuntimeException e) {
            throw UserError.failure(f + ": unreadable predictions (" + e.getMessage() + ")");
        }
    }

    /** metrics.csv with exactly these rows, written atomically. */
    public void rewriteMetrics(List<EpochMetrics> rows) throws IOException {
        StringBuilder b = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        for (EpochMetrics m : rows) {
            b.append(m.toCsv()).append('\n');
        }
        cifarlinear.util.AtomicFiles.writeString(dir.resolve(METRICS), b.toString());
    }

    public void writeConfig(Object config) throws IOException {
        Json.write(dir.resolve(CONFIG), config);
    }

    /** Appends an epoch's row to metrics.csv, starting the file with its header. */
    public void appendMetrics(EpochMetrics m) throws IOException {
        Path file = dir.resolve(METRICS);
        String line = m.toCsv() + "\n";
        if (!Files.exists(file)) {
            line = EpochMetrics.CSV_HEADER + "\n" + line;
        }
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void writeModel(LinearModel model, String metadataJson) throws IOException {
        Checkpoint.write(dir.resolve(MODEL), model, metadataJson);
    }

    public void writeSummary(Object summary) throws IOException {
        Json.write(dir.resolve(SUMMARY), summary);
    }
}
