package cifarlinear.cli;

import cifarlinear.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Training on all of CIFAR-10's size fits in a 1 GiB heap; a heap too small for it is one line. */
class SmallHeapTest {
    @TempDir
    Path dir;

    private int trainInOneGigabyte(String data, Path log) throws Exception {
        return train("-Xmx1g", data, log);
    }

    private int train(String heap, String data, Path log) throws Exception {
        // Objects on 64 bytes, as the launcher runs it: every object then takes a multiple of 64 bytes.
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), heap,
                "--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--data", data, "--epochs", "1", "--no-progress", "--out", dir.resolve("run").toString(),
                "--force"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void fullSizeSyntheticData() throws Exception {
        Path log = dir.resolve("synthetic.log");
        assertThat(trainInOneGigabyte("synthetic", log)).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("50000 training and 10000 test images");
    }

    @Test
    void aHeapTooSmallIsOneLineAndExitOne() throws Exception {
        Path log = dir.resolve("small.log");
        int code = train("-Xmx64m", "synthetic", log);
        List<String> lines = Files.readAllLines(log);
        assertThat(code).as(String.join("\n", lines)).isEqualTo(1);
        assertThat(lines).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in thread"));
        List<String> errors = lines.stream().filter(l -> l.startsWith("cifar-linear train: ")).toList();
        assertThat(errors).hasSize(1);
        java.util.regex.Matcher limit = java.util.regex.Pattern.compile("limit of (\\d+) MB").matcher(errors.getFirst());
        assertThat(limit.find()).as(errors.getFirst()).isTrue();
        assertThat(Long.parseLong(limit.group(1))).isBetween(48L, 64L);
        assertThat(errors.getFirst()).isEqualTo("cifar-linear train: "
                + ErrorHandler.outOfMemory(Long.parseLong(limit.group(1)) << 20));
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void realCifarWhenThisMachineHasIt() throws Exception {
        Path zip = TestData.realCifarZip().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(zip != null, "no ../shared/data/cifar10-jpeg.zip on this machine");
        Path log = dir.resolve("real.log");
        assertThat(trainInOneGigabyte(zip.toString(), log)).as(Files.readString(log)).isZero();
    }
}
