package cifarlinear.data;

import cifarlinear.UserError;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every official layout, as a folder and as a .tar.gz, against the tiny data set's formulas. */
class CifarFormatTest {
    @TempDir
    Path dir;

    private static CifarData load(Path p) throws IOException {
        assertThat(DataSources.detect(p)).as("detected: %s", p).isInstanceOf(CifarFormat.class);
        return new CifarFormat().load(p, LabelKind.FINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cifar10-py-py2", "cifar10-py-np1-p2", "cifar10-py-np1-p5", "cifar10-py-np2-p2",
            "cifar10-py-np2-p3", "cifar10-py-np2-p4", "cifar10-py-np2-p5", "cifar10-mat"})
    void readsEachFixtureAsAFolderAndAsAnArchive(String fixture) throws IOException {
        Path folder = TinyCifar.FIXTURES.resolve(fixture);
        TinyCifar.assertTiny10(load(folder));
        // The official archives list their files in no particular order.
        List<String> names = new ArrayList<>(new EntrySource.Folder(folder).names());
        Collections.reverse(names);
        Path archive = TinyCifar.tarGz(folder, "cifar-10-batches-x", dir.resolve(fixture + ".tar.gz"), names);
        TinyCifar.assertTiny10(load(archive));
        // Recognized by content, whatever the name.
        Path renamed = Files.copy(archive, dir.resolve(fixture + ".download"));
        TinyCifar.assertTiny10(load(renamed));
    }

    @Test
    void readsTheBinaryLayoutFromItsFolderItsParentAndTheArchive() throws IOException {
        Path bin = TinyCifar.writeBinary10(dir);
        TinyCifar.assertTiny10(load(bin));
        TinyCifar.assertTiny10(load(dir));
        TinyCifar.assertTiny10(load(TinyCifar.tarGz(bin, "cifar-10-batches-bin", dir.resolve("b.tar.gz"), null)));
    }

    @Test
    void readsCifar100WithFineOrCoarseLabels() throws IOException {
        Path py = TinyCifar.FIXTURES.resolve("cifar100-py-py2");
        Path bin = TinyCifar.writeBinary100(dir);
        for (Path p : List.of(py, bin, TinyCifar.tarGz(py, "cifar-100-python", dir.resolve("c100.tar.gz"), null))) {
            CifarData fine = new CifarFormat().load(p, LabelKind.FINE);
            CifarData coarse = new CifarFormat().load(p, LabelKind.COARSE);
            assertThat(fine.classNames()).isEqualTo(TinyCifar.names("fine", 100));
            assertThat(coarse.classNames()).isEqualTo(TinyCifar.names("coarse", 20));
            assertThat(fine.train().size()).isEqualTo(10);
            for (int i = 0; i < 10; i++) {
                assertThat(fine.train().label(i)).isEqualTo(TinyCifar.fineLabel(i));
                assertThat(coarse.train().label(i)).isEqualTo(TinyCifar.coarseLabel(i));
                TinyCifar.assertPixels(fine.train(), i, i);
            }
            assertThat(fine.test().label(2)).isEqualTo(TinyCifar.fineLabel(102));
            assertThat(fine.train().sha256()).isEqualTo(new CifarFormat().load(bin, LabelKind.FINE).train().sha256());
        }
    }

    @Test
    void fingerprintsDependOnContentAlone() throws IOException {
        String bin = load(TinyCifar.writeBinary10(dir)).train().sha256();
        assertThat(load(TinyCifar.FIXTURES.resolve("cifar10-mat")).train().sha256()).isEqualTo(bin);
        assertThat(load(TinyCifar.FIXTURES.resolve("cifar10-py-py2")).train().sha256()).isEqualTo(bin);
        assertThat(load(TinyCifar.FIXTURES.resolve("cifar10-py-py2")).test().sha256()).isNotEqualTo(bin);
        assertThat(bin).hasSize(64).matches("[0-9a-f]+");
    }

    // Bad input: one message that names the file and the problem.

    private Path copyOf(String fixture) throws IOException {
        Path to = Files.createDirectories(dir.resolve(fixture));
        for (String n : new EntrySource.Folder(TinyCifar.FIXTURES.resolve(fixture)).names()) {
            Files.copy(TinyCifar.FIXTURES.resolve(fixture).resolve(n), to.resolve(n));
        }
        return to;
    }

