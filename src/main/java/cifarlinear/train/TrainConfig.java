package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Loss;

import java.util.Objects;

/**
 * The hyperparameters of a training run, validated on construction: an invalid value is a
 * usage error naming the command-line option. The defaults are the seed report's
 * configuration.
 *
 * @param decayEvery  epochs between learning-rate decays; 0 keeps η constant
 * @param decayFactor factor applied at each decay, in (0, 1]
 * @param flip        probability that a training image is mirrored in an epoch
 * @param val         images held out of the training set for validation
 */
public record TrainConfig(Loss loss, double lambda, int batch, int epochs, double eta, int decayEvery,
                          double decayFactor, double flip, long seed, double initStd, int val) {

    public static final TrainConfig DEFAULTS = new TrainConfig(Loss.SOFTMAX, 0.1, 100, 50, 0.01, 10, 0.1, 0.2, 42, 0.01,
            1000);

    public TrainConfig {
        Objects.requireNonNull(loss, "loss");
        require(Double.isFinite(lambda) && lambda >= 0, "--lambda must be ≥ 0", lambda);
        require(batch >= 1, "--batch must be ≥ 1", batch);
        require(epochs >= 1, "--epochs must be ≥ 1", epochs);
        require(Double.isFinite(eta) && eta > 0, "--eta must be > 0", eta);
        require(decayEvery >= 0, "--decay-every must be ≥ 0 (0: no decay)", decayEvery);
        require(Double.isFinite(decayFactor) && decayFactor > 0 && decayFactor <= 1, "--decay-factor must be in (0, 1]",
                decayFactor);
        require(flip >= 0 && flip <= 1, "--flip must be a probability in [0, 1]", flip);
        require(Double.isFinite(initStd) && initStd >= 0, "--init-std must be ≥ 0", initStd);
        require(val >= 0, "--val must be ≥ 0", val);
    }

    private static void require(boolean ok, String rule, Object value) {
        if (!ok) {
            throw UserError.usage(rule + ", got " + value);
        }
    }

    /** The learning rate of epoch {@code e} (0-based): η · γ^⌊e / n⌋, or η when n = 0. */
    public float etaAt(int epoch) {
        if (decayEvery == 0) {
            return (float) eta;
        }
        return (float) (eta * StrictMath.pow(decayFactor, epoch / decayEvery));
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
}
