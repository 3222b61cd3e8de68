package cifarlinear.cli;

import cifarlinear.TestData;
import cifarlinear.util.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A short run on real CIFAR-10, when the shared copy is on this machine. */
class RealDataTest {
    @TempDir
    Path dir;

    @Test
    void learnsRealCifarWellAboveChanceInAFewEpochs() throws Exception {
        Path zip = TestData.realCifarZip().orElse(null);
        Assumptions.assumeTrue(zip != null, "no ../shared/data/cifar10-jpeg.zip on this machine");
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("train", "--data", zip.toString(), "--epochs", "3", "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("50000 training and 10000 test images, 10 classes");
        var summary = Json.mapper().readTree(run.resolve("summary.json").toFile());
        assertThat(summary.get("test_accuracy").asDouble()).isGreaterThan(0.33);
        assertThat(summary.get("class_names").get(0).asText()).isEqualTo("airplane");
    }
}
