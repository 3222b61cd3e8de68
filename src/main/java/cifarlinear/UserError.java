package cifarlinear;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failure the user can act on. The command line reports it as one line, without a stack
 * trace, and exits with {@link #exitCode()}: {@link #USAGE} for a bad option or argument,
 * {@link #FAILURE} for anything that went wrong while doing the work (a corrupt file, say).
 */
public class UserError extends RuntimeException {
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public UserError(String message, int exitCode) {
        this(message, exitCode, null);
    }

    public UserError(String message, int exitCode, Throwable cause) {
        super(oneLine(message), cause);
        this.exitCode = exitCode;
    }

    /** Longest message kept; text taken from a damaged file can be anything. */
    static final int MAX_LENGTH = 1000;

    /**
     * The message as one printable line: control characters (a newline in a name read from a
     * file, say) become '?', and an overlong message is cut short.
     */
    public static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(message.length(), MAX_LENGTH + 1));
        for (int i = 0; i < message.length() && b.length() < MAX_LENGTH; i++) {
            char c = message.charAt(i);
            b.append(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? '?' : c);
        }
        if (message.length() > MAX_LENGTH) {
            b.append('…');
        }
        return b.toString();
    }

    /** A bad option value, argument or path: exit code 2. */
    public static UserError usage(String message) {
        return new UserError(message, USAGE);
    }

    /** A runtime failure, such as a malformed data file: exit code 1. */
    public static UserError failure(String message) {
        return new UserError(message, FAILURE);
    }

    public static UserError failure(String message, Throwable cause) {
        return new UserError(message, FAILURE, cause);
    }

    public int exitCode() {
        return exitCode;
    }

    /** Refuses, as a usage error, a list option given no values (such as {@code --lambda ,}). */
    public static void requireValues(String option, java.util.Collection<?> values) {
        if (values.isEmpty()) {
            throw usage(option + ": give at least one value");
        }
    }

    /**
     * A file that could not be read or written, with the reason in words: "PATH: permission denied"
     * where the exception names the file, else "I/O error: REASON".
     */
    public static String describe(IOException e) {
        String file = e instanceof FileSystemException fse ? fse.getFile() : null;
        return file != null ? file + ": " + reason(e) : "I/O error: " + reason(e);
    }

    /** Why a file could not be read or written, in words ("no such file or folder", "disk full" …). */
    public static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file or folder";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "already exists";
            case NotDirectoryException x -> "not a folder";
            case DirectoryNotEmptyException x -> "folder not empty";
            case FileSystemException fse when fse.getReason() != null -> fse.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
