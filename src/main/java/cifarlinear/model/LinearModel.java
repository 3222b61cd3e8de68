package cifarlinear.model;

import cifarlinear.data.FeatureStats;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import cifarlinear.util.Seeds;

/**
 * The classifier: scores S = W x + b for a normalized input x, with W a K × d matrix stored
 * row-major in {@link #weights()} and b in {@link #bias()}. It carries what is needed to use it
 * later: the loss it was trained with, its class names and the input normalization.
 */
public final class LinearModel {
    private final Loss loss;
    private final List<String> classNames;
    private final FeatureStats stats;
    private final float[] weights;
    private final float[] bias;

    public LinearModel(Loss loss, List<String> classNames, FeatureStats stats, float[] weights, float[] bias) {
        this.loss = Objects.requireNonNull(loss, "loss");
        this.classNames = List.copyOf(classNames);
        this.stats = Objects.requireNonNull(stats, "stats");
        int k = this.classNames.size();
        if (bias.length != k || weights.length != (long) k * stats.dim()) {
            throw new IllegalArgumentException("weights " + weights.length + " and bias " + bias.length
                    + " do not match " + k + " classes × " + stats.dim() + " features");
        }
        this.weights = weights;
        this.bias = bias;
    }

    /** W ~ N(0, std²) drawn from the seed's initialization stream, b = 0. */
    public static LinearModel initial(Loss loss, List<String> classNames, FeatureStats stats, double std, long seed) {
        int k = classNames.size();
        float[] w = new float[k * stats.dim()];
        SplittableRandom rng = Seeds.stream(seed, Seeds.Purpose.INIT, 0);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (std * Seeds.gaussian(rng));
        }
        return new LinearModel(loss, classNames, stats, w, new float[k]);
    }

    public Loss loss() {
        return loss;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int classCount() {
        return classNames.size();
    }

    public int dim() {
        return stats.dim();
    }

    public FeatureStats stats() {
        return stats;
    }

    /** W, K × d row-major; the live array. */
    public float[] weights() {
        return weights;
    }

    /** b; the live array. */
    public float[] bias() {
        return bias;
    }

    /** ‖W‖², the regularized quantity. */
    public double weightNormSquared() {
        double sum = 0;
        for (float w : weights) {
            sum += (double) w * w;
        }
        return sum;
    }

    public LinearModel copy() {
        return new LinearModel(loss, classNames, stats, weights.clone(), bias.clone());
    }
}
