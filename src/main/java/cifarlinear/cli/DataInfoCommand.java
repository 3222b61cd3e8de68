package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Dataset;
import cifarlinear.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cifar-linear data info PATH}: what a data set holds, and its fingerprints. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints a data set's format, shapes, class names, images per class and split, and a "
                + "fingerprint per split: SHA-256 over the pixel values (one byte each, in file order) and then the "
                + "labels (one byte each).",
                "The same data in any distribution has the same fingerprints."})
public final class DataInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "A data set, as --data of train takes it ('synthetic' included).")
    String path;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--json", description = "Print one JSON object instead (keys include train_sha256 and test_sha256).")
    boolean json;

    @Override
    public Integer call() {
        if (dataOptions.data != null) {
            throw UserError.usage("give the data set as PATH, not with --data");
        }
        dataOptions.data = path;
        DataSources.Resolved resolved = dataOptions.resolve();
        PrintWriter out = spec.commandLine().getOut();
        CifarData data = dataOptions.load(resolved, json ? new PrintWriter(new StringWriter()) : out);
        Map<String, Object> info = info(resolved, data);
        if (json) {
            out.print(Json.write(info));
        } else {
            print(out, data, info);
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> info(DataSources.Resolved resolved, CifarData data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", resolved.describe());
        m.put("format", data.description());
        m.put("image_shape", List.of(Dataset.CHANNELS, Dataset.SIDE, Dataset.SIDE));
        m.put("classes", data.classNames());
        m.put("train_images", data.train().size());
        m.put("test_images", data.test().size());
        m.put("train_sha256", data.train().sha256());
        m.put("test_sha256", data.test().sha256());
        m.put("train_per_class", perClass(data, data.train()));
        m.put("test_per_class", perClass(data, data.test()));
        return m;
    }

    private static Map<String, Integer> perClass(CifarData data, Dataset set) {
        Map<String, Integer> m = new LinkedHashMap<>();
        int[] counts = set.classCounts();
        for (int k = 0; k < counts.length; k++) {
            m.put(data.classNames().get(k), counts[k]);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void print(PrintWriter out, CifarData data, Map<String, Object> info) {
        out.printf(Locale.ROOT, "images: %d × %d × %d (channels × rows × columns, %d bytes each)%n", Dataset.CHANNELS,
                Dataset.SIDE, Dataset.SIDE, Dataset.DIM);
        out.printf(Locale.ROOT, "train:  %6d images  sha256 %s%n", data.train().size(), info.get("train_sha256"));
        out.printf(Locale.ROOT, "test:   %6d images  sha256 %s%n", data.test().size(), info.get("test_sha256"));
        out.printf(Locale.ROOT, "%d classes:%n", data.classCount());
        int width = Math.max(5, data.classNames().stream().mapToInt(String::length).max().orElse(5));
        out.printf(Locale.ROOT, "  %-" + width + "s  %6s  %6s%n", "class", "train", "test");
        Map<String, Integer> train = (Map<String, Integer>) info.get("train_per_class");
        Map<String, Integer> test = (Map<String, Integer>) info.get("test_per_class");
        for (String name : data.classNames()) {
            out.printf(Locale.ROOT, "  %-" + width + "s  %6d  %6d%n", name, train.get(name), test.get(name));
        }
    }
}
