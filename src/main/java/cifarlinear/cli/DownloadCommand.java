package cifarlinear.cli;

import cifarlinear.data.DataSources;
import cifarlinear.data.Download;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cifar-linear download}: fetches an official archive into the data folder. */
@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Downloads an official CIFAR archive, checks the MD5 the CIFAR page publishes, and keeps it as "
                + "it is: train reads the .tar.gz directly.",
                "An interrupted download resumes when the command is run again; the archive only gets its final "
                        + "name once its checksum is right."})
public final class DownloadCommand implements Callable<Integer> {
    /** Which distribution. */
    enum Format { BIN, PYTHON, MATLAB }

    /** Which data set. */
    enum Set { CIFAR10, CIFAR100 }

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "bin",
            description = "bin, python or matlab (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "cifar10",
            description = "cifar10 or cifar100 (CIFAR-100: bin or python) (default: ${DEFAULT-VALUE}).")
    Set set;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to put it (default: the data folder, $CIFAR_LINEAR_DATA or ~/.cache/cifar-linear).")
    Path dir;

    @Option(names = "--mirror", paramLabel = "URL|DIR", defaultValue = Download.OFFICIAL,
            description = "Fetch from this address instead, a mirror with the official file names: http(s), or a "
                    + "folder (or file: URL) that holds them (default: ${DEFAULT-VALUE}).")
    String mirror;

    @Override
    public Integer call() {
        Download.Archive archive = archive();
        if (!Download.supported(mirror)) {
            throw cifarlinear.UserError.usage("--mirror " + mirror + ": give an http or https address, a folder, or a "
                    + "file: URL");
        }
        Path target = dir != null ? dir : DataSources.defaultFolder();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Downloading %s from %s into %s%n", archive.fileName, mirror, target);
        out.flush();
        BarProgress progress = new BarProgress(Terminal.interactive(), archive.fileName);
        Path file;
        try {
            file = Download.fetch(mirror, archive.fileName, archive.md5, target, progress);
        } finally {
            progress.close();
        }
        out.printf("MD5 %s as published; saved %s%n", archive.md5, file);
        if (dir == null) {
            out.println("./cifar-linear train now finds it without --data.");
        } else {
            out.printf("Train on it with: ./cifar-linear train --data %s%n", file);
        }
        out.flush();
        return 0;
    }

    private Download.Archive archive() {
        return switch (set) {
            case CIFAR10 -> switch (format) {
                case BIN -> Download.Archive.CIFAR10_BINARY;
                case PYTHON -> Download.Archive.CIFAR10_PYTHON;
                case MATLAB -> Download.Archive.CIFAR10_MATLAB;
            };
            case CIFAR100 -> switch (format) {
                case BIN -> Download.Archive.CIFAR100_BINARY;
                case PYTHON -> Download.Archive.CIFAR100_PYTHON;
                case MATLAB -> throw cifarlinear.UserError.usage(
                        "--format matlab: this program reads CIFAR-100 in its bin and python formats only");
            };
        };
    }

    /** A progress bar in bytes, on a terminal. */
    private static final class BarProgress implements Download.Progress {
        private final boolean show;
        private final String name;
        private ProgressBar bar;

        BarProgress(boolean show, String name) {
            this.show = show;
            this.name = name;
        }

        @Override
        public void start(long done, long total) {
            if (show) {
                bar = Terminal.bar(name, Math.max(total, 0), "MB", 1 << 20);
                bar.stepTo(done);
            }
        }

        @Override
        public void advance(long done) {
            if (bar != null) {
                bar.stepTo(done);
            }
        }

        void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
