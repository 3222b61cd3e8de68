package cifarlinear.cli;

import cifarlinear.report.Figures;
import cifarlinear.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cifar-linear report RUN_DIR}: the figures and report.html of a run, again. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Makes a run folder's figures and report.html again from the files the run saved.")
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", description = "A run folder written by train.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        Path report = RunReport.write(dir);
        spec.commandLine().getOut().println("Wrote " + (Figures.unavailable() == null ? "the figures and " : "") + report);
        Report.figuresLeftOut(spec.commandLine().getErr());
        return 0;
    }
}
