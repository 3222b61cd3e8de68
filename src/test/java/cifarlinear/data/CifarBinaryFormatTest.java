package cifarlinear.data;

import cifarlinear.TestData;
import cifarlinear.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CifarBinaryFormatTest {
    @TempDir
    Path dir;

    /** Writes a data set's images as binary CIFAR records. */
    static byte[] records(Dataset data) {
        byte[] out = new byte[data.size() * CifarBinaryFormat.RECORD];
        for (int i = 0; i < data.size(); i++) {
            out[i * CifarBinaryFormat.RECORD] = (byte) data.label(i);
            for (int j = 0; j < Dataset.DIM; j++) {
                out[i * CifarBinaryFormat.RECORD + 1 + j] = (byte) data.pixel(i, j);
            }
        }
        return out;
    }

    static Path writeBinaryFolder(Path root, Dataset[] batches, Dataset test, List<String> names) throws IOException {
        Path dir = Files.createDirectories(root.resolve(CifarBinaryFormat.FOLDER_NAME));
        for (int i = 0; i < batches.length; i++) {
            Files.write(dir.resolve("data_batch_" + (i + 1) + ".bin"), records(batches[i]));
        }
        Files.write(dir.resolve("test_batch.bin"), records(test));
        Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", names) + "\n\n");
        return dir;
    }

    @Test
    void readsBatchesInOrderWithClassNames() throws IOException {
        Dataset b1 = TestData.random(7, 3, 1);
        Dataset b2 = TestData.random(5, 3, 2);
        Dataset test = TestData.random(4, 3, 3);
        writeBinaryFolder(dir, new Dataset[] {b1, b2}, test, List.of("ant", "bee", "cow"));

        // Found from the parent folder too.
        for (Path p : List.of(dir, dir.resolve(CifarBinaryFormat.FOLDER_NAME))) {
            assertThat(DataSources.detect(p)).isInstanceOf(CifarBinaryFormat.class);
            CifarData data = new CifarBinaryFormat().load(p);
            assertThat(data.classNames()).containsExactly("ant", "bee", "cow");
            assertThat(data.train().size()).isEqualTo(12);
            assertThat(data.test().size()).isEqualTo(4);
            for (int j : new int[] {0, 1, 1023, 1024, 3071}) {
                assertThat(data.train().pixel(0, j)).isEqualTo(b1.pixel(0, j));
                assertThat(data.train().pixel(7, j)).isEqualTo(b2.pixel(0, j));
                assertThat(data.test().pixel(3, j)).isEqualTo(test.pixel(3, j));
            }
            assertThat(data.train().label(8)).isEqualTo(b2.label(1));
        }
    }

    @Test
    void namesTheFileOfATruncatedBatch() throws IOException {
        Path d = writeBinaryFolder(dir, new Dataset[] {TestData.random(3, 2, 1)}, TestData.random(2, 2, 2),
                List.of("a", "b"));
        Path f = d.resolve("data_batch_1.bin");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> new CifarBinaryFormat().load(d))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("data_batch_1.bin")
                .hasMessageContaining("not a whole number of 3073-byte records");
    }

    @Test
    void refusesALabelOutsideTheClasses() throws IOException {
        Path d = writeBinaryFolder(dir, new Dataset[] {TestData.random(3, 2, 1)}, TestData.random(2, 2, 2),
                List.of("a", "b"));
        Path f = d.resolve("test_batch.bin");
        byte[] bytes = Files.readAllBytes(f);
        bytes[CifarBinaryFormat.RECORD] = 7;
        Files.write(f, bytes);
        assertThatThrownBy(() -> new CifarBinaryFormat().load(d))
                .hasMessageContaining("test_batch.bin: record 1 has label 7, but there are only 2 classes");
    }

    @Test
    void namesAMissingBatch() throws IOException {
        Dataset b = TestData.random(2, 2, 1);
        Path d = writeBinaryFolder(dir, new Dataset[] {b, b, b}, b, List.of("a", "b"));
        Files.delete(d.resolve("data_batch_2.bin"));
        assertThatThrownBy(() -> new CifarBinaryFormat().load(d)).hasMessageContaining("data_batch_2.bin: missing");
        Files.delete(d.resolve("test_batch.bin"));
        Files.delete(d.resolve("data_batch_3.bin"));
        assertThatThrownBy(() -> new CifarBinaryFormat().load(d)).hasMessageContaining("test_batch.bin: missing");
    }
}
