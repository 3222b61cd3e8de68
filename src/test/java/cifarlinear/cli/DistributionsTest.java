package cifarlinear.cli;

import cifarlinear.data.TinyCifar;
import cifarlinear.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One data set in the three official layouts, each as a folder and as a .tar.gz, read six ways alike. */
class DistributionsTest {
    @TempDir
    Path dir;

    private List<Path> sixWays() throws Exception {
        Path bin = TinyCifar.writeBinary10(Files.createDirectories(dir.resolve("bin")));
        Path py = copy(TinyCifar.FIXTURES.resolve("cifar10-py-py2"), dir.resolve("py/cifar-10-batches-py"));
        Path mat = copy(TinyCifar.FIXTURES.resolve("cifar10-mat"), dir.resolve("mat/cifar-10-batches-mat"));
        return List.of(bin, py, mat,
                TinyCifar.tarGz(bin, "cifar-10-batches-bin", dir.resolve("cifar-10-binary.tar.gz"), null),
                TinyCifar.tarGz(py, "cifar-10-batches-py", dir.resolve("cifar-10-python.tar.gz"), null),
                TinyCifar.tarGz(mat, "cifar-10-batches-mat", dir.resolve("cifar-10-matlab.tar.gz"), null));
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @Test
    void dataInfoGivesTheSameFingerprintsForAllSix() throws Exception {
        List<String> fingerprints = new ArrayList<>();
        for (Path p : sixWays()) {
            CliRun r = CliRun.of("data", "info", p.toString(), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode info = Json.mapper().readTree(r.out());
            assertThat(info.get("train_images").asInt()).isEqualTo(10);
            assertThat(info.get("classes").get(9).asText()).isEqualTo("truck");
            fingerprints.add(info.get("train_sha256").asText() + " " + info.get("test_sha256").asText());
        }
        assertThat(fingerprints).hasSize(6).containsOnly(fingerprints.getFirst());
    }

    @Test
    void trainingGivesTheSameMetricsForAllSix() throws Exception {
        List<String> runs = new ArrayList<>();
        int i = 0;
        for (Path p : sixWays()) {
            Path out = dir.resolve("run" + i++);
            CliRun r = CliRun.of("train", "--data", p.toString(), "--epochs", "2", "--seed", "1", "--val", "2",
                    "--batch", "4", "--out", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            StringBuilder metrics = new StringBuilder();
            for (String line : Files.readAllLines(out.resolve("metrics.csv"))) {
                // Everything but the two timing columns.
                metrics.append(String.join(",", Arrays.copyOf(line.split(",", -1), 8))).append('\n');
            }
            runs.add(metrics.toString());
        }
        assertThat(runs.getFirst().lines()).hasSize(3);
        assertThat(runs).containsOnly(runs.getFirst());
    }

    @Test
    void badInputIsOneLineAndExitCodeOneAndTouchesNothing() throws Exception {
        Path bin = TinyCifar.writeBinary10(Files.createDirectories(dir.resolve("bad")));
        Files.write(bin.resolve("data_batch_4.bin"), new byte[] {1, 2, 3});
        List<String> before = listing(dir);
        CliRun r = CliRun.of("data", "info", bin.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).startsWith("cifar-linear data info: " + bin.resolve("data_batch_4.bin"));
        CliRun t = CliRun.of("train", "--data", bin.toString(), "--out", dir.resolve("run").toString());
        assertThat(t.exitCode()).isEqualTo(1);
        assertThat(t.errLines()).hasSize(1);
        assertThat(listing(dir)).isEqualTo(before);
    }

    private static List<String> listing(Path root) throws Exception {
        try (var s = Files.walk(root)) {
            return s.map(p -> root.relativize(p) + ":" + (Files.isRegularFile(p) ? p.toFile().length() : -1)).sorted().toList();
        }
    }
}
