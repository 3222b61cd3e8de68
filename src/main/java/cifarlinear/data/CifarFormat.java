package cifarlinear.data;

import cifarlinear.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The official CIFAR-10 and CIFAR-100 distributions, as a folder or straight from the .tar.gz:
 * binary ({@code cifar-10-batches-bin}, {@code cifar-100-binary}), Python
 * ({@code cifar-10-batches-py}, {@code cifar-100-python}) and MATLAB ({@code cifar-10-batches-mat}).
 * The layout is recognized from the files inside, whatever the folder or archive is called; an
 * archive is streamed and only the decoded images are kept.
 */
public final class CifarFormat implements DataFormat {
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");
    static final int RECORD_10 = 1 + Dataset.DIM;
    static final int RECORD_100 = 2 + Dataset.DIM;

    /** The distributions, with the folder name each unpacks to. */
    enum Layout {
        BINARY_10("CIFAR-10 binary", "cifar-10-batches-bin"),
        PYTHON_10("CIFAR-10 python", "cifar-10-batches-py"),
        MATLAB_10("CIFAR-10 MATLAB", "cifar-10-batches-mat"),
        BINARY_100("CIFAR-100 binary", "cifar-100-binary"),
        PYTHON_100("CIFAR-100 python", "cifar-100-python");

        final String title;
        final String folder;

        Layout(String title, String folder) {
            this.title = title;
            this.folder = folder;
        }

        boolean cifar100() {
            return this == BINARY_100 || this == PYTHON_100;
        }
    }

    private enum Kind { TRAIN, TEST, META, COARSE_META }

    /** What a file of a distribution is, from its name; batch counts training batches from 1. */
    private record Role(Layout layout, Kind kind, int batch) {
        private static final Pattern BATCH = Pattern.compile("data_batch_(\\d{1,3})(\\.bin|\\.mat)?");

        static Role of(String baseName) {
            Matcher m = BATCH.matcher(baseName);
            if (m.matches()) {
                String ext = m.group(2) == null ? "" : m.group(2);
                return new Role(ext.equals(".bin") ? Layout.BINARY_10 : ext.equals(".mat") ? Layout.MATLAB_10
                        : Layout.PYTHON_10, Kind.TRAIN, Integer.parseInt(m.group(1)));
            }
            return switch (baseName) {
                case "test_batch.bin" -> new Role(Layout.BINARY_10, Kind.TEST, 0);
                case "batches.meta.txt" -> new Role(Layout.BINARY_10, Kind.META, 0);
                case "test_batch.mat" -> new Role(Layout.MATLAB_10, Kind.TEST, 0);
                case "batches.meta.mat" -> new Role(Layout.MATLAB_10, Kind.META, 0);
                case "test_batch" -> new Role(Layout.PYTHON_10, Kind.TEST, 0);
                case "batches.meta" -> new Role(Layout.PYTHON_10, Kind.META, 0);
                case "train.bin" -> new Role(Layout.BINARY_100, Kind.TRAIN, 1);
                case "test.bin" -> new Role(Layout.BINARY_100, Kind.TEST, 0);
                case "fine_label_names.txt" -> new Role(Layout.BINARY_100, Kind.META, 0);
                case "coarse_label_names.txt" -> new Role(Layout.BINARY_100, Kind.COARSE_META, 0);
                case "train" -> new Role(Layout.PYTHON_100, Kind.TRAIN, 1);
                case "test" -> new Role(Layout.PYTHON_100, Kind.TEST, 0);
                case "meta" -> new Role(Layout.PYTHON_100, Kind.META, 0);
                default -> null;
            };
        }

        boolean data() {
            return kind == Kind.TRAIN || kind == Kind.TEST;
        }
    }

    /** One decoded file of images: uint8 pixels and, for CIFAR-100, fine and coarse labels. */
    private record Batch(String source, byte[] pixels, int[] labels, int[] coarse) {
        int size() {
            return labels.length;
        }
    }

    @Override
    public String name() {
        return "CIFAR distribution";
    }

    @Override
    public boolean accepts(Path path) {
        if (Files.isRegularFile(path)) {
            return !path.getFileName().toString().endsWith(Download.PARTIAL_SUFFIX)
                    && (EntrySource.isGzip(path) || EntrySource.hasArchiveName(path));
        }
        return folder(path) != null;
    }

