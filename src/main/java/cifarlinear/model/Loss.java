package cifarlinear.model;

import java.util.Locale;

/**
 * The two training objectives. For scores s (one per class) and true class y:
 * <ul>
 *   <li>softmax + cross-entropy: ℓ = −log p_y with p = softmax(s), computed after subtracting
 *       max s; ∂ℓ/∂s = p − y;</li>
 *   <li>sigmoid + multiple binary cross-entropy: ℓ = −(1/K) Σ_k [y_k log σ(s_k) + (1 − y_k) log(1 − σ(s_k))],
 *       computed as (1/K) [Σ_k softplus(s_k) − s_y] so that it never takes log(0), with one
 *       logarithm per sample; ∂ℓ/∂s = (σ(s) − y) / K.</li>
 * </ul>
 * Here y is the one-hot vector of the true class. Every backend uses these functions for the
 * per-sample arithmetic, in double precision. Both take their exponentials from {@link #exp},
 * which the CPU backend's vector kernels compute with the same operations, lane by lane, so that
 * the weights do not depend on which of its paths trained them.
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
                    sum += exp(v - max);
                }
                return Math.log(sum) - (s[y] - max);
            }
            for (int k = 0; k < classes; k++) {
                g[k] = exp(s[k] - max);
            }
            for (int k = 0; k < classes; k++) {
                sum += g[k];
            }
            for (int k = 0; k < classes; k++) {
                g[k] = g[k] / sum - (k == y ? 1 : 0);
            }
            return Math.log(sum) - (s[y] - max);
        }
        // With e_k = e^−|s_k|, in (0, 1]: σ(s_k) = 1 / (1 + e_k) where s_k ≥ 0, else e_k / (1 + e_k),
        // and softplus(s_k) = max(s_k, 0) + log(1 + e_k). The K logarithms are taken as one,
        // Σ_k log(1 + e_k) = log1p(t) with 1 + t = Π_k (1 + e_k): t grows as t + e_k + t e_k, a sum of
        // positive terms, so it keeps the e_k that 1 + e_k would round away.
        double positive = 0;
        double t = 0;
        for (int k = 0; k < classes; k++) {
            double e = exp(-Math.abs(s[k]));
            positive += Math.max(s[k], 0);
            t = t + e + t * e;
            if (g != null) {
                g[k] = ((s[k] >= 0 ? 1 : e) / (1 + e) - (k == y ? 1 : 0)) / classes; // (σ(s_k) − y_k) / K
            }
        }
        return (positive - s[y] + Math.log1p(t)) / classes;
    }

    /** log₂ e. */
    public static final double LOG2_E = 0x1.71547652b82fep0;
    /** The leading bits of ln 2, trailing zeros enough that n · LN2_HI is exact for |n| < 2¹¹. */
    public static final double LN2_HI = 0x1.62e42fee00000p-1;
    /** ln 2 − {@link #LN2_HI}. */
    public static final double LN2_LO = 0x1.a39ef35793c76p-33;
    /** 1.5 · 2⁵²: adding it rounds a double of magnitude below 2⁵¹ to an integer, held in the low bits. */
    public static final double SHIFTER = 0x1.8p52;
    private static final double[] TAYLOR = taylor();
    /** Where {@link #exp}'s argument is clamped: below it e^x is 0 in double, above it infinite. */
    public static final double EXP_MIN = -746;
    public static final double EXP_MAX = 710;

    /** The Taylor coefficients a_i = 1/i! (i = 0 … 13) of {@link #exp}'s polynomial. */
    public static double[] expTaylor() {
        return TAYLOR.clone();
    }

    private static double[] taylor() {
        double[] a = new double[14];
        double factorial = 1;
        for (int i = 0; i < a.length; i++) {
            factorial *= Math.max(i, 1);
            a[i] = 1 / factorial;
        }
        return a;
    }

    /**
     * e^x to within two units in the last place where the result is a normal double (nine in ten
     * correctly rounded; e^0 = 1 exactly), from additions, multiplications and bit operations
     * alone, so that a vector of lanes gives each lane the same bits: x = n ln 2 + r with
     * |r| ≤ ln 2 / 2; e^r = 1 + (r + Σ_{i=2..13} r^i/i!) with the sum in Estrin's order (pairs
     * a_2j + a_2j+1 r, then pairs of those times r², r⁴ and r⁸, which a vector unit can overlap)
     * and no fused multiply-add; times 2ⁿ as two powers of two, so that results below the normal
     * range round as they fall. NaN gives NaN.
     */
    public static double exp(double x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        double t = x * LOG2_E + SHIFTER;
        double n = t - SHIFTER;
        double r = (x - n * LN2_HI) - n * LN2_LO;
        double[] a = TAYLOR;
        double r2 = r * r;
        double r4 = r2 * r2;
        double r8 = r4 * r4;
        double s0 = (r * a[3] + a[2]) * r2 + r;
        double s1 = (r * a[7] + a[6]) * r2 + (r * a[5] + a[4]);
        double s2 = (r * a[11] + a[10]) * r2 + (r * a[9] + a[8]);
        double t0 = s1 * r4 + s0;
        double t1 = (r * a[13] + a[12]) * r4 + s2;
        double p = (t1 * r8 + t0) + 1;
        long k = Double.doubleToRawLongBits(t) - Double.doubleToRawLongBits(SHIFTER);
        long k1 = ((k + 2048) >>> 1) - 1024; // ⌊k / 2⌋ without an arithmetic shift, which AVX2 lacks for longs
        return p * Double.longBitsToDouble((k1 + 1023) << 52) * Double.longBitsToDouble((k - k1 + 1023) << 52);
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

    /** σ(x) as training computes it, from e^−|x| (so that e^x never overflows). */
    static double sigmoid(double x) {
        double e = exp(-Math.abs(x));
        return (x >= 0 ? 1 : e) / (1 + e);
    }
}
