package cifarlinear.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The tiny data set of the fixtures in src/test/resources/fixtures (see tiny_cifar.py there),
 * computed again here, and writers for the layouts the fixtures do not cover: binary batches and
 * .tar.gz archives.
 */
public final class TinyCifar {
    public static final int BATCHES = 5;
    public static final int PER_BATCH = 2;
    public static final int TEST = 3;
    public static final Path FIXTURES = Path.of(System.getProperty("cifarlinear.projectRoot", "."))
            .resolve("src/test/resources/fixtures");

    private TinyCifar() {
    }

    public static byte[] pixels(int i) {
        byte[] p = new byte[Dataset.DIM];
        for (int j = 0; j < Dataset.DIM; j++) {
            p[j] = (byte) ((37 * i + 11 * j + 3 * (j / 32)) % 256);
        }
        return p;
    }

    public static int trainLabel(int i) {
        return (7 * i + 3) % 10;
    }

    public static int testLabel(int t) {
        return (3 * t + 1) % 10;
    }

    public static int fineLabel(int i) {
        return (41 * i + 5) % 100;
    }

    public static int coarseLabel(int i) {
        return fineLabel(i) / 5;
    }

    public static List<Integer> trainIndices(int batch) {
        List<Integer> r = new ArrayList<>();
        for (int i = (batch - 1) * PER_BATCH; i < batch * PER_BATCH; i++) {
            r.add(i);
        }
        return r;
    }

    public static List<Integer> testIndices() {
        return List.of(100, 101, 102);
    }

    public static List<String> names(String prefix, int n) {
        List<String> r = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            r.add(String.format("%s%02d", prefix, k));
        }
        return r;
    }

    /** The binary layout, written the way cifar-10-binary.tar.gz unpacks: a folder of .bin records. */
    public static Path writeBinary10(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("cifar-10-batches-bin"));
        for (int b = 1; b <= BATCHES; b++) {
            List<Integer> idx = trainIndices(b);
            byte[] out = new byte[idx.size() * (1 + Dataset.DIM)];
            for (int r = 0; r < idx.size(); r++) {
                out[r * (1 + Dataset.DIM)] = (byte) trainLabel(idx.get(r));
                System.arraycopy(pixels(idx.get(r)), 0, out, r * (1 + Dataset.DIM) + 1, Dataset.DIM);
            }
            Files.write(dir.resolve("data_batch_" + b + ".bin"), out);
        }
        byte[] out = new byte[TEST * (1 + Dataset.DIM)];
        for (int r = 0; r < TEST; r++) {
            out[r * (1 + Dataset.DIM)] = (byte) testLabel(r);
            System.arraycopy(pixels(100 + r), 0, out, r * (1 + Dataset.DIM) + 1, Dataset.DIM);
        }
        Files.write(dir.resolve("test_batch.bin"), out);
        Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", CifarFormat.CIFAR10_CLASSES) + "\n\n");
        return dir;
    }

    /** CIFAR-100's binary layout: train.bin and test.bin with coarse and fine label bytes. */
    public static Path writeBinary100(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("cifar-100-binary"));
        List<Integer> train = new ArrayList<>();
        for (int b = 1; b <= BATCHES; b++) {
            train.addAll(trainIndices(b));
        }
        Files.write(dir.resolve("train.bin"), records100(train));
        Files.write(dir.resolve("test.bin"), records100(testIndices()));
        Files.writeString(dir.resolve("fine_label_names.txt"), String.join("\n", names("fine", 100)) + "\n");
        Files.writeString(dir.resolve("coarse_label_names.txt"), String.join("\n", names("coarse", 20)) + "\n");
        return dir;
    }

    private static byte[] records100(List<Integer> idx) {
        int rec = 2 + Dataset.DIM;
        byte[] out = new byte[idx.size() * rec];
        for (int r = 0; r < idx.size(); r++) {
            out[r * rec] = (byte) coarseLabel(idx.get(r));
            out[r * rec + 1] = (byte) fineLabel(idx.get(r));
            System.arraycopy(pixels(idx.get(r)), 0, out, r * rec + 2, Dataset.DIM);
        }
        return out;
    }

    /** Packs the files of {@code folder} into a .tar.gz under {@code top/}, in the given order of names (all when null). */
    public static Path tarGz(Path folder, String top, Path archive, List<String> order) throws IOException {
        List<String> names = order != null ? order : new EntrySource.Folder(folder).names();
        try (OutputStream os = Files.newOutputStream(archive); GZIPOutputStream gz = new GZIPOutputStream(os);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TarArchiveEntry dirEntry = new TarArchiveEntry(top + "/");
            tar.putArchiveEntry(dirEntry);
            tar.closeArchiveEntry();
            for (String name : names) {
                addEntry(tar, top + "/" + name, Files.readAllBytes(folder.resolve(name)));
            }
        }
        return archive;
    }

    public static void addEntry(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** Checks a loaded CIFAR-10 tiny set against the formulas. */
    public static void assertTiny10(CifarData d) {
        org.assertj.core.api.Assertions.assertThat(d.classNames()).isEqualTo(CifarFormat.CIFAR10_CLASSES);
        org.assertj.core.api.Assertions.assertThat(d.train().size()).isEqualTo(BATCHES * PER_BATCH);
        org.assertj.core.api.Assertions.assertThat(d.test().size()).isEqualTo(TEST);
        for (int i = 0; i < BATCHES * PER_BATCH; i++) {
            org.assertj.core.api.Assertions.assertThat(d.train().label(i)).as("train label %d", i).isEqualTo(trainLabel(i));
            assertPixels(d.train(), i, i);
        }
        for (int t = 0; t < TEST; t++) {
            org.assertj.core.api.Assertions.assertThat(d.test().label(t)).isEqualTo(testLabel(t));
            assertPixels(d.test(), t, 100 + t);
        }
    }

    public static void assertPixels(Dataset set, int row, int image) {
        byte[] p = pixels(image);
        for (int j = 0; j < Dataset.DIM; j++) {
            if (set.pixel(row, j) != (p[j] & 0xFF)) {
                throw new AssertionError("image " + row + " pixel " + j + ": " + set.pixel(row, j) + ", expected "
                        + (p[j] & 0xFF));
            }
        }
    }
}
