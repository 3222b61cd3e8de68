package cifarlinear;

import cifarlinear.data.CifarData;
import cifarlinear.data.Dataset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** Small data sets and paths shared by the tests. */
public final class TestData {
    private TestData() {
    }

    public static List<String> classNames(int k) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            names.add("c" + c);
        }
        return names;
    }

    /** n random images with random labels in [0, k). */
    public static Dataset random(int n, int k, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[n * Dataset.DIM];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) rng.nextInt(256);
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(k);
        }
        return Dataset.ofUint8(px, labels, classNames(k));
    }

    public static CifarData randomData(int train, int test, int k, long seed) {
        return new CifarData("random", random(train, k, seed), random(test, k, seed + 1));
    }

    /** The project's root folder (set by the build; the working directory otherwise). */
    public static Path projectRoot() {
        return Path.of(System.getProperty("cifarlinear.projectRoot", "."));
    }

    /** The shared real CIFAR-10 zip, when this machine has it. */
    public static Optional<Path> realCifarZip() {
        Path p = projectRoot().resolve("../shared/data/cifar10-jpeg.zip").normalize();
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    public static float[] randomFloats(int n, long seed, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((2 * rng.nextDouble() - 1) * scale);
        }
        return a;
    }
}
