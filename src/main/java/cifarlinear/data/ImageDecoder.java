package cifarlinear.data;

import cifarlinear.UserError;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Decodes one PNG or JPEG file into CIFAR's channel-major byte layout. Each thread keeps its
 * own readers, so many images decode in parallel without creating a reader per image.
 */
public final class ImageDecoder {
    private static final ThreadLocal<ImageReader> JPEG = ThreadLocal.withInitial(() -> reader("jpeg"));
    private static final ThreadLocal<ImageReader> PNG = ThreadLocal.withInitial(() -> reader("png"));

    private ImageDecoder() {
    }

    private static ImageReader reader(String format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IllegalStateException("this Java runtime has no " + format + " decoder");
        }
        return readers.next();
    }

    /** Whether the name ends like an image file this decoder reads. */
    public static boolean isImageName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg");
    }

    /** Larger images are refused before their pixels are decoded. */
    static final int MAX_SIDE = 4096;

    /** Decodes an image of up to {@value #MAX_SIDE} pixels a side (for callers that resize). */
    public static BufferedImage read(byte[] bytes, String source) {
        return read(bytes, source, MAX_SIDE);
    }

    /** Decodes an image whose sides are at most {@code maxSide}, checked from its header before decoding. */
    static BufferedImage read(byte[] bytes, String source, int maxSide) {
        ImageReader reader;
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8) {
            reader = JPEG.get();
        } else if (bytes.length >= 8 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            reader = PNG.get();
        } else {
            throw UserError.failure(source + ": not a PNG or JPEG file");
        }
        boolean sized = false;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w > maxSide || h > maxSide) {
                throw UserError.failure(source + ": image is " + w + "×" + h + (maxSide == Dataset.SIDE
                        ? ", expected 32×32" : ", larger than the " + maxSide + "×" + maxSide + " this reads"));
            }
            sized = true;
            return reader.read(0);
        } catch (UserError e) {
            throw e;
        } catch (OutOfMemoryError e) {
            if (sized) {
                // The image's size is within bounds (and its metadata is not read): the heap is full.
                throw e;
            }
            throw undecodable(source, e);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw undecodable(source, e);
        } finally {
            reader.setInput(null);
        }
    }

    private static UserError undecodable(String source, Throwable e) {
        return UserError.failure(source + ": cannot decode image (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ")", e);
    }

    /**
     * Decodes a 32 × 32 RGB image into {@code out[offset .. offset + 3072)}, channel-major.
     *
     * @throws UserError naming {@code source} when the image is of another size or not RGB
     */
    public static void decodeInto(byte[] bytes, String source, byte[] out, int offset) {
        BufferedImage img = read(bytes, source, Dataset.SIDE);
        if (img.getWidth() != Dataset.SIDE || img.getHeight() != Dataset.SIDE) {
            throw UserError.failure(source + ": image is " + img.getWidth() + "×" + img.getHeight()
                    + ", expected 32×32");
        }
        var cm = img.getColorModel();
        if (cm.getNumColorComponents() != 3 || cm.hasAlpha()) {
            throw UserError.failure(source + ": image has " + cm.getNumComponents()
                    + " channel(s)" + (cm.hasAlpha() ? " with alpha" : "") + ", expected RGB");
        }
        toChannelMajor(img, out, offset);
    }

    /** Copies a 32 × 32 image's RGB values into channel-major bytes. */
    public static void toChannelMajor(BufferedImage img, byte[] out, int offset) {
        int[] argb = img.getRGB(0, 0, Dataset.SIDE, Dataset.SIDE, null, 0, Dataset.SIDE);
        for (int p = 0; p < Dataset.PLANE; p++) {
            int v = argb[p];
            out[offset + p] = (byte) (v >>> 16);
            out[offset + Dataset.PLANE + p] = (byte) (v >>> 8);
            out[offset + 2 * Dataset.PLANE + p] = (byte) v;
        }
    }
}
