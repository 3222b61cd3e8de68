package cifarlinear.train;

import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.util.Seeds;

import java.util.SplittableRandom;

/**
 * What one epoch trains on: the training images in a fresh random order and, for each position,
 * whether that image is flipped and how far it is moved. Drawn on the host from (seed, epoch)
 * alone, so every backend trains on exactly the same batches and an epoch can be redrawn on its
 * own. Augmentations never accumulate across epochs.
 *
 * @param order dataset row of each position
 * @param flip  whether the image at each position is mirrored left-right
 * @param dx    its shift right in pixels (left when negative); null when there are no shifts
 * @param dy    its shift down in pixels (up when negative); null when there are no shifts
 */
public record EpochPlan(int epoch, Dataset data, int[] order, boolean[] flip, byte[] dx, byte[] dy) {

    public static EpochPlan draw(long seed, int epoch, Subset train, double flipProbability, int shift) {
        int[] order = train.rows().clone();
        Seeds.shuffle(order, Seeds.stream(seed, Seeds.Purpose.EPOCH_ORDER, epoch));
        boolean[] flip = new boolean[order.length];
        if (flipProbability > 0) {
            SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.EPOCH_FLIP, epoch);
            for (int i = 0; i < flip.length; i++) {
                flip[i] = rng.nextDouble() < flipProbability;
            }
        }
        byte[] dx = null;
        byte[] dy = null;
        if (shift > 0) {
            SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.EPOCH_SHIFT, epoch);
            dx = new byte[order.length];
            dy = new byte[order.length];
            for (int i = 0; i < order.length; i++) {
                dx[i] = (byte) rng.nextInt(-shift, shift + 1);
                dy[i] = (byte) rng.nextInt(-shift, shift + 1);
            }
        }
        return new EpochPlan(epoch, train.data(), order, flip, dx, dy);
    }

    public static EpochPlan draw(long seed, int epoch, Subset train, double flipProbability) {
        return draw(seed, epoch, train, flipProbability, 0);
    }

    /** The plan of one configuration's epoch. */
    public static EpochPlan draw(TrainConfig c, int epoch, Subset train) {
        return draw(c.seed(), epoch, train, c.flip(), c.shift());
    }

    public int size() {
        return order.length;
    }

    /** Number of SGD steps with the given batch size; the last batch may be short. */
    public int steps(int batch) {
        return (order.length + batch - 1) / batch;
    }
}
