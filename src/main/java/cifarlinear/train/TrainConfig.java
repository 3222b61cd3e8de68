package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Loss;

import java.util.Objects;

/**
 * The hyperparameters of a training run, validated on construction: an invalid value is a
 * usage error naming the command-line option. The defaults are the seed report's
 * configuration.
 *
 * @param flip  probability that a training image is mirrored in an epoch
 * @param shift largest translation, in pixels, of a training image in an epoch (0: none)
 * @param val   images held out of the training set for validation
 */
public record TrainConfig(Loss loss, double lambda, int batch, int epochs, Schedule schedule, double flip, int shift,
                          long seed, double initStd, int val) {

    public static final TrainConfig DEFAULTS = new TrainConfig(Loss.SOFTMAX, 0.1, 100, 50, Schedule.SEED, 0.2, 0, 42,
            0.01, 1000);

    public static final int MAX_SHIFT = 8;

    public TrainConfig {
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(schedule, "schedule");
        require(Double.isFinite(lambda) && lambda >= 0, "--lambda must be ≥ 0", lambda);
        require(batch >= 1, "--batch must be ≥ 1", batch);
        require(epochs >= 1, "--epochs must be ≥ 1", epochs);
        require(flip >= 0 && flip <= 1, "--flip must be a probability in [0, 1]", flip);
        require(shift >= 0 && shift <= MAX_SHIFT, "--shift must be in [0, " + MAX_SHIFT + "] pixels", shift);
        require(Double.isFinite(initStd) && initStd >= 0, "--init-std must be ≥ 0", initStd);
        require(val >= 0, "--val must be ≥ 0", val);
    }

    private static void require(boolean ok, String rule, Object value) {
        if (!ok) {
            throw UserError.usage(rule + ", got " + value);
        }
    }

    public double eta() {
        return schedule.eta();
    }

    /** Checks the options that depend on the data: the batch fits in the training split. */
    public void checkAgainst(int trainingImages, int totalImages) {
        if (val >= totalImages) {
            throw UserError.usage("--val " + val + " leaves no training images: the data has " + totalImages);
        }
        if (batch > trainingImages) {
            throw UserError.usage("--batch " + batch + " is larger than the " + trainingImages + " training images");
        }
    }

    /** Whether two configurations see the same batches, so that they can train together on one data stream. */
    public boolean sameStream(TrainConfig o) {
        return batch == o.batch && epochs == o.epochs && flip == o.flip && shift == o.shift && seed == o.seed
                && val == o.val;
    }
}
