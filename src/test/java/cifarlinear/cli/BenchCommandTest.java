package cifarlinear.cli;

import cifarlinear.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cifar-linear bench}: its table, its files, the baseline's ratio and its errors (not its figures). */
class BenchCommandTest {
    @TempDir
    Path dir;

    private static final String[] SMALL = {"bench", "--data", "synthetic", "--synthetic-size", "1200", "--val", "200",
            "--device", "cpu", "--steps", "2", "--repeats", "1", "--warmup", "0"};

    private static String[] small(String... more) {
        String[] all = java.util.Arrays.copyOf(SMALL, SMALL.length + more.length);
        System.arraycopy(more, 0, all, SMALL.length, more.length);
        return all;
    }

    @Test
    void tableFilesAndBaselineAgree() throws IOException {
        Path csv = dir.resolve("bench.csv");
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of(small("--batch", "50,100", "--csv", csv.toString(), "--json", json.toString(),
                "--compare", "echo 'epoch 1 seconds 9'; echo 'RESULT implementation=base epoch_seconds=0.25'"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();

        // The table: a header, then one row per batch, each batch right under the header's "batch".
        String header = lines.stream().filter(l -> l.startsWith("backend ")).findFirst().orElseThrow();
        int batchEnd = header.indexOf("batch") + "batch".length();
        List<String> tableRows = lines.stream().filter(l -> l.startsWith("cpu (")).toList();
        assertThat(tableRows).hasSize(2);
        for (int i = 0; i < 2; i++) {
            String row = tableRows.get(i);
            String batch = i == 0 ? "50" : "100";
            assertThat(row.substring(batchEnd - batch.length(), batchEnd)).as(row).isEqualTo(batch);
            assertThat(row.charAt(batchEnd - batch.length() - 1)).as(row).isEqualTo(' ');
        }

        // One RESULT line per batch, in the baselines' format, with the table's epoch time.
        Pattern result = Pattern.compile("^RESULT implementation=cifar-linear backend=cpu batch=(\\d+) "
                + "epoch_seconds=([0-9.]+) images_per_second=(\\d+)$");
        List<Matcher> results = lines.stream().map(result::matcher).filter(Matcher::matches).toList();
        assertThat(results).extracting(m -> m.group(1)).containsExactly("50", "100");

        // The CSV and the JSON hold the same rows under the same names.
        List<String> csvLines = Files.readAllLines(csv);
        assertThat(csvLines.getFirst()).isEqualTo("backend,batch,steps,seconds,images_per_second,epoch_seconds,gflops,"
                + "flop_fraction,gbps,bandwidth_fraction,one_thread_share");
        assertThat(csvLines).hasSize(3);
        JsonNode root = Json.mapper().readTree(json.toFile());
        assertThat(root.path("train_images").asInt()).isEqualTo(1000);
        assertThat(root.path("machine").path("peak_gflops").asDouble()).isPositive();
        JsonNode rows = root.path("results");
        assertThat(rows.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            JsonNode row = rows.get(i);
            String[] cells = csvLines.get(i + 1).split(",");
            assertThat(row.path("batch").asInt()).isEqualTo(i == 0 ? 50 : 100);
            assertThat(row.path("steps").asInt()).isEqualTo(2);
            assertThat(row.path("epoch_seconds").asDouble()).isCloseTo(Double.parseDouble(cells[cells.length - 6]),
                    org.assertj.core.data.Offset.offset(1e-4));
            assertThat(row.path("images_per_second").asDouble()).isPositive();
            // Every fraction is of the limits the file gives (the higher of the two measurements).
            double peak = root.path("machine").path("peak_gflops").asDouble();
            double memory = root.path("machine").path("memory_gbps").asDouble();
            assertThat(row.path("flop_fraction").asDouble()).isCloseTo(row.path("gflops").asDouble() / peak,
                    org.assertj.core.data.Offset.offset(1e-9));
            assertThat(row.path("bandwidth_fraction").asDouble()).isCloseTo(row.path("gbps").asDouble() / memory,
                    org.assertj.core.data.Offset.offset(1e-9));
            // The share of the timed steps on one thread, and the backend as named before it trained.
            assertThat(row.path("one_thread_share").asDouble()).isBetween(0.0, 1.0)
                    .isCloseTo(Double.parseDouble(cells[cells.length - 1]), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(row.path("backend").asText()).startsWith("cpu (").doesNotContain("one thread");
        }
        assertThat(root.path("products_alone").size()).isEqualTo(2);
        for (JsonNode p : root.path("products_alone")) {
            assertThat(p.path("flop_fraction").asDouble()).isCloseTo(
                    p.path("gflops").asDouble() / root.path("machine").path("peak_gflops").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-9));
            // The higher of the two measurements, before and after the runs, as for the peak.
            assertThat(p.path("gflops_before").asDouble()).isPositive();
            assertThat(p.path("gflops_after").asDouble()).isPositive();
            assertThat(p.path("gflops").asDouble()).isEqualTo(
                    Math.max(p.path("gflops_before").asDouble(), p.path("gflops_after").asDouble()));
        }
        // The summary line gives the limits measured before and after the runs, and the higher of each.
        Matcher summary = Pattern.compile("^\\d+ threads?: peak ([0-9.]+) GFLOP/s .*, memory ([0-9.]+) GB/s \\(copy\\)$")
                .matcher(lines.stream().filter(l -> l.contains(" GFLOP/s (")).findFirst().orElseThrow());
        assertThat(summary.matches()).isTrue();
        Matcher both = Pattern.compile("^\\(the higher of two measurements, before and after the runs: peak ([0-9.]+) "
                + "and ([0-9.]+) GFLOP/s, memory ([0-9.]+) and ([0-9.]+) GB/s\\)$")
                .matcher(lines.stream().filter(l -> l.startsWith("(the higher")).findFirst().orElseThrow());
        assertThat(both.matches()).isTrue();
        assertThat(Double.parseDouble(summary.group(1))).isEqualTo(
                Math.max(Double.parseDouble(both.group(1)), Double.parseDouble(both.group(2))));
        assertThat(Double.parseDouble(summary.group(2))).isEqualTo(
                Math.max(Double.parseDouble(both.group(3)), Double.parseDouble(both.group(4))));
        double ours = rows.get(1).path("epoch_seconds").asDouble();
        assertThat(String.format(Locale.ROOT, "%.4f", ours)).isEqualTo(results.get(1).group(2));

        // The baseline's RESULT line counts over its epoch lines; the ratio is with batch 100.
        String expected = String.format(Locale.ROOT, "Baseline: 0.250 s per epoch; cifar-linear at batch 100: %.3f s "
                + "per epoch: %.1f× %s.", ours, Math.max(0.25 / ours, ours / 0.25), ours <= 0.25 ? "faster" : "slower");
        assertThat(lines).contains(expected);
    }

    @Test
    void aBaselineThatFailsOrSaysNothingIsOneLine() {
        CliRun failed = CliRun.of(small("--batch", "100", "--compare", "exit 3"));
        assertThat(failed.exitCode()).isNotZero();
        assertThat(failed.errLines()).containsExactly("cifar-linear bench: --compare: the baseline command exited with 3");
        CliRun silent = CliRun.of(small("--batch", "100", "--compare", "echo hello"));
        assertThat(silent.exitCode()).isNotZero();
        assertThat(silent.errLines()).containsExactly("cifar-linear bench: --compare: the baseline printed neither a "
                + "RESULT line with epoch_seconds nor 'epoch N seconds S' lines");
    }

    @Test
    void badNumbersAreUsageErrors() {
        CliRun zero = CliRun.of(small("--batch", "0"));
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.errLines()).containsExactly("cifar-linear bench: --batch values must be ≥ 1, got 0");
        CliRun none = CliRun.of(small("--batch", ","));
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.errLines()).containsExactly("cifar-linear bench: --batch: give at least one value");
        CliRun tooBig = CliRun.of(small("--batch", "5000"));
        assertThat(tooBig.exitCode()).isEqualTo(2);
        assertThat(tooBig.errLines()).containsExactly("cifar-linear bench: --batch 5000 is larger than the 1000 "
                + "training images");
    }

