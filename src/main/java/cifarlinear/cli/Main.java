package cifarlinear.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** The {@code cifar-linear} command and its subcommands. */
@Command(name = "cifar-linear",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Trains linear classifiers (softmax or sigmoid) on CIFAR-10, on an NVIDIA GPU or the CPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, SweepCommand.class, CompareCommand.class,
                GradcheckCommand.class,
                ReportCommand.class, BenchCommand.class, DoctorCommand.class,
                DataCommand.class, DownloadCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'cifar-linear COMMAND --help' for a command's options."})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    /** The command line with this program's error handling: one line per error, exit 1 or 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        ErrorHandler handler = new ErrorHandler();
        cl.setParameterExceptionHandler(handler);
        cl.setExecutionExceptionHandler(handler);
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parseResult -> {
            try {
                return runLast.execute(parseResult);
            } catch (OutOfMemoryError e) {
                // picocli hands only exceptions to the handler, which finds the Error as their cause;
                // thrown as it is, it would end in a stack trace.
                List<CommandLine> commands = parseResult.asCommandLineList();
                throw new CommandLine.ExecutionException(commands.getLast(), "out of memory", e);
            }
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"cifar-linear " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + " on " + System.getProperty("os.name") + " "
                            + System.getProperty("os.arch")};
        }
    }
}
