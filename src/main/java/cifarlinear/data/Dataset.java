package cifarlinear.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Images and labels in memory. Each image is {@link #DIM} pixel values p in [0, 255] in CIFAR's
 * channel-major order (1024 red values row by row, then green, then blue); each label is a
 * class index in {@code [0, classCount)}.
 *
 * <p>The pixels are stored <em>centered</em>: as the signed byte p − 128 (the byte p with its top
 * bit flipped). Java's signed bytes convert to floats in SIMD lanes, unsigned ones do not, so
 * the hot loops read this form directly; {@link #pixel} gives p back.
 */
public final class Dataset {
    public static final int SIDE = 32;
    public static final int CHANNELS = 3;
    public static final int PLANE = SIDE * SIDE;
    public static final int DIM = CHANNELS * PLANE;

    private final byte[] centered;
    private final int[] labels;
    private final List<String> classNames;

    private Dataset(byte[] centered, int[] labels, List<String> classNames) {
        Objects.requireNonNull(centered, "pixels");
        Objects.requireNonNull(labels, "labels");
        this.classNames = List.copyOf(classNames);
        if ((long) labels.length * DIM != centered.length) {
            throw new IllegalArgumentException("pixels hold " + centered.length + " bytes, expected "
                    + labels.length + " × " + DIM);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i
                        + " is outside [0, " + this.classNames.size() + ")");
            }
        }
        this.centered = centered;
        this.labels = labels;
    }

    /**
     * A data set over pixel bytes p as files store them (read as unsigned), image after image.
     * Takes ownership of {@code uint8}: it is converted to the centered form in place.
     *
     * @param uint8  n × {@link #DIM} bytes
     * @param labels n class indices
     */
    public static Dataset ofUint8(byte[] uint8, int[] labels, List<String> classNames) {
        for (int i = 0; i < uint8.length; i++) {
            uint8[i] ^= (byte) 0x80;
        }
        return new Dataset(uint8, labels, classNames);
    }

    /** A data set over pixels already centered (see {@link #centerInto}); takes ownership of the array. */
    static Dataset ofCentered(byte[] centered, int[] labels, List<String> classNames) {
        return new Dataset(centered, labels, classNames);
    }

    /** Copies pixel bytes p into {@code dst} in the centered form p − 128, in one pass. */
    static void centerInto(byte[] uint8, int from, byte[] dst, int to, int length) {
        for (int i = 0; i < length; i++) {
            dst[to + i] = (byte) (uint8[from + i] ^ 0x80);
        }
    }

    public int size() {
        return labels.length;
    }

    public int classCount() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The backing array of centered pixels p − 128 (n × DIM); shared, not copied. Do not modify. */
    public byte[] centeredPixels() {
        return centered;
    }

    /** The backing label array; shared, not copied. Do not modify. */
    public int[] labels() {
        return labels;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Unsigned pixel value {@code j} (channel-major index) of image {@code i}. */
    public int pixel(int i, int j) {
        return centered[i * DIM + j] + 128;
    }

    /** How many images each class has. */
    public int[] classCounts() {
        int[] counts = new int[classCount()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * A fingerprint of the content: SHA-256, in hexadecimal, over every image's 3072 pixel values
     * p in order (one byte each), then every label (one byte each; four, big-endian, with more
     * than 256 classes). The same images and labels in the same order give the same fingerprint
     * whatever file they were read from.
     */
    public String sha256() {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        byte[] chunk = new byte[1 << 16];
        for (int off = 0; off < centered.length; off += chunk.length) {
            int len = Math.min(chunk.length, centered.length - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (byte) (centered[off + i] ^ 0x80);
            }
            digest.update(chunk, 0, len);
        }
        java.nio.ByteBuffer labelBytes = java.nio.ByteBuffer.allocate(labels.length * (classCount() > 256 ? 4 : 1));
        for (int label : labels) {
            if (classCount() > 256) {
                labelBytes.putInt(label);
            } else {
                labelBytes.put((byte) label);
            }
        }
        digest.update(labelBytes.array());
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    /** All row indices {@code 0 .. n-1}. */
    public int[] allRows() {
        int[] rows = new int[size()];
        Arrays.setAll(rows, i -> i);
        return rows;
    }
}