    /** The folder holding a distribution's files: {@code path} itself or the folder it unpacks to. */
    private static Path folder(Path path) {
        if (!Files.isDirectory(path)) {
            return null;
        }
        List<Path> candidates = new ArrayList<>(List.of(path));
        for (Layout l : Layout.values()) {
            candidates.add(path.resolve(l.folder));
        }
        for (Path dir : candidates) {
            try {
                if (Files.isDirectory(dir) && new EntrySource.Folder(dir).names().stream().map(Role::of)
                        .anyMatch(r -> r != null && r.data())) {
                    return dir;
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public CifarData load(Path path, LabelKind labels) throws IOException {
        EntrySource source;
        if (Files.isRegularFile(path)) {
            source = new EntrySource.TarGz(path);
        } else {
            Path dir = folder(path);
            if (dir == null) {
                throw UserError.usage(path + ": no CIFAR batches in this folder");
            }
            source = new EntrySource.Folder(dir);
        }
        Reader reader = new Reader();
        source.forEach(name -> Role.of(name) != null, reader::accept);
        if (reader.layout == null) {
            throw UserError.failure(path + ": no CIFAR batches in " + (source instanceof EntrySource.TarGz ? "this archive"
                    : "this folder"));
        }
        return reader.assemble(path, labels);
    }

    /** Decodes files as they come, then puts the data set together. */
    private static final class Reader {
        Layout layout;
        String firstSource;
        final Map<Integer, Batch> train = new TreeMap<>();
        Batch test;
        List<String> names;
        List<String> coarseNames;

        void accept(String name, String where, byte[] bytes) {
            Role role = Role.of(EntrySource.baseName(name));
            if (layout == null) {
                layout = role.layout();
                firstSource = where;
            } else if (layout != role.layout()) {
                throw UserError.failure(where + ": a " + role.layout().title + " file beside " + layout.title
                        + " ones (" + firstSource + ")");
            }
            switch (role.kind()) {
                case TRAIN -> {
                    if (train.put(role.batch(), decode(bytes, where)) != null) {
                        throw UserError.failure(where + ": a second copy of this batch");
                    }
                }
                case TEST -> test = decode(bytes, where);
                case META -> names = names(bytes, where);
                case COARSE_META -> coarseNames = names(bytes, where);
            }
        }

        private Batch decode(byte[] bytes, String where) {
            try {
                return decodeAs(bytes, where);
            } catch (UserError e) {
                throw e;
            } catch (RuntimeException e) {
                throw UserError.failure(where + ": unreadable (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ")", e);
            }
        }

        private Batch decodeAs(byte[] bytes, String where) {
            return switch (layout) {
                case BINARY_10, BINARY_100 -> binary(bytes, where, layout == Layout.BINARY_100);
                case PYTHON_10, PYTHON_100 -> python(bytes, where, layout == Layout.PYTHON_100);
                case MATLAB_10 -> matlab(bytes, where);
            };
        }

        private List<String> names(byte[] bytes, String where) {
            try {
                return namesAs(bytes, where);
            } catch (UserError e) {
                throw e;
            } catch (RuntimeException e) {
                throw UserError.failure(where + ": unreadable (" + e.getClass().getSimpleName() + ")", e);
            }
        }

        private List<String> namesAs(byte[] bytes, String where) {
            return switch (layout) {
                case BINARY_10, BINARY_100 -> textLines(bytes, where);
                case PYTHON_10 -> Pickles.strings(Pickles.require(Pickles.dictionary(bytes, where), "label_names", where),
                        "label_names", where);
                case PYTHON_100 -> {
                    Map<String, Object> meta = Pickles.dictionary(bytes, where);
                    coarseNames = Pickles.strings(Pickles.require(meta, "coarse_label_names", where),
                            "coarse_label_names", where);
                    yield Pickles.strings(Pickles.require(meta, "fine_label_names", where), "fine_label_names", where);
                }
                case MATLAB_10 -> MatFiles.strings(MatFiles.require(MatFiles.read(bytes, where), "label_names", where),
                        "label_names", where);
            };
        }

        CifarData assemble(Path path, LabelKind labelKind) {
            String title = layout.title + " " + path;
            if (test == null) {
                throw UserError.failure(path + ": the " + layout.title + " test batch ("
                        + (layout.cifar100() ? "test" : "test_batch") + ") is missing");
            }
            if (train.isEmpty()) {
                throw UserError.failure(path + ": the " + layout.title + " training batches are missing");
            }
            int expected = 1;
            for (int b : train.keySet()) {
                if (b != expected) {
                    throw UserError.failure(path + ": training batch data_batch_" + expected + " is missing (found "
                            + train.keySet() + ")");
                }
                expected++;
            }
            boolean coarse = layout.cifar100() && labelKind == LabelKind.COARSE;
            List<String> classes = coarse ? coarseNames : names;
            if (classes == null) {
                classes = layout.cifar100() ? numbered(coarse ? "coarse-" : "fine-", coarse ? 20 : 100) : CIFAR10_CLASSES;
            }
            List<Batch> trainBatches = new ArrayList<>(train.values());
            train.clear();
            Dataset trainSet = concatenate(trainBatches, classes, coarse);
            Dataset testSet = concatenate(new ArrayList<>(List.of(test)), classes, coarse);
            test = null;
            return new CifarData(title, trainSet, testSet);
        }

        /** One data set from batches, releasing each batch as soon as it is copied. */
        private static Dataset concatenate(List<Batch> batches, List<String> classes, boolean coarse) {
            long total = 0;
            for (Batch b : batches) {
                total += b.size();
            }
            if (total * Dataset.DIM > Integer.MAX_VALUE - 8) {
                throw UserError.failure(batches.getFirst().source() + ": " + total + " images do not fit in one array");
            }
            byte[] pixels = new byte[(int) total * Dataset.DIM];
            int[] labels = new int[(int) total];
            int next = 0;
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batches.get(i);
                int[] own = coarse ? b.coarse() : b.labels();
                for (int r = 0; r < own.length; r++) {
                    if (own[r] >= classes.size()) {
                        throw UserError.failure(b.source() + ": image " + r + " has label " + own[r] + ", but there are only "
                                + classes.size() + " classes");
                    }
                }
                Dataset.centerInto(b.pixels(), 0, pixels, next * Dataset.DIM, b.pixels().length);
                System.arraycopy(own, 0, labels, next, own.length);
                next += own.length;
                batches.set(i, null);
            }
            return Dataset.ofCentered(pixels, labels, classes);
        }
    }

    /**
     * Decodes one file of a distribution by its base name, as loading would, and returns its
     * images (null for a file of names); for tests that feed the decoders arbitrary bytes.
     */
    static byte[] decodeFile(String baseName, byte[] bytes) {
        Role role = Role.of(baseName);
        if (role == null) {
            throw new IllegalArgumentException(baseName + " is no file of a CIFAR distribution");
        }
        Reader reader = new Reader();
        reader.accept(baseName, baseName, bytes);
        Batch b = role.kind() == Kind.TEST ? reader.test : reader.train.get(role.batch());
        return b == null ? null : b.pixels();
    }

    private static List<String> numbered(String prefix, int n) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            names.add(prefix + k);
        }
        return names;
    }

    private static List<String> textLines(byte[] bytes, String where) {
        List<String> names = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.isEmpty() || names.size() > 1000) {
            throw UserError.failure(where + ": expected one class name per line, found " + names.size());
        }
        return names;
    }

