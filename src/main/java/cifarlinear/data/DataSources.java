package cifarlinear.data;

import cifarlinear.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns what the user passed as {@code --data} into a loaded data set: the word
 * {@code synthetic}, or a path in any supported layout, recognized by its content.
 * Without {@code --data}, the default data folder is searched, and the synthetic set is used
 * when it holds nothing recognizable.
 */
public final class DataSources {
    public static final String SYNTHETIC = "synthetic";
    public static final String ENV_DATA = "CIFAR_LINEAR_DATA";

    /** Image folders first: they take a .tar.gz only when it holds image folders, the official formats any other. */
    private static final List<DataFormat> FORMATS = List.of(new ImageFolderFormat(), new CifarFormat());

    private DataSources() {
    }

    /** How the synthetic set is generated when it is the source. */
    public record SyntheticSpec(int trainSize, long seed) {
        public static final SyntheticSpec DEFAULT = new SyntheticSpec(SyntheticData.DEFAULT_TRAIN_SIZE,
                SyntheticData.DEFAULT_SEED);
    }

    /** A data set chosen but not yet loaded: a path and its format, or the synthetic set. */
    public record Resolved(Path path, DataFormat format, String note) {
        public boolean synthetic() {
            return path == null;
        }

        /** What a run records as its data: 'synthetic', or the absolute path (so that --resume works from anywhere). */
        public String describe() {
            return synthetic() ? SYNTHETIC : path.toAbsolutePath().normalize().toString();
        }
    }

    /** The folder searched when no --data is given: $CIFAR_LINEAR_DATA, else ~/.cache/cifar-linear. */
    public static Path defaultFolder() {
        String env = System.getenv(ENV_DATA);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "cifar-linear");
    }

    /**
     * Resolves {@code spec} (null when --data was not given).
     *
     * @throws UserError (usage) when the path does not exist or holds no known layout
     */
    public static Resolved resolve(String spec) {
        return resolve(spec, "--data");
    }

    /**
     * Resolves {@code spec}, which {@code source} named (an option, or where else it came from), for
     * the errors.
     */
    public static Resolved resolve(String spec, String source) {
        if (spec == null) {
            Path folder = defaultFolder();
            Optional<Resolved> found = findIn(folder);
            return found.orElseGet(() -> new Resolved(null, null,
                    "No CIFAR-10 found in " + folder + " (give --data PATH or set " + ENV_DATA
                            + "); using the built-in synthetic data set."));
        }
        if (spec.equals(SYNTHETIC)) {
            return new Resolved(null, null, null);
        }
        Path path = Path.of(spec);
        if (!Files.exists(path)) {
            throw UserError.usage(source + ": " + spec + " does not exist");
        }
        DataFormat format = detect(path);
        if (format == null) {
            throw UserError.usage(source + ": " + spec + " is not a data set this program reads (expected a CIFAR-10 "
                    + "or CIFAR-100 distribution as a folder or .tar.gz, train/ and test/ image folders or their .zip, .tar, "
                    + ".tar.gz or .tar.xz, "
                    + "or 'synthetic')");
        }
        return new Resolved(path, format, null);
    }

    /** The format that accepts {@code path}, or null. */
    public static DataFormat detect(Path path) {
        for (DataFormat f : FORMATS) {
            if (f.accepts(path)) {
                return f;
            }
        }
        return null;
    }

    /** A data set in {@code folder} itself or in one of its entries (first in name order). */
    static Optional<Resolved> findIn(Path folder) {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        DataFormat own = detect(folder);
        if (own != null) {
            return Optional.of(new Resolved(folder, own, null));
        }
        try (Stream<Path> children = Files.list(folder)) {
            for (Path child : children.sorted().toList()) {
                DataFormat f = detect(child);
                if (f != null) {
                    return Optional.of(new Resolved(child, f, null));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Loads a resolved data set. */
    public static CifarData load(Resolved resolved, SyntheticSpec synthetic, LabelKind labels) {
        if (resolved.synthetic()) {
            return SyntheticData.generate(synthetic.trainSize(), synthetic.seed());
        }
        try {
            return resolved.format().load(resolved.path(), labels);
        } catch (UncheckedIOException e) {
            throw UserError.failure(e.getMessage(), e);
        } catch (IOException e) {
            throw UserError.failure(resolved.path() + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        String msg = e.getMessage();
        return e.getClass().getSimpleName() + (msg == null ? "" : " (" + msg + ")");
    }
}
