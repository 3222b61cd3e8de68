package cifarlinear.data;

import cifarlinear.util.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A built-in, seeded stand-in for CIFAR-10 for offline demos and tests: 32 × 32 RGB images in
 * ten classes. Each class has a smooth colored prototype pattern; an image is its class's
 * prototype, possibly mirrored, with random contrast, brightness and pixel noise. A linear
 * classifier learns it well above chance but not perfectly. The same seed and sizes give the
 * same bytes on every machine, whatever the number of threads.
 */
public final class SyntheticData {
    public static final int CLASSES = 10;
    public static final int DEFAULT_TRAIN_SIZE = 50_000;
    public static final long DEFAULT_SEED = 0;

    private static final int MAX_SHIFT = 6;

    private SyntheticData() {
    }

    /** Test size for a training size: one fifth, as in CIFAR-10, at least one image per class. */
    public static int testSizeFor(int trainSize) {
        return Math.max(CLASSES, trainSize / 5);
    }

    public static List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            names.add("class-" + c);
        }
        return names;
    }

    public static CifarData generate(int trainSize, long seed) {
        if (trainSize < 1) {
            throw new IllegalArgumentException("synthetic training size must be positive, got " + trainSize);
        }
        float[][] prototypes = prototypes(seed);
        int testSize = testSizeFor(trainSize);
        Dataset train = images(prototypes, seed, 0, trainSize);
        Dataset test = images(prototypes, seed, trainSize, testSize);
        return new CifarData("synthetic data (seed " + seed + ")", train, test);
    }

    /** One smooth pattern per class, values around 0 with amplitude of roughly 60 grey levels. */
    private static float[][] prototypes(long seed) {
        SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.SYNTHETIC, -1);
        float[][] protos = new float[CLASSES][Dataset.DIM];
        for (int c = 0; c < CLASSES; c++) {
            for (int ch = 0; ch < Dataset.CHANNELS; ch++) {
                double colorShift = 40 * (2 * rng.nextDouble() - 1);
                int waves = 3;
                double[] fx = new double[waves];
                double[] fy = new double[waves];
                double[] phase = new double[waves];
                double[] amp = new double[waves];
                for (int w = 0; w < waves; w++) {
                    fx[w] = 4 * rng.nextDouble();
                    fy[w] = 4 * rng.nextDouble();
                    phase[w] = 2 * Math.PI * rng.nextDouble();
                    amp[w] = 15 + 25 * rng.nextDouble();
                }
                for (int r = 0; r < Dataset.SIDE; r++) {
                    for (int x = 0; x < Dataset.SIDE; x++) {
                        double v = colorShift;
                        for (int w = 0; w < waves; w++) {
                            v += amp[w] * StrictMath.cos(2 * Math.PI * (fx[w] * x + fy[w] * r) / Dataset.SIDE + phase[w]);
                        }
                        protos[c][ch * Dataset.PLANE + r * Dataset.SIDE + x] = (float) v;
                    }
                }
            }
        }
        return protos;
    }

    /**
     * The prototype column that each column of an image row shows: the image, mirrored when asked,
     * shows the prototype {@code d} columns further along, wrapping around.
     */
    private static int[] sourceColumns(boolean mirror, int d) {
        int[] cols = new int[Dataset.SIDE];
        for (int x = 0; x < Dataset.SIDE; x++) {
            cols[x] = Math.floorMod((mirror ? Dataset.SIDE - 1 - x : x) + d, Dataset.SIDE);
        }
        return cols;
    }

    private static Dataset images(float[][] prototypes, long seed, int firstIndex, int count) {
        byte[] pixels = new byte[count * Dataset.DIM];
        int[] labels = new int[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.SYNTHETIC, firstIndex + i);
            int label = rng.nextInt(CLASSES);
            labels[i] = label;
            // A distractor: another class's pattern, weaker, shifted independently.
            int other = (label + 1 + rng.nextInt(CLASSES - 1)) % CLASSES;
            double mix = 0.5 + 0.45 * rng.nextDouble();
            boolean mirror = rng.nextBoolean();
            int dx = rng.nextInt(-MAX_SHIFT, MAX_SHIFT + 1);
            int dy = rng.nextInt(-MAX_SHIFT, MAX_SHIFT + 1);
            int ox = rng.nextInt(-MAX_SHIFT, MAX_SHIFT + 1);
            int oy = rng.nextInt(-MAX_SHIFT, MAX_SHIFT + 1);
            double contrast = 0.5 + rng.nextDouble();
            double brightness = 128 + 40 * (2 * rng.nextDouble() - 1);
            float[] own = prototypes[label];
            float[] distractor = prototypes[other];
            int[] ownCols = sourceColumns(mirror, dx);
            int[] otherCols = sourceColumns(mirror, ox);
            int j = i * Dataset.DIM;
            long bits = 0;
            int bitsLeft = 0;
            for (int plane = 0; plane < Dataset.DIM; plane += Dataset.PLANE) {
                for (int r = 0; r < Dataset.SIDE; r++) {
                    int ownRow = plane + Math.floorMod(r + dy, Dataset.SIDE) * Dataset.SIDE;
                    int otherRow = plane + Math.floorMod(r + oy, Dataset.SIDE) * Dataset.SIDE;
                    for (int x = 0; x < Dataset.SIDE; x++, j++) {
                        if (bitsLeft == 0) {
                            bits = rng.nextLong();
                            bitsLeft = 4;
                        }
                        // Triangular noise in (-64, 64): the sum of two uniform 7-bit numbers, centered.
                        int noise = (int) (bits & 0x7F) + (int) ((bits >>> 7) & 0x7F) - 127;
                        bits >>>= 16;
                        bitsLeft--;
                        double v = brightness + contrast * (own[ownRow + ownCols[x]]
                                + mix * distractor[otherRow + otherCols[x]]) + noise;
                        pixels[j] = (byte) Math.clamp(Math.round(v), 0, 255);
                    }
                }
            }
        });
        return Dataset.ofUint8(pixels, labels, classNames());
    }

}
