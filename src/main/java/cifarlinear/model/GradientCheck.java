package cifarlinear.model;

/**
 * Compares the analytic gradients of the cost J = mean ℓ + λ‖W‖² ({@link ReferenceMath#gradients})
 * with numerical ones from centered differences of J, in double precision, for every weight and
 * bias. The difference is the five-point centered stencil ({@link #fivePoint}).
 *
 * <p>Because the scores are linear in W, moving W[k][j] by h moves only class k's score of each
 * sample i, by h·x_i[j]; the perturbed cost is computed from the cached scores that way rather
 * than by a full forward pass per perturbation, which makes checking all K × 3072 weights cheap.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /**
     * Largest absolute and relative differences, the relative error of an analytic value a and a
     * numerical one n being |a − n| / max(ε, |a| + |n|) with ε = {@link #RELATIVE_FLOOR}, as in
     * KTH DD2424's assignments: below ε, gradients are compared on an absolute scale, since
     * double-precision differences are only good to about 1e-12.
     */
    public record Result(double maxAbsW, double maxRelW, double maxAbsB, double maxRelB, int checked) {
        public double maxRel() {
            return Math.max(maxRelW, maxRelB);
        }
    }

    /** The ε of the relative error. */
    public static final double RELATIVE_FLOOR = 1e-6;

    /** Checks {@link ReferenceMath#gradients} at (W, b) on the batch (x, y). */
    public static Result run(Loss loss, double[] w, double[] b, double[][] x, int[] y, double lambda, double h) {
        return compare(loss, w, b, x, y, lambda, h, ReferenceMath.gradients(loss, w, b, x, y, lambda));
    }

    /** Compares the given analytic gradients with numerical ones of the cost at (W, b). */
    public static Result compare(Loss loss, double[] w, double[] b, double[][] x, int[] y, double lambda, double h,
                                 ReferenceMath.Gradients analytic) {
        int k = b.length;
        int d = x[0].length;
        int m = x.length;
        double[][] scores = new double[m][];
        for (int i = 0; i < m; i++) {
            scores[i] = ReferenceMath.scores(w, b, x[i]);
        }
        double[] scratch = new double[k];
        double[] xColumn = new double[m];
        double[] ones = new double[m];
        java.util.Arrays.fill(ones, 1.0);
        double maxAbsW = 0;
        double maxRelW = 0;
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                int cc = c;
                double wv = w[c * d + j];
                double[] xj = column(x, j, xColumn);
                // J(W + t e_cj) up to a constant: the loss part, and λ((w + t)² − w²) = λ(2wt + t²).
                double numeric = fivePoint(t -> shiftedLossSum(loss, scores, y, cc, xj, t, scratch) / m
                        + lambda * (2 * wv * t + t * t), h);
                double a = analytic.dW()[c * d + j];
                maxAbsW = Math.max(maxAbsW, Math.abs(a - numeric));
                maxRelW = Math.max(maxRelW, relative(a, numeric));
            }
        }
        double maxAbsB = 0;
        double maxRelB = 0;
        for (int c = 0; c < k; c++) {
            int cc = c;
            double numeric = fivePoint(t -> shiftedLossSum(loss, scores, y, cc, ones, t, scratch) / m, h);
            double a = analytic.db()[c];
            maxAbsB = Math.max(maxAbsB, Math.abs(a - numeric));
            maxRelB = Math.max(maxRelB, relative(a, numeric));
        }
        return new Result(maxAbsW, maxRelW, maxAbsB, maxRelB, k * d + k);
    }

    public static double relative(double a, double n) {
        return Math.abs(a - n) / Math.max(RELATIVE_FLOOR, Math.abs(a) + Math.abs(n));
    }

    /**
     * The derivative at 0 of f by the five-point centered difference
     * [8(f(h) − f(−h)) − (f(2h) − f(−2h))] / 12h, whose error is O(h⁴) rather than the O(h²) of
     * (f(h) − f(−h)) / 2h, so that a larger h keeps rounding error small.
     */
    static double fivePoint(java.util.function.DoubleUnaryOperator f, double h) {
        return (8 * (f.applyAsDouble(h) - f.applyAsDouble(-h)) - (f.applyAsDouble(2 * h) - f.applyAsDouble(-2 * h)))
                / (12 * h);
    }

    private static double[] column(double[][] x, int j, double[] into) {
        for (int i = 0; i < x.length; i++) {
            into[i] = x[i][j];
        }
        return into;
    }

    /** Σ_i ℓ_i with class c's score of sample i moved by t · direction[i]. */
    private static double shiftedLossSum(Loss loss, double[][] scores, int[] y, int c, double[] direction, double t,
                                         double[] scratch) {
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            System.arraycopy(scores[i], 0, scratch, 0, scratch.length);
            scratch[c] += t * direction[i];
            sum += loss.lossAndGradient(scratch, y[i], null);
        }
        return sum;
    }
}