    /** Records of one label byte (CIFAR-100: coarse, then fine) and 3072 pixel bytes. */
    private static Batch binary(byte[] bytes, String where, boolean cifar100) {
        int record = cifar100 ? RECORD_100 : RECORD_10;
        if (bytes.length == 0 || bytes.length % record != 0) {
            throw UserError.failure(where + ": size " + bytes.length + " bytes is not a whole number of " + record
                    + "-byte records");
        }
        int n = bytes.length / record;
        byte[] pixels = new byte[n * Dataset.DIM];
        int[] labels = new int[n];
        int[] coarse = cifar100 ? new int[n] : null;
        for (int i = 0; i < n; i++) {
            int at = i * record;
            if (cifar100) {
                coarse[i] = bytes[at] & 0xFF;
                labels[i] = bytes[at + 1] & 0xFF;
            } else {
                labels[i] = bytes[at] & 0xFF;
            }
            System.arraycopy(bytes, at + record - Dataset.DIM, pixels, i * Dataset.DIM, Dataset.DIM);
        }
        return new Batch(where, pixels, labels, coarse);
    }

    private static Batch python(byte[] bytes, String where, boolean cifar100) {
        Map<String, Object> dict = Pickles.dictionary(bytes, where);
        byte[] pixels = Pickles.uint8Rows(Pickles.require(dict, "data", where), Dataset.DIM, "data", where);
        int[] labels = Pickles.integers(Pickles.require(dict, cifar100 ? "fine_labels" : "labels", where),
                cifar100 ? "fine_labels" : "labels", where);
        int[] coarse = cifar100 ? Pickles.integers(Pickles.require(dict, "coarse_labels", where), "coarse_labels", where)
                : null;
        return checked(new Batch(where, pixels, labels, coarse));
    }

    private static Batch matlab(byte[] bytes, String where) {
        var mat = MatFiles.read(bytes, where);
        byte[] pixels = MatFiles.uint8Rows(MatFiles.require(mat, "data", where), Dataset.DIM, "data", where);
        int[] labels = MatFiles.integers(MatFiles.require(mat, "labels", where), "labels", where);
        return checked(new Batch(where, pixels, labels, null));
    }

    private static Batch checked(Batch b) {
        int n = b.pixels().length / Dataset.DIM;
        if (b.labels().length != n || (b.coarse() != null && b.coarse().length != n)) {
            throw UserError.failure(b.source() + ": " + n + " images but " + b.labels().length + " labels");
        }
        return b;
    }
}