    @Test
    void outputFilesThatCouldNotBeWrittenAreRefusedBeforeMeasuring() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        CliRun under = CliRun.of(small("--batch", "100", "--csv", file.resolve("bench.csv").toString()));
        assertThat(under.exitCode()).isEqualTo(2);
        assertThat(under.errLines()).containsExactly("cifar-linear bench: --csv: cannot create "
                + file.resolve("bench.csv") + ": " + file + " is a file");
        assertThat(under.out()).isEmpty();
        CliRun folder = CliRun.of(small("--batch", "100", "--json", dir.toString()));
        assertThat(folder.exitCode()).isEqualTo(2);
        assertThat(folder.errLines()).containsExactly("cifar-linear bench: --json: " + dir + " is a folder, not a file");
        assertThat(folder.out()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("mine");
    }

    @Test
    void anExistingFileInAFolderThatTakesNoNewFilesIsRefusedBeforeMeasuring() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("kept"));
        Path csv = Files.writeString(folder.resolve("bench.csv"), "mine");
        Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(folder),
                    "this user may write anywhere (root), so there is nothing to refuse");
            CliRun r = CliRun.of(small("--batch", "100", "--csv", csv.toString()));
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.errLines()).containsExactly("cifar-linear bench: --csv: cannot write " + csv + ": " + folder
                    + " is not writable");
            assertThat(r.out()).isEmpty();
            assertThat(Files.readString(csv)).isEqualTo("mine");
        } finally {
            Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