    private static void assertRefused(Path p, String... fragments) {
        var thrown = assertThatThrownBy(() -> new CifarFormat().load(p, LabelKind.FINE)).isInstanceOf(UserError.class)
                .satisfies(e -> assertThat(((UserError) e).exitCode()).isEqualTo(UserError.FAILURE))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }

    @Test
    void refusesATruncatedRecordAndAWrongSize() throws IOException {
        Path bin = TinyCifar.writeBinary10(dir);
        Path f = bin.resolve("data_batch_2.bin");
        byte[] good = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(good, good.length - 100));
        assertRefused(bin, "data_batch_2.bin", "not a whole number of 3073-byte records");
        Files.write(f, java.util.Arrays.copyOf(good, good.length + 5));
        assertRefused(bin, "data_batch_2.bin", "size 6151 bytes");
    }

    @Test
    void refusesALabelOutsideTheClasses() throws IOException {
        Path bin = TinyCifar.writeBinary10(dir);
        Path f = bin.resolve("test_batch.bin");
        byte[] b = Files.readAllBytes(f);
        b[2 * 3073] = 10;
        Files.write(f, b);
        assertRefused(bin, "test_batch.bin", "image 2 has label 10, but there are only 10 classes");
    }

    @Test
    void refusesAPickleThatIsNotACifarBatch() throws IOException {
        Path py = copyOf("cifar10-py-np2-p4");
        // A pickled list, and a pickled dictionary without 'data'.
        Files.write(py.resolve("data_batch_3"), new byte[] {(byte) 0x80, 4, ']', 'K', 1, 'a', '.'});
        assertRefused(py, "data_batch_3", "not a CIFAR batch", "ArrayList");
        Files.write(py.resolve("data_batch_3"), new byte[] {(byte) 0x80, 2, '}', 'U', 1, 'x', 'K', 1, 's', '.'});
        assertRefused(py, "data_batch_3", "no 'data' entry");
        Files.write(py.resolve("data_batch_3"), "not a pickle at all".getBytes());
        assertRefused(py, "data_batch_3", "not a readable pickle");
    }

    @Test
    void refusesAMatFileWithoutData() throws IOException {
        Path mat = copyOf("cifar10-mat");
        // batches.meta.mat is a valid .mat file, but it has no 'data'.
        Files.copy(mat.resolve("batches.meta.mat"), mat.resolve("data_batch_4.mat"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(mat, "data_batch_4.mat", "no 'data' variable");
    }

    @Test
    void refusesAnArchiveMissingABatch() throws IOException {
        Path py = TinyCifar.FIXTURES.resolve("cifar10-py-np2-p3");
        List<String> names = new ArrayList<>(new EntrySource.Folder(py).names());
        names.remove("data_batch_3");
        Path archive = TinyCifar.tarGz(py, "cifar-10-batches-py", dir.resolve("short.tar.gz"), names);
        assertRefused(archive, "short.tar.gz", "data_batch_3 is missing");
        names.remove("test_batch");
        names.add("data_batch_3");
        archive = TinyCifar.tarGz(py, "cifar-10-batches-py", dir.resolve("notest.tar.gz"), names);
        assertRefused(archive, "notest.tar.gz", "test batch (test_batch) is missing");
    }

    @Test
    void refusesAnEntryThatLeavesTheArchive() throws IOException {
        Path archive = dir.resolve("evil.tar.gz");
        try (OutputStream os = Files.newOutputStream(archive); GZIPOutputStream gz = new GZIPOutputStream(os);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TinyCifar.addEntry(tar, "cifar-10-batches-py/../../etc/data_batch_1", new byte[] {1, 2, 3});
        }
        assertRefused(archive, "evil.tar.gz!/cifar-10-batches-py/../../etc/data_batch_1", "leads out of the archive");
        assertThat(dir.resolve("etc")).doesNotExist();
    }

    @Test
    void refusesAFileThatIsNotAnArchive() throws IOException {
        Path fake = dir.resolve("cifar-10-python.tar.gz");
        Files.writeString(fake, "<html>404 Not Found</html>");
        assertRefused(fake, "cifar-10-python.tar.gz", "not a gzip-compressed tar archive");
        Path truncated = dir.resolve("cut.tar.gz");
        Path good = TinyCifar.tarGz(TinyCifar.FIXTURES.resolve("cifar10-mat"), "m", dir.resolve("m.tar.gz"), null);
        byte[] b = Files.readAllBytes(good);
        Files.write(truncated, java.util.Arrays.copyOf(b, b.length / 2));
        assertRefused(truncated, "cut.tar.gz");
    }
}
