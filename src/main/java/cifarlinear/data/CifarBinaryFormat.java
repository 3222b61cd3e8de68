package cifarlinear.data;

import cifarlinear.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The official CIFAR-10 binary distribution, extracted: a folder (usually
 * {@code cifar-10-batches-bin}) with {@code data_batch_1.bin} … {@code data_batch_5.bin},
 * {@code test_batch.bin} and {@code batches.meta.txt}. Each record is one label byte followed by
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each row-major).
 */
public final class CifarBinaryFormat implements DataFormat {
    public static final String FOLDER_NAME = "cifar-10-batches-bin";
    public static final int RECORD = 1 + Dataset.DIM;
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");
    private static final Pattern TRAIN_BATCH = Pattern.compile("data_batch_(\\d+)\\.bin");

    @Override
    public String name() {
        return "CIFAR-10 binary";
    }

    @Override
    public boolean accepts(Path path) {
        return root(path) != null;
    }

    /** The folder holding the batches: {@code path} itself or its {@code cifar-10-batches-bin}, else null. */
    private static Path root(Path path) {
        for (Path dir : List.of(path, path.resolve(FOLDER_NAME))) {
            if (Files.isRegularFile(dir.resolve("data_batch_1.bin")) || Files.isRegularFile(dir.resolve("test_batch.bin"))) {
                return dir;
            }
        }
        return null;
    }

    @Override
    public CifarData load(Path path) throws IOException {
        Path dir = root(path);
        if (dir == null) {
            throw UserError.usage(path + ": no data_batch_1.bin or test_batch.bin in this folder");
        }
        List<String> classes = readClassNames(dir.resolve("batches.meta.txt"));
        List<Path> trainFiles = trainBatches(dir);
        Path testFile = dir.resolve("test_batch.bin");
        if (!Files.isRegularFile(testFile)) {
            throw UserError.failure(testFile + ": missing (the test batch of the binary CIFAR-10 layout)");
        }
        Dataset train = readBatches(trainFiles, classes);
        Dataset test = readBatches(List.of(testFile), classes);
        return new CifarData(name() + " " + dir, train, test);
    }

    private static List<Path> trainBatches(Path dir) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = TRAIN_BATCH.matcher(f.getFileName().toString());
                if (m.matches()) {
                    numbers.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        if (numbers.isEmpty()) {
            throw UserError.failure(dir + ": no training batches (data_batch_1.bin …)");
        }
        numbers.sort(null);
        List<Path> result = new ArrayList<>();
        for (int i = 0; i < numbers.size(); i++) {
            if (numbers.get(i) != i + 1) {
                throw UserError.failure(dir.resolve("data_batch_" + (i + 1) + ".bin")
                        + ": missing, but data_batch_" + numbers.get(i) + ".bin is there");
            }
            result.add(dir.resolve("data_batch_" + (i + 1) + ".bin"));
        }
        return result;
    }

    static List<String> readClassNames(Path meta) throws IOException {
        if (!Files.isRegularFile(meta)) {
            return CIFAR10_CLASSES;
        }
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(meta, StandardCharsets.UTF_8)) {
            String name = line.strip();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        if (names.isEmpty() || names.size() > 256) {
            throw UserError.failure(meta + ": expected one class name per line, found " + names.size() + " names");
        }
        return names;
    }

    /** Reads the records of the given batch files, in order, into one data set. */
    static Dataset readBatches(List<Path> files, List<String> classes) throws IOException {
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw UserError.failure(f + ": size " + size + " bytes is not a whole number of "
                        + RECORD + "-byte records");
            }
            total += size / RECORD;
        }
        if (total * Dataset.DIM > Integer.MAX_VALUE - 8) {
            throw UserError.failure(files.getFirst().getParent() + ": " + total + " images do not fit in memory at once");
        }
        int n = (int) total;
        byte[] pixels = new byte[n * Dataset.DIM];
        int[] labels = new int[n];
        int next = 0;
        byte[] record = new byte[RECORD];
        for (Path f : files) {
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
                next = readRecords(in, f.toString(), Files.size(f) / RECORD, classes.size(), record, pixels, labels, next);
            }
        }
        return Dataset.ofUint8(pixels, labels, classes);
    }

    /** Reads {@code count} records from {@code in} into {@code pixels}/{@code labels} starting at image {@code next}. */
    static int readRecords(InputStream in, String source, long count, int classCount, byte[] record, byte[] pixels,
                           int[] labels, int next) throws IOException {
        for (long r = 0; r < count; r++) {
            int got = in.readNBytes(record, 0, RECORD);
            if (got != RECORD) {
                throw UserError.failure(source + ": record " + r + " is truncated (" + got + " of " + RECORD + " bytes)");
            }
            int label = record[0] & 0xFF;
            if (label >= classCount) {
                throw UserError.failure(source + ": record " + r + " has label " + label + ", but there are only "
                        + classCount + " classes");
            }
            labels[next] = label;
            System.arraycopy(record, 1, pixels, next * Dataset.DIM, Dataset.DIM);
            next++;
        }
        return next;
    }
}
