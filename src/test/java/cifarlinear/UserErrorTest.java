package cifarlinear;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UserErrorTest {
    @Test
    void keepsMessagesToOnePrintableLine() {
        assertThat(UserError.failure("a.mat: 'x\ny\rz\u0000' is text").getMessage()).isEqualTo("a.mat: 'x?y?z?' is text");
        String longName = "n".repeat(5000);
        assertThat(UserError.usage(longName).getMessage()).hasSize(UserError.MAX_LENGTH + 1).endsWith("n…");
        assertThat(UserError.failure("plain").getMessage()).isEqualTo("plain");
        assertThat(UserError.usage("x").exitCode()).isEqualTo(2);
        assertThat(UserError.failure("x").exitCode()).isEqualTo(1);
    }

    @Test
    void describesFilesThatCannotBeReadOrWritten() {
        assertThat(UserError.describe(new java.nio.file.NoSuchFileException("/d/x.bin")))
                .isEqualTo("/d/x.bin: no such file or folder");
        assertThat(UserError.describe(new java.nio.file.AccessDeniedException("/d/x.bin")))
                .isEqualTo("/d/x.bin: permission denied");
        assertThat(UserError.describe(new java.nio.file.FileSystemException("/d/x.bin", null, "No space left on device")))
                .isEqualTo("/d/x.bin: No space left on device");
        assertThat(UserError.describe(new java.io.IOException("Stream closed"))).isEqualTo("I/O error: Stream closed");
        assertThat(UserError.describe(new java.io.EOFException())).isEqualTo("I/O error: EOFException");
    }

    @Test
    void aRunFolderThatCannotBeMadeIsAFailureNamingIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "mine");
        java.nio.file.Path out = file.resolve("run");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cifarlinear.train.RunFolder.create(out))
                .isInstanceOfSatisfying(UserError.class, e -> assertThat(e.exitCode()).isEqualTo(UserError.FAILURE))
                .hasMessageStartingWith("--out: cannot make " + out + " a run folder: ");
        assertThat(java.nio.file.Files.readString(file)).isEqualTo("mine");
    }
}
