package cifarlinear.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code cifar-linear data}: commands about data sets. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Looks into data sets.",
        subcommands = {DataInfoCommand.class, CommandLine.HelpCommand.class})
public final class DataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
