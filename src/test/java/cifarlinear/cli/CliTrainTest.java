package cifarlinear.cli;

import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.train.EpochMetrics;
import cifarlinear.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Training, evaluating and checking gradients through the command line, end to end. */
class CliTrainTest {
    @TempDir
    Path dir;

    /** Trains on 2,700 synthetic images, for 3 epochs unless {@code extra} says otherwise. */
    private CliRun train(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", "synthetic", "--synthetic-size",
                "3000", "--val", "300", "--out", out.toString()));
        if (!List.of(extra).contains("--epochs")) {
            args.addAll(List.of("--epochs", "3"));
        }
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void writesACompleteRunFolder() throws Exception {
        Path run = dir.resolve("run");
        CliRun r = train(run, "--loss", "sigmoid", "--batch", "64", "--threads", "2", "--device", "cpu");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("Trained 3 epochs").contains("Per-class test accuracy").contains("class-9");

        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertThat(metrics).hasSize(4);
        assertThat(metrics.getFirst()).isEqualTo(EpochMetrics.CSV_HEADER);
        String[] last = metrics.get(3).split(",");
        assertThat(last).hasSize(10);
        assertThat(last[0]).isEqualTo("3");
        assertThat(Double.parseDouble(last[7])).as("val accuracy, chance being 0.1").isGreaterThan(0.3);

        JsonNode config = Json.mapper().readTree(run.resolve("config.json").toFile());
        for (String key : List.of("data", "loss", "lambda", "batch", "epochs", "eta", "decay_every", "decay_factor",
                "flip", "seed", "init_std", "val", "device", "threads")) {
            assertThat(config.has(key)).as(key).isTrue();
        }
        assertThat(config.get("loss").asText()).isEqualTo("sigmoid");
        assertThat(config.get("batch").asInt()).isEqualTo(64);
        assertThat(config.get("train_images").asInt()).isEqualTo(2700);

        JsonNode summary = Json.mapper().readTree(run.resolve("summary.json").toFile());
        double test = summary.get("test_accuracy").asDouble();
        assertThat(test).isBetween(0.3, 1.0);
        assertThat(summary.get("val_accuracy").asDouble()).isEqualTo(Double.parseDouble(last[7]), org.assertj.core.data.Offset.offset(1e-5));
        assertThat(summary.get("per_class_test_accuracy").size()).isEqualTo(10);
        assertThat(summary.get("class_names").get(0).asText()).isEqualTo("class-0");
        assertThat(summary.get("device").asText()).startsWith("cpu");
        assertThat(summary.get("train_seconds").asDouble()).isPositive();

        LinearModel model = Checkpoint.read(run.resolve("model.ckpt")).model();
        assertThat(model.classCount()).isEqualTo(10);

        CliRun eval = CliRun.of("eval", "--model", run.resolve("model.ckpt").toString(), "--data", "synthetic",
                "--synthetic-size", "3000");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains(String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100 * test))
                .contains("Confusion matrix");
    }

    @Test
    void theSameSeedGivesTheSameModelAndAnotherSeedAnother() {
        train(dir.resolve("a"), "--seed", "5", "--threads", "1");
        train(dir.resolve("b"), "--seed", "5", "--threads", "2");
        train(dir.resolve("c"), "--seed", "6");
        float[] a = Checkpoint.read(dir.resolve("a/model.ckpt")).model().weights();
        float[] b = Checkpoint.read(dir.resolve("b/model.ckpt")).model().weights();
        float[] c = Checkpoint.read(dir.resolve("c/model.ckpt")).model().weights();
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void forceReusesAFolder() throws Exception {
        Path run = dir.resolve("run");
        CliRun first = train(run, "--epochs", "1");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).contains("Trained 1 epoch in ").doesNotContain("per epoch");
        assertThat(train(run, "--epochs", "1").exitCode()).isEqualTo(2);
        assertThat(train(run, "--epochs", "2", "--force").exitCode()).isZero();
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(3);
    }

    @Test
    void gradcheckPassesAndReportsEachCase() {
        CliRun r = CliRun.of("gradcheck", "--data", "synthetic", "--samples", "8");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("All relative errors are within 1.0e-06.");
        assertThat(r.out().lines().filter(l -> l.endsWith(" ok")).count()).isEqualTo(4);
        CliRun strict = CliRun.of("gradcheck", "--data", "synthetic", "--samples", "8", "--tolerance", "1e-13",
                "--loss", "softmax", "--lambda", "0");
        assertThat(strict.exitCode()).isEqualTo(1);
        assertThat(strict.out()).contains("FAIL");
    }
}
