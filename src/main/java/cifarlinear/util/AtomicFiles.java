package cifarlinear.util;

import cifarlinear.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader sees either the old content or the complete new content, never
 * a half-written file: the bytes go to a temporary file beside the target, are forced to disk,
 * and the temporary file is renamed over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Refuses, as a usage error naming {@code option}, a file that could not be written later:
     * a folder in its place, or a place that {@link #checkCreatable} refuses.
     */
    public static void checkWritable(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw UserError.usage(option + ": " + file + " is a folder, not a file");
        }
        checkCreatable(option, file);
        // The new content goes to a temporary file beside it, so its folder must take new files.
        Path folder = file.toAbsolutePath().getParent();
        if (Files.exists(file) && folder != null && !Files.isWritable(folder)) {
            throw UserError.usage(option + ": cannot write " + file + ": " + folder + " is not writable");
        }
    }

    /**
     * Refuses, as a usage error naming {@code option}, a path that does not exist and could not be
     * created: one under a file, or under a folder that is not writable; and an existing folder
     * that is not writable. Nothing is created.
     */
    public static void checkCreatable(String option, Path path) {
        if (Files.isDirectory(path) && !Files.isWritable(path)) {
            throw UserError.usage(option + ": " + path + " is not writable");
        }
        if (Files.exists(path)) {
            return;
        }
        Path existing = path.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw UserError.usage(option + ": cannot create " + path + ": " + existing + " is a file");
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw UserError.usage(option + ": cannot create " + path + ": " + existing + " is not writable");
        }
    }
}
