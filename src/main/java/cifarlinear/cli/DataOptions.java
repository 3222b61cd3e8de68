package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.LabelKind;
import cifarlinear.data.SyntheticData;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** Options that choose the data set, shared by every command that reads data. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "PATH",
            description = {"CIFAR-10 or CIFAR-100 in any official distribution (binary, python, matlab), as a folder "
                    + "or the .tar.gz; train/ and test/ image folders, or their .zip, .tar, .tar.gz or .tar.xz; or 'synthetic'.",
                    "Default: the data folder ($CIFAR_LINEAR_DATA, else ~/.cache/cifar-linear) when it holds one, "
                            + "else the synthetic set."})
    String data;

    @Option(names = "--synthetic-size", paramLabel = "N", defaultValue = "" + SyntheticData.DEFAULT_TRAIN_SIZE,
            description = "Training images of the synthetic set; it has N/5 test images (default: ${DEFAULT-VALUE}).")
    int syntheticSize;

    @Option(names = "--labels", paramLabel = "KIND", defaultValue = "fine",
            description = "CIFAR-100's labels: fine (100 classes) or coarse (20 superclasses) (default: ${DEFAULT-VALUE}).")
    LabelKind labels;

    /** Checks the options and finds the data, without reading it. */
    DataSources.Resolved resolve() {
        return resolve("--data");
    }

    /** The same, for data that {@code source} named rather than --data (for the errors). */
    DataSources.Resolved resolve(String source) {
        if (syntheticSize < 1) {
            throw UserError.usage("--synthetic-size must be ≥ 1, got " + syntheticSize);
        }
        return DataSources.resolve(data, source);
    }

    /** Loads resolved data, telling the user what is being read and how long it took. */
    CifarData load(DataSources.Resolved resolved, PrintWriter out) {
        if (resolved.note() != null) {
            out.println(resolved.note());
        }
        long t0 = System.nanoTime();
        CifarData loaded = DataSources.load(resolved, new DataSources.SyntheticSpec(syntheticSize, SyntheticData.DEFAULT_SEED),
                labels);
        out.printf("Data: %s — %d training and %d test images, %d classes (%.1f s)%n", loaded.description(),
                loaded.train().size(), loaded.test().size(), loaded.classCount(), (System.nanoTime() - t0) / 1e9);
        out.flush();
        return loaded;
    }
}
