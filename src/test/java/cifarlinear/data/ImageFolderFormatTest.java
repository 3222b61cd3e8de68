package cifarlinear.data;

import cifarlinear.TestData;
import cifarlinear.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFolderFormatTest {
    @TempDir
    Path dir;

    static BufferedImage image(Dataset data, int i) {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int p = y * 32 + x;
                img.setRGB(x, y, data.pixel(i, p) << 16 | data.pixel(i, 1024 + p) << 8 | data.pixel(i, 2048 + p));
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    /** train/ and test/ folders of PNGs, one image per class per split; class names deliberately unsorted. */
    private Path writeFolder(Dataset data) throws IOException {
        Path root = dir.resolve("images");
        List<String> names = List.of("zebra", "apple", "mango");
        for (int i = 0; i < data.size(); i++) {
            String split = i < 3 ? "train" : "test";
            Path f = root.resolve(split).resolve(names.get(i % 3)).resolve(String.format("%04d.png", i));
            Files.createDirectories(f.getParent());
            Files.write(f, encode(image(data, i), "png"));
        }
        Files.writeString(root.resolve("train/apple/notes.txt"), "ignored");
        Files.writeString(root.resolve("train/.DS_Store"), "ignored");
        return root;
    }

    private static Path zip(Path folder, Path zipFile, String prefix) throws IOException {
        try (OutputStream os = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(os);
             var files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(prefix + folder.relativize(f).toString().replace('\\', '/')));
                zip.write(Files.readAllBytes(f));
                zip.closeEntry();
            }
        }
        return zipFile;
    }

    /** The folder's files as a tar archive, compressed as the name says (.tar, .tar.gz, .tar.xz). */
    private static Path tar(Path folder, Path tarFile, String prefix) throws IOException {
        String n = tarFile.getFileName().toString();
        try (OutputStream os = Files.newOutputStream(tarFile);
             OutputStream c = n.endsWith(".gz") ? new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(os)
                     : n.endsWith(".xz") ? new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(os) : os;
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(c);
             var files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
                        prefix + folder.relativize(f).toString().replace('\\', '/'));
                e.setSize(Files.size(f));
                tar.putArchiveEntry(e);
                tar.write(Files.readAllBytes(f));
                tar.closeArchiveEntry();
            }
        }
        return tarFile;
    }

    private static void assertMatches(CifarData loaded, Dataset data) {
        // Classes sorted by name: apple (i % 3 == 1), mango (2), zebra (0); one image each per split.
        assertThat(loaded.classNames()).containsExactly("apple", "mango", "zebra");
        int[] order = {1, 2, 0};
        for (int c = 0; c < 3; c++) {
            assertThat(loaded.train().label(c)).isEqualTo(c);
            for (int j = 0; j < Dataset.DIM; j += 7) {
                assertThat(loaded.train().pixel(c, j)).isEqualTo(data.pixel(order[c], j));
                assertThat(loaded.test().pixel(c, j)).isEqualTo(data.pixel(3 + order[c], j));
            }
        }
    }

    @Test
    void readsPngFoldersExactly() throws IOException {
        Dataset data = TestData.random(6, 1, 5);
        Path root = writeFolder(data);
        assertThat(DataSources.detect(root)).isInstanceOf(ImageFolderFormat.class);
        assertMatches(new ImageFolderFormat().load(root, LabelKind.FINE), data);
    }

    @Test
    void readsTheSameFromAZipWithOrWithoutATopFolder() throws IOException {
        Dataset data = TestData.random(6, 1, 5);
        Path root = writeFolder(data);
        for (String prefix : List.of("", "cifar10/")) {
            Path z = zip(root, dir.resolve("images" + prefix.length() + ".zip"), prefix);
            assertThat(DataSources.detect(z)).isInstanceOf(ImageFolderFormat.class);
            assertMatches(new ImageFolderFormat().load(z, LabelKind.FINE), data);
        }
    }

    @Test
    void readsTheSameFromTarArchivesPlainOrCompressed() throws IOException {
        Dataset data = TestData.random(6, 1, 5);
        Path root = writeFolder(data);
        int k = 0;
        for (String name : List.of("images.tar", "images.tar.gz", "images.tgz", "images.tar.xz", "images.txz")) {
            for (String prefix : List.of("", "./", "cifar10/")) {
                Path t = tar(root, dir.resolve(k++ + name), prefix);
                assertThat(DataSources.detect(t)).as(t.toString()).isInstanceOf(ImageFolderFormat.class);
                assertMatches(new ImageFolderFormat().load(t, LabelKind.FINE), data);
            }
        }
    }

    @Test
    void tarArchivesOfOtherFilesAreNotImageFoldersAndDamagedOnesAreRefusedInOneLine() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.write(other.resolve("data_batch_1.bin"), new byte[(1 << 20) + 1]);
        Files.writeString(other.resolve("readme.txt"), "hello");
        assertThat(new ImageFolderFormat().accepts(tar(other, dir.resolve("other.tar.gz"), ""))).isFalse();
        Path plain = tar(other, dir.resolve("other.tar.xz"), "");
        assertThat(DataSources.detect(plain)).isNull();
        assertThatThrownBy(() -> new ImageFolderFormat().load(plain, LabelKind.FINE))
                .isInstanceOf(UserError.class)
                .hasMessage(plain + ": no train/<class>/<image> entries in this archive");

        Dataset data = TestData.random(6, 1, 5);
        Path whole = tar(writeFolder(data), dir.resolve("whole.tar.xz"), "");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.tar.xz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> new ImageFolderFormat().load(cut, LabelKind.FINE))
                .isInstanceOf(UserError.class).hasMessageStartingWith(cut + ": ");
        Path fake = Files.writeString(dir.resolve("fake.tar"), "this is not a tar archive");
        assertThatThrownBy(() -> new ImageFolderFormat().load(fake, LabelKind.FINE))
                .isInstanceOf(UserError.class).hasMessageStartingWith(fake + ": ");
    }

    @Test
    void readsJpegsCloseToTheirPixels() throws IOException {
        BufferedImage flat = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                flat.setRGB(x, y, 200 << 16 | 100 << 8 | 50);
            }
        }
        for (String split : List.of("train", "test")) {
            Path f = dir.resolve("j").resolve(split).resolve("only").resolve("a.jpg");
            Files.createDirectories(f.getParent());
            Files.write(f, encode(flat, "jpeg"));
        }
        CifarData d = new ImageFolderFormat().load(dir.resolve("j"), LabelKind.FINE);
        assertThat(d.train().pixel(0, 500)).isBetween(196, 204);
        assertThat(d.train().pixel(0, 1024 + 500)).isBetween(96, 104);
        assertThat(d.train().pixel(0, 2048 + 500)).isBetween(46, 54);
    }

    @Test
    void namesAnImageOfTheWrongSizeOrKind() throws IOException {
        Dataset data = TestData.random(6, 1, 5);
        Path root = writeFolder(data);
        Path big = root.resolve("train/mango/0005.png");
        Files.write(big, encode(new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB), "png"));
        assertThatThrownBy(() -> new ImageFolderFormat().load(root, LabelKind.FINE))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("train/mango/0005.png: image is 64×32, expected 32×32");

        Files.write(big, encode(new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY), "png"));
        assertThatThrownBy(() -> new ImageFolderFormat().load(root, LabelKind.FINE))
                .hasMessageContaining("train/mango/0005.png: image has 1 channel(s), expected RGB");

        Files.writeString(big, "not an image");
        assertThatThrownBy(() -> new ImageFolderFormat().load(root, LabelKind.FINE))
                .hasMessageContaining("train/mango/0005.png: not a PNG or JPEG file");

        // The same from a tar archive.
        Files.write(big, encode(new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB), "png"));
        Path t = tar(root, dir.resolve("bad.tar.xz"), "");
        assertThatThrownBy(() -> new ImageFolderFormat().load(t, LabelKind.FINE))
                .isInstanceOf(UserError.class).hasMessage(t + "/train/mango/0005.png: image is 64×32, expected 32×32");
    }

    @Test
    void refusesSplitsWithDifferentClasses() throws IOException {
        Dataset data = TestData.random(6, 1, 5);
        Path root = writeFolder(data);
        Files.move(root.resolve("test/zebra"), root.resolve("test/horse"));
        assertThatThrownBy(() -> new ImageFolderFormat().load(root, LabelKind.FINE))
                .hasMessageContaining("train/ has classes [apple, mango, zebra] but test/ has [apple, horse, mango]");
    }

    @Test
    void refusesAZipWithoutImageFolders() throws IOException {
        Path z = dir.resolve("other.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(z))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }
        assertThatThrownBy(() -> new ImageFolderFormat().load(z, LabelKind.FINE))
                .hasMessageContaining("other.zip: no train/<class>/<image> entries in this zip");
        Path notZip = dir.resolve("fake.zip");
        Files.writeString(notZip, "this is not a zip");
        assertThatThrownBy(() -> new ImageFolderFormat().load(notZip, LabelKind.FINE))
                .hasMessageContaining("fake.zip: not a readable zip archive");
    }
}
