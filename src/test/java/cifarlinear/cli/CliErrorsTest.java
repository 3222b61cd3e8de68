package cifarlinear.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input gives one line on standard error that names the problem, and exit code 2 or 1. */
class CliErrorsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--eta=0              | --eta must be > 0, got 0.0",
            "--eta=-1             | --eta must be > 0, got -1.0",
            "--eta=abc            | Invalid value for option '--eta': 'abc' is not a double",
            "--flip=1.5           | --flip must be a probability in [0, 1], got 1.5",
            "--flip=-0.1          | --flip must be a probability in [0, 1], got -0.1",
            "--batch=0            | --batch must be ≥ 1, got 0",
            "--lambda=-0.5        | --lambda must be ≥ 0, got -0.5",
            "--decay-factor=0     | --decay-factor must be in (0, 1], got 0.0",
            "--loss=hinge         | --loss: unknown loss 'hinge' (expected softmax or sigmoid)",
            "--threads=0          | --threads must be ≥ 1, got 0",
            "--data=/no/such/dir  | --data: /no/such/dir does not exist",
            "--bogus              | Unknown option: '--bogus'",
            "--val=-3             | --val must be ≥ 0, got -3",
            "--synthetic-size=0   | --synthetic-size must be ≥ 1, got 0",
    })
    void badTrainArgumentsAreUsageErrors(String arg, String message) {
        CliRun r = CliRun.of("train", arg, "--out", dir.resolve("run").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).startsWith("cifar-linear train: ").contains(message);
        assertThat(r.out()).isEmpty();
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void optionsThatNeedTheDataAreCheckedBeforeTraining() {
        CliRun r = CliRun.of("train", "--data", "synthetic", "--synthetic-size", "500", "--out",
                dir.resolve("run").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly(
                "cifar-linear train: --val 1000 leaves no training images: the data has 500");
        CliRun big = CliRun.of("train", "--data", "synthetic", "--synthetic-size", "500", "--val", "100", "--batch",
                "401", "--out", dir.resolve("run").toString());
        assertThat(big.errLines()).containsExactly(
                "cifar-linear train: --batch 401 is larger than the 400 training images");
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void aFolderThatIsNotADataSetIsAUsageError() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "hello");
        CliRun r = CliRun.of("train", "--data", dir.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).contains("is not a data set this program reads");
    }

    @Test
    void anOutFolderThatCannotBeMadeIsToldBeforeTheDataLoads() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here");
        for (String command : new String[] {"train", "compare"}) {
            CliRun r = CliRun.of(command, "--data", "synthetic", "--out", "/proc/cifar-linear-none/run");
            assertThat(r.exitCode()).as(command).isEqualTo(2);
            assertThat(r.errLines()).as(command).hasSize(1);
            assertThat(r.errLines()[0]).startsWith("cifar-linear " + command
                    + ": --out: cannot make /proc/cifar-linear-none/run a run folder: ");
            assertThat(r.out()).as(command).doesNotContain("Data:");
        }
    }

    @Test
    void tryingTheOutFolderEarlyLeavesNothingBehind() {
        Path run = dir.resolve("a").resolve("b").resolve("run");
        CliRun r = CliRun.of("train", "--data", "synthetic", "--synthetic-size", "500", "--out", run.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly(
                "cifar-linear train: --val 1000 leaves no training images: the data has 500");
        assertThat(dir.resolve("a")).doesNotExist();
    }

    @Test
    void neverOverwritesARunFolderWithoutForce() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("mine.txt"), "precious");
        CliRun r = CliRun.of("train", "--data", "synthetic", "--out", run.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).contains("already holds files").contains("--force");
        assertThat(Files.readString(run.resolve("mine.txt"))).isEqualTo("precious");
    }

    @Test
    void aCorruptModelIsARuntimeFailure() throws Exception {
        Path ckpt = dir.resolve("model.ckpt");
        Files.writeString(ckpt, "CIFARLIN but not really a model");
        CliRun r = CliRun.of("eval", "--model", ckpt.toString(), "--data", "synthetic", "--synthetic-size", "100");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).startsWith("cifar-linear eval: " + ckpt);
        CliRun missing = CliRun.of("eval", "--model", dir.resolve("none.ckpt").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.errLines()[0]).contains("none.ckpt: no such model file");
        CliRun noModel = CliRun.of("eval");
        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.errLines()).hasSize(1);
        assertThat(noModel.errLines()[0]).contains("Missing required option: '--model=CKPT'");
    }

    @Test
    void noCommandPrintsUsage() {
        CliRun r = CliRun.of();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: cifar-linear").contains("train").contains("gradcheck");
        assertThat(CliRun.of("--help").exitCode()).isZero();
        assertThat(CliRun.of("train", "--help").out()).contains("--decay-every").contains("--flip");
    }

    @Test
    void aDownloadMirrorThatIsNeitherAnAddressNorAFolderIsOneLine() throws Exception {
        CliRun ftp = CliRun.of("download", "--mirror", "ftp://example.org/cifar/", "--dir", dir.toString());
        assertThat(ftp.exitCode()).isEqualTo(2);
        assertThat(ftp.errLines()).containsExactly("cifar-linear download: --mirror ftp://example.org/cifar/: give an "
                + "http or https address, a folder, or a file: URL");
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        Path into = dir.resolve("data");
        CliRun empty = CliRun.of("download", "--mirror", mirror.toUri().toString(), "--dir", into.toString());
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.errLines()).containsExactly("cifar-linear download: "
                + mirror.resolve("cifar-10-binary.tar.gz") + ": no such file in the mirror folder (it should hold the "
                + "official archives under their own names)");
        Files.writeString(mirror.resolve("cifar-10-binary.tar.gz"), "not the archive");
        CliRun wrong = CliRun.of("download", "--mirror", mirror.toString(), "--dir", into.toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.errLines()).hasSize(1);
        assertThat(wrong.errLines()[0]).contains("the download's MD5 is").contains("not the published");
        try (var left = Files.list(into)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aReportOfAFolderThatIsNotARunNamesTheFolderOnly() {
        CliRun r = CliRun.of("report", dir.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("cifar-linear report: " + dir + " is not a run folder (no config.json)");
        CliRun resume = CliRun.of("train", "--resume", dir.toString());
        assertThat(resume.errLines()).containsExactly("cifar-linear train: --resume: " + dir
                + " is not a run folder (no config.json)");
    }

    /** What the handler prints for a failure of {@code train}, after the exit code it returns. */
    private static String handledInTrain(Exception failure) {
        picocli.CommandLine train = Main.commandLine().getSubcommands().get("train");
        java.io.StringWriter err = new java.io.StringWriter();
        train.setErr(new java.io.PrintWriter(err));
        int code = new ErrorHandler().handleExecutionException(failure, train, null);
        return code + " " + err;
    }

    @Test
    void anOutOfMemoryErrorPassedOnFromAnotherThreadIsOneLine() {
        assertThat(handledInTrain(new IllegalStateException(
                new java.util.concurrent.ExecutionException(new OutOfMemoryError("Java heap space")))))
                .isEqualTo("1 cifar-linear train: " + ErrorHandler.outOfMemory(Runtime.getRuntime().maxMemory())
                        + System.lineSeparator());
        assertThat(handledInTrain(new IllegalStateException(new OutOfMemoryError("unable to create native thread: "
                + "possibly out of memory or process/resource limits reached"))))
                .isEqualTo("1 cifar-linear train: out of memory: unable to create native thread: possibly out of "
                        + "memory or process/resource limits reached" + System.lineSeparator());
    }

    @Test
    void anOutFolderThatCannotBeMadeIsOneLineBeforeTheDataIsRead() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        Path out = file.resolve("run");
        CliRun r = CliRun.of("train", "--data", "synthetic", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("cifar-linear train: --out: cannot create " + out + ": " + file
                + " is a file");
        assertThat(r.out()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("mine");
    }

    @Test
    void aFileThatCannotBeReadOrWrittenIsNamedNotAnInternalError() {
        assertThat(handledInTrain(new java.io.UncheckedIOException(
                new java.nio.file.AccessDeniedException("/runs/a/metrics.csv"))))
                .isEqualTo("1 cifar-linear train: /runs/a/metrics.csv: permission denied" + System.lineSeparator());
    }

    @Test
    void aListOptionWithNoValuesIsAUsageError() {
        CliRun lambdas = CliRun.of("sweep", "--data", "synthetic", "--lambda", ",,", "--out", dir.resolve("s").toString());
        assertThat(lambdas.exitCode()).isEqualTo(2);
        assertThat(lambdas.errLines()).containsExactly("cifar-linear sweep: --lambda: give at least one value");
        CliRun etaMins = CliRun.of("sweep", "--data", "synthetic", "--eta-min", ",", "--out", dir.resolve("s").toString());
        assertThat(etaMins.errLines()).containsExactly("cifar-linear sweep: --eta-min: give at least one value");
        assertThat(dir.resolve("s")).doesNotExist();
        CliRun check = CliRun.of("gradcheck", "--data", "synthetic", "--lambda", ",");
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.errLines()).containsExactly("cifar-linear gradcheck: --lambda: give at least one value");
        assertThat(check.out()).isEmpty();
    }
}
