package cifarlinear.data;

/**
 * Horizontal flip of a channel-major 32 × 32 RGB image: each channel plane is mirrored left to
 * right, (c, r, x) → (c, r, 31 − x). As a map of feature indices it is its own inverse.
 */
public final class Flip {
    private static final int[] MAP = new int[Dataset.DIM];

    static {
        for (int j = 0; j < Dataset.DIM; j++) {
            MAP[j] = mirror(j);
        }
    }

    private Flip() {
    }

    /** The feature index that lands on {@code j} when the image is flipped. */
    public static int mirror(int j) {
        int x = j % Dataset.SIDE;
        return j - x + (Dataset.SIDE - 1 - x);
    }

    /** {@code map()[j] == mirror(j)} for every feature; a fresh copy. */
    public static int[] map() {
        return MAP.clone();
    }
}
