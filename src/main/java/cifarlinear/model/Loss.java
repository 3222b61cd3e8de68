package cifarlinear.model;

import java.util.Locale;

/**
 * The two training objectives. For scores s (one per class) and true class y:
 * <ul>
 *   <li>softmax + cross-entropy: ℓ = −log p_y with p = softmax(s), computed after subtracting
 *       max s; ∂ℓ/∂s = p − y;</li>
 *   <li>sigmoid + multiple binary cross-entropy: ℓ = −(1/K) Σ_k [y_k log σ(s_k) + (1 − y_k) log(1 − σ(s_k))],
 *       computed as (1/K) Σ_k [softplus(s_k) − y_k s_k] so that it never takes log(0);
 *       ∂ℓ/∂s = (σ(s) − y) / K.</li>
 * </ul>
 * Here y is the one-hot vector of the true class. Every backend uses these functions for the
 * per-sample arithmetic, in double precision.
 */
public enum Loss {
    SOFTMAX, SIGMOID;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Loss parse(String s) {
        for (Loss l : values()) {
            if (l.id().equalsIgnoreCase(s.strip())) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + s + "' (expected softmax or sigmoid)");
    }

    /**
     * Loss of one sample, and its gradient with respect to the scores.
     *
     * @param s scores, one per class
     * @param y true class
     * @param g receives ∂ℓ/∂s (same length as s); null when only the loss is wanted
     * @return ℓ
     */
    public double lossAndGradient(double[] s, int y, double[] g) {
        int classes = s.length;
        if (this == SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : s) {
                max = Math.max(max, v);
            }
            double sum = 0;
            if (g == null) {
                for (double v : s) {
                    sum += Math.exp(v - max);
                }
                return Math.log(sum) - (s[y] - max);
            }
            for (int k = 0; k < classes; k++) {
                g[k] = Math.exp(s[k] - max);
                sum += g[k];
            }
            for (int k = 0; k < classes; k++) {
                g[k] = g[k] / sum - (k == y ? 1 : 0);
            }
            return Math.log(sum) - (s[y] - max);
        }
        double loss = 0;
        for (int k = 0; k < classes; k++) {
            int yk = k == y ? 1 : 0;
            loss += softplus(s[k]) - yk * s[k];
            if (g != null) {
                g[k] = (sigmoid(s[k]) - yk) / classes;
            }
        }
        return loss / classes;
    }

    /**
     * The probability the model gives the true class: p_y = e^−ℓ for softmax, σ(s_y) for
     * sigmoid.
     */
    public double trueClassProbability(double[] s, int y, double sampleLoss) {
        return this == SOFTMAX ? Math.exp(-sampleLoss) : sigmoid(s[y]);
    }

    /** The predicted class: the index of the largest score, the lowest index among ties. */
    public static int predictedClass(double[] scores) {
        int best = 0;
        for (int k = 1; k < scores.length; k++) {
            if (scores[k] > scores[best]) {
                best = k;
            }
        }
        return best;
    }

    /** log(1 + e^x) without overflow or loss of precision. */
    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
