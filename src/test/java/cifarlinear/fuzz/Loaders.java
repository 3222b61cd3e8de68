package cifarlinear.fuzz;

import cifarlinear.data.CifarFormatAccess;
import cifarlinear.data.ImageDecoder;
import cifarlinear.data.ImageFolderFormat;
import cifarlinear.data.CifarFormat;
import cifarlinear.data.DataSources;
import cifarlinear.data.LabelKind;
import cifarlinear.data.Dataset;
import cifarlinear.model.Checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Every loader as a function of raw bytes, for the robustness and fuzz tests: each must return
 * or throw {@link cifarlinear.UserError}, nothing else.
 */
public enum Loaders {
    BINARY_BATCH(bytes -> CifarFormatAccess.decodeFile("data_batch_1.bin", bytes)),
    BINARY100_BATCH(bytes -> CifarFormatAccess.decodeFile("train.bin", bytes)),
    PICKLE_BATCH(bytes -> CifarFormatAccess.decodeFile("data_batch_1", bytes)),
    PICKLE100_META(bytes -> CifarFormatAccess.decodeFile("meta", bytes)),
    MAT_BATCH(bytes -> CifarFormatAccess.decodeFile("data_batch_1.mat", bytes)),
    TAR_GZ(bytes -> viaFile(bytes, ".tar.gz", p -> load(new CifarFormat(), p))),
    IMAGE_ZIP(bytes -> viaFile(bytes, ".zip", p -> load(new ImageFolderFormat(), p))),
    IMAGE_TAR_XZ(bytes -> viaFile(bytes, ".tar.xz", p -> load(new ImageFolderFormat(), p))),
    IMAGE(bytes -> ImageDecoder.decodeInto(bytes, "image", new byte[Dataset.DIM], 0)),
    CHECKPOINT(bytes -> Checkpoint.decode(bytes, "model.ckpt"));

    private final Consumer<byte[]> load;

    Loaders(Consumer<byte[]> load) {
        this.load = load;
    }

    public void load(byte[] bytes) {
        load.accept(bytes);
    }

    private static void load(cifarlinear.data.DataFormat format, Path p) {
        DataSources.load(new DataSources.Resolved(p, format, null), DataSources.SyntheticSpec.DEFAULT, LabelKind.FINE);
    }

    private static void viaFile(byte[] bytes, String suffix, Consumer<Path> load) {
        Path f;
        try {
            f = Files.createTempFile("cifar-linear-fuzz", suffix);
            Files.write(f, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a temporary file", e);
        }
        try {
            load.accept(f);
        } finally {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }
}
