package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

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
     * Checks, before anything is computed, that {@code dir} may be used.
     *
     * @throws UserError (usage) when it is a file, or a folder with files in it and not {@code force}
     */
    public static void checkUsable(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw UserError.usage("--out: " + dir + " is a file, not a folder");
        }
        if (!force && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw UserError.usage("--out: " + dir + " already holds files; choose another folder or pass --force to "
                    + "overwrite its run files");
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the folder (and parents), removing the run files a previous run left there. */
    public static RunFolder create(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : new String[] {CONFIG, METRICS, SUMMARY, MODEL}) {
            Files.deleteIfExists(dir.resolve(f));
        }
        return new RunFolder(dir);
    }

    public Path dir() {
        return dir;
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
