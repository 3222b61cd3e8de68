package cifarlinear.cli;

import cifarlinear.model.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Training in a separate process, killed and resumed, ends with the weights of a run left alone. */
class KillAndResumeTest {
    private static final List<String> RUN = List.of("--data", "synthetic", "--synthetic-size", "6000", "--val", "500",
            "--epochs", "14", "--batch", "50", "--seed", "3", "--no-progress", "--device", "cpu");

    @TempDir
    Path dir;

    /** A cifar-linear process started with this JVM's runtime and classes. */
    private static Process start(List<String> args, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static List<String> train(Path out, boolean resume) {
        List<String> args = new ArrayList<>(List.of("train"));
        if (resume) {
            args.addAll(List.of("--resume", out.toString(), "--device", "cpu"));
        } else {
            args.addAll(RUN);
            args.addAll(List.of("--out", out.toString(), "--force"));
        }
        return args;
    }

    private static float[] weights(Path run) {
        return Checkpoint.read(run.resolve("model.ckpt")).model().weights();
    }

    private static List<String> metricsWithoutTimes(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.csv")).stream().map(l -> l.replaceAll(",[^,]*,[^,]*$", "")).toList();
    }

    @Test
    void survivesFiveKillsAtRandomMoments() throws Exception {
        Path reference = dir.resolve("reference");
        Process whole = start(train(reference, false), dir.resolve("reference.log"));
        assertThat(whole.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(whole.exitValue()).as(Files.readString(dir.resolve("reference.log"))).isZero();

        Path run = dir.resolve("run");
        SplittableRandom rng = new SplittableRandom(2024);
        int kills = 0;
        for (int attempt = 0; kills < 5 && attempt < 50; attempt++) {
            boolean resume = Files.exists(run.resolve("config.json"));
            Process p = start(train(run, resume), dir.resolve("attempt" + attempt + ".log"));
            Thread.sleep(300 + rng.nextInt(1700));
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                kills++;
            } else if (p.exitValue() == 0 && Files.exists(run.resolve("model.ckpt"))) {
                // It finished before the kill: start over, so that all five kills hit a live run.
                Files.walk(run).sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        assertThat(kills).isEqualTo(5);
        Process last = start(train(run, Files.exists(run.resolve("config.json"))), dir.resolve("last.log"));
        assertThat(last.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(dir.resolve("last.log"))).isZero();

        assertThat(weights(run)).containsExactly(weights(reference));
        assertThat(metricsWithoutTimes(run)).isEqualTo(metricsWithoutTimes(reference));
    }

    @Test
    void sigtermSavesACheckpointAndSaysHowToResume() throws Exception {
        Path reference = dir.resolve("reference");
        assertThat(start(train(reference, false), dir.resolve("ref.log")).waitFor(120, TimeUnit.SECONDS)).isTrue();
        Path run = dir.resolve("run");
        Path log = dir.resolve("term.log");
        Process p = start(train(run, false), log);
        // Wait until training has begun (the first epoch row), then ask it to stop.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains(" 1/14 ") && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(20);
        }
        p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        if (p.exitValue() == 143) {
            assertThat(out).containsPattern("Interrupted in epoch \\d+ after step \\d+; saved .*checkpoint\\.ckpt\\. "
                    + "Resume with: cifar-linear train --resume " + java.util.regex.Pattern.quote(run.toString()));
            assertThat(run.resolve("checkpoint.ckpt")).exists();
            assertThat(run.resolve("model.ckpt")).doesNotExist();
        } else {
            assertThat(p.exitValue()).as(out).isZero(); // it finished first; resuming then has nothing to do
        }
        Process rest = start(train(run, true), dir.resolve("rest.log"));
        assertThat(rest.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(rest.exitValue()).as(Files.readString(dir.resolve("rest.log"))).isZero();
        assertThat(weights(run)).containsExactly(weights(reference));
    }

    @Test
    void resumeRefusesRunOptions() throws Exception {
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("train", "--resume", run.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()[0]).contains("is not a run folder");
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.json"), "{}");
        CliRun withEta = CliRun.of("train", "--resume", run.toString(), "--eta", "0.5");
        assertThat(withEta.exitCode()).isEqualTo(2);
        assertThat(withEta.errLines()).containsExactly(
                "cifar-linear train: --eta cannot be given with --resume: the run keeps its own options");
        CliRun broken = CliRun.of("train", "--resume", run.toString());
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.errLines()).hasSize(1);
        assertThat(broken.errLines()[0]).contains("incomplete run configuration");
    }

    @Test
    void aRunRecordsItsDataAsAnAbsolutePathSoThatItResumesFromAnywhere() throws Exception {
        Path data = cifarlinear.data.TinyCifar.writeBinary10(Files.createDirectories(dir.resolve("data")));
        Path relative = Path.of("").toAbsolutePath().relativize(data.toAbsolutePath());
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("train", "--data", relative.toString(), "--val", "2", "--batch", "4", "--epochs", "1",
                "--no-progress", "--device", "cpu", "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String recorded = cifarlinear.util.Json.mapper().readTree(run.resolve("config.json").toFile()).get("data")
                .asText();
        assertThat(recorded).isEqualTo(data.toAbsolutePath().normalize().toString());

        Path moved = Files.move(data, dir.resolve("moved"));
        CliRun gone = CliRun.of("train", "--resume", run.toString());
        assertThat(gone.exitCode()).isEqualTo(2);
        assertThat(gone.errLines()).containsExactly("cifar-linear train: --resume: the run's data: " + recorded
                + " does not exist");
        assertThat(moved).isDirectory();
    }
}
