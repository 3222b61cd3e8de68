package cifarlinear.train;

import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.util.Seeds;

import java.util.SplittableRandom;

/**
 * What one epoch trains on: the training images in a fresh random order, and for each
 * position whether that image is flipped. Drawn on the host from (seed, epoch) alone, so every
 * backend trains on exactly the same batches and an epoch can be redrawn on its own.
 *
 * @param order dataset row of each position
 * @param flip  whether the image at each position is mirrored; flips never accumulate across epochs
 */
public record EpochPlan(int epoch, Dataset data, int[] order, boolean[] flip) {

    public static EpochPlan draw(long seed, int epoch, Subset train, double flipProbability) {
        int[] order = train.rows().clone();
        Seeds.shuffle(order, Seeds.stream(seed, Seeds.Purpose.EPOCH_ORDER, epoch));
        boolean[] flip = new boolean[order.length];
        if (flipProbability > 0) {
            SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.EPOCH_FLIP, epoch);
            for (int i = 0; i < flip.length; i++) {
                flip[i] = rng.nextDouble() < flipProbability;
            }
        }
        return new EpochPlan(epoch, train.data(), order, flip);
    }

    public int size() {
        return order.length;
    }

    /** Number of SGD steps with the given batch size; the last batch may be short. */
    public int steps(int batch) {
        return (order.length + batch - 1) / batch;
    }
}
