package cifarlinear.cli;

import cifarlinear.UserError;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Reports every failure as one line on standard error, prefixed with the command, and maps it to
 * the exit code: 2 for a usage error (bad option, missing path), 1 for anything that failed while
 * working (a file that could not be read or written is named, not reported as an internal error;
 * so is running out of memory). A stack trace is printed only when {@value #DEBUG_ENV} is set.
 */
final class ErrorHandler implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    static final String DEBUG_ENV = "CIFAR_LINEAR_DEBUG";

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        String message = firstLine(ex.getMessage());
        cl.getErr().println(name + ": " + message + " (see '" + name + " --help')");
        cl.getErr().flush();
        return CommandLine.ExitCode.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        String name = cl.getCommandSpec().qualifiedName();
        int code;
        if (ex instanceof UserError ue) {
            err.println(name + ": " + firstLine(ue.getMessage()));
            code = ue.exitCode();
        } else if (ex instanceof ParameterException pe) {
            return handleParseException(pe, new String[0]);
        } else if (cause(ex, OutOfMemoryError.class) instanceof OutOfMemoryError oom) {
            err.println(name + ": " + outOfMemory(oom));
            code = CommandLine.ExitCode.SOFTWARE;
        } else if (cause(ex, IOException.class) instanceof IOException io) {
            err.println(name + ": " + UserError.oneLine(UserError.describe(io)));
            code = CommandLine.ExitCode.SOFTWARE;
        } else {
            err.println(name + ": internal error: " + ex.getClass().getSimpleName()
                    + (ex.getMessage() == null ? "" : ": " + firstLine(ex.getMessage()))
                    + " (set " + DEBUG_ENV + "=1 to see where)");
            code = CommandLine.ExitCode.SOFTWARE;
        }
        if (System.getenv(DEBUG_ENV) != null) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * The line for a run that ran out of memory: for the heap, its limit and how to raise it; for
     * anything else (threads, metaspace, direct buffers), the JVM's words.
     */
    static String outOfMemory(OutOfMemoryError e) {
        String what = e.getMessage();
        if (what == null || what.equals("Java heap space") || what.startsWith("GC overhead")) {
            return outOfMemory(Runtime.getRuntime().maxMemory());
        }
        return "out of memory: " + firstLine(what);
    }

    /** The line for a run that needed more memory than a heap limit of {@code maxBytes}. */
    static String outOfMemory(long maxBytes) {
        long mb = maxBytes >> 20;
        return "out of memory: this run needs more than the Java heap's limit of " + mb + " MB; give it more, "
                + "e.g. with JAVA_OPTS=-Xmx" + Math.max(2, (mb >> 10) * 2 + 2) + "g for the cifar-linear launcher "
                + "(java -Xmx… otherwise)";
    }

    /**
     * The first of {@code t} and its causes that is a {@code kind} (an OutOfMemoryError or an
     * IOException passed on from a worker thread or wrapped by a library), or null.
     */
    private static Throwable cause(Throwable t, Class<? extends Throwable> kind) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (kind.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
