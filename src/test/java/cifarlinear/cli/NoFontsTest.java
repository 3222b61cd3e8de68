package cifarlinear.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * On a system whose Java has no fonts (no fontconfig: a bare container, say), training still ends
 * well: the results and report.html are written, the figures are left out, and one line says why.
 * The test hides fontconfig from a child JVM in a mount namespace of its own, where it may.
 */
class NoFontsTest {
    @TempDir
    Path dir;

    @Test
    void trainingWithoutFontsLeavesOutTheFiguresAndSaysWhy() throws Exception {
        assumeThat(System.getProperty("os.name")).startsWith("Linux");
        Path run = dir.resolve("run");
        Path log = dir.resolve("log");
        String java = ProcessHandle.current().info().command().orElse("java");
        String script = "for f in /usr/lib*/libfontconfig.so* /usr/lib/*/libfontconfig.so* /lib*/libfontconfig.so* "
                + "/lib/*/libfontconfig.so*; do [ -e \"$f\" ] && mount --bind /dev/null \"$f\"; done; "
                + "exec \"$0\" \"$@\"";
        List<String> cmd = List.of("unshare", "--mount", "sh", "-c", script, java,
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "train", "--synthetic-size", "1000", "--val", "100",
                "--epochs", "1", "--no-progress", "--out", run.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (java.io.IOException e) {
            assumeThat(false).as("unshare: " + e.getMessage()).isTrue();
            return;
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        assumeThat(out).as("a mount namespace of its own (needs root)").doesNotContain("unshare:");
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).doesNotContain("\tat ").doesNotContain("internal error");
        assertThat(run.resolve("report.html")).exists();
        assertThat(run.resolve("model.ckpt")).exists();
        if (out.contains("note: figures left out: no fonts")) {
            assertThat(out.lines().filter(l -> l.startsWith("note: figures left out"))).hasSize(1);
            assertThat(run.resolve("loss.png")).doesNotExist();
            assertThat(Files.readString(run.resolve("report.html"))).contains("The figures are left out: no fonts");
            assertThat(out).contains("the run's metrics and report are in");
        } else {
            assertThat(run.resolve("loss.png")).exists();
        }
    }
}
