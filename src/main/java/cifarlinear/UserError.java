package cifarlinear;

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
        super(message, cause);
        this.exitCode = exitCode;
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
}
