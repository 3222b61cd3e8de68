package cifarlinear.fuzz;

import cifarlinear.data.FeatureStats;
import cifarlinear.data.Subset;
import cifarlinear.data.TinyCifar;
import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Valid inputs for each loader, small enough to mutate a thousand times. */
public final class Seeds {
    private Seeds() {
    }

    public static List<byte[]> of(Loaders loader) {
        try {
            return switch (loader) {
                case BINARY_BATCH -> List.of(Files.readAllBytes(
                        TinyCifar.writeBinary10(Files.createTempDirectory("seed")).resolve("data_batch_1.bin")));
                case BINARY100_BATCH -> List.of(Files.readAllBytes(
                        TinyCifar.writeBinary100(Files.createTempDirectory("seed")).resolve("train.bin")));
                case PICKLE_BATCH -> List.of(fixture("cifar10-py-py2/data_batch_1"), fixture("cifar10-py-np2-p5/data_batch_2"),
                        fixture("cifar10-py-np1-p2/test_batch"), fixture("cifar10-py-np2-p3/data_batch_1"));
                case PICKLE100_META -> List.of(fixture("cifar100-py-py2/meta"));
                case MAT_BATCH -> List.of(fixture("cifar10-mat/data_batch_1.mat"), fixture("cifar10-mat/data_batch_2.mat"));
                case TAR_GZ -> List.of(tarGz(tar("cifar10-py-py2")), tarGz(tar("cifar10-mat")));
                case IMAGE_ZIP -> List.of(imageZip());
                case IMAGE_TAR_XZ -> List.of(imageTarXz());
                case IMAGE -> List.of(image("png"), image("jpeg"));
                case CHECKPOINT -> List.of(checkpoint());
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(TinyCifar.FIXTURES.resolve(name));
    }

    /** An uncompressed tar of a fixture folder (mutated before compression by the tests). */
    public static byte[] tar(String fixture) throws IOException {
        Path folder = TinyCifar.FIXTURES.resolve(fixture);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out); var files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                TinyCifar.addEntry(tar, "cifar-10-batches/" + f.getFileName(), Files.readAllBytes(f));
            }
        }
        return out.toByteArray();
    }

    public static byte[] tarGz(byte[] tar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] image(String format) throws IOException {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | ((x + y) * 4));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    private static byte[] imageZip() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String name : List.of("train/a/1.png", "train/b/2.jpg", "test/a/3.png", "test/b/4.jpg")) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(image(name.endsWith("png") ? "png" : "jpeg"));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] imageTarXz() throws IOException {
        return xz(imageTar());
    }

    /** An uncompressed tar of four images in train/ and test/ class folders. */
    public static byte[] imageTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (String name : List.of("train/a/1.png", "train/b/2.jpg", "test/a/3.png", "test/b/4.jpg")) {
                TinyCifar.addEntry(tar, name, image(name.endsWith("png") ? "png" : "jpeg"));
            }
        }
        return out.toByteArray();
    }

    public static byte[] xz(byte[] tar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var xz = new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(out)) {
            xz.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] checkpoint() throws IOException {
        Path dir = Files.createTempDirectory("seed");
        FeatureStats stats = FeatureStats.of(Subset.all(
                new cifarlinear.data.CifarFormat().load(TinyCifar.writeBinary10(dir), cifarlinear.data.LabelKind.FINE).train()));
        LinearModel m = LinearModel.initial(Loss.SOFTMAX, List.of("a", "b", "c"), stats, 0.01, 1);
        return Checkpoint.encode(m, "{\"kind\": \"seed\"}");
    }

    /** Every seed, in a new list. */
    public static List<byte[]> all(Loaders loader) {
        return new ArrayList<>(of(loader));
    }
}
