package cifarlinear.data;

/**
 * Translation of a 32 × 32 image by (dx, dy) pixels, right and down: the pixel at (r, c) takes
 * the value at (r − dy, c − dx), and pixels that come from outside the image are 0 (in normalized
 * terms: the training mean). Applied after the flip.
 */
public final class Shift {
    private Shift() {
    }

    /** The feature that lands on {@code j}, or −1 when it comes from outside the image. */
    public static int source(int j, int dx, int dy) {
        int plane = j / Dataset.PLANE * Dataset.PLANE;
        int r = j % Dataset.PLANE / Dataset.SIDE - dy;
        int c = j % Dataset.SIDE - dx;
        return r < 0 || r >= Dataset.SIDE || c < 0 || c >= Dataset.SIDE ? -1 : plane + r * Dataset.SIDE + c;
    }
}
