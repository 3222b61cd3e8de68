package cifarlinear.data;

import java.util.Arrays;

/**
 * Per-feature mean and standard deviation used to normalize inputs: x = (u − μ) / σ, with σ
 * replaced by 1 where it is 0. Computed from the training split only (population standard
 * deviation, divisor n).
 */
public record FeatureStats(float[] mean, float[] std) {
    public FeatureStats {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " features, std " + std.length);
        }
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 0) || !Float.isFinite(std[j]) || !Float.isFinite(mean[j])) {
                throw new IllegalArgumentException("feature " + j + " has mean " + mean[j] + " and std " + std[j]);
            }
        }
    }

    public int dim() {
        return mean.length;
    }

    /** 1 / σ per feature. */
    public float[] invStd() {
        float[] inv = new float[std.length];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = 1.0f / std[j];
        }
        return inv;
    }

    /** Statistics of the given images, accumulated exactly in integers. */
    public static FeatureStats of(Subset subset) {
        if (subset.size() == 0) {
            throw new IllegalArgumentException("cannot compute feature statistics of an empty set");
        }
        int d = Dataset.DIM;
        long[] sum = new long[d];
        long[] sumSq = new long[d];
        byte[] px = subset.data().centeredPixels();
        for (int row : subset.rows()) {
            int base = row * d;
            for (int j = 0; j < d; j++) {
                long u = px[base + j] + 128;
                sum[j] += u;
                sumSq[j] += u * u;
            }
        }
        double n = subset.size();
        float[] mean = new float[d];
        float[] std = new float[d];
        for (int j = 0; j < d; j++) {
            double mu = sum[j] / n;
            double var = Math.max(0.0, sumSq[j] / n - mu * mu);
            mean[j] = (float) mu;
            float sd = (float) Math.sqrt(var);
            std[j] = sd > 0 ? sd : 1.0f;
        }
        return new FeatureStats(mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureStats other && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "FeatureStats[dim=" + mean.length + "]";
    }
}
