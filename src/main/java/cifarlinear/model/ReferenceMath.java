package cifarlinear.model;

import cifarlinear.data.Dataset;
import cifarlinear.data.FeatureStats;
import cifarlinear.data.Flip;
import cifarlinear.data.Shift;

/**
 * The training math written as plainly as possible, in double precision, one sample at a time.
 * It is the specification the fast backends are tested against and the analytic side of the
 * gradient check; nothing here is meant to be fast. Shapes: W is K × d row-major, X is m × d
 * (one normalized sample per row), S and G are m × K.
 */
public final class ReferenceMath {
    private ReferenceMath() {
    }

    /** Gradients of the cost J = mean ℓ + λ‖W‖² and the cost itself. */
    public record Gradients(double[] dW, double[] db, double meanLoss, double cost) {
    }

    /**
     * Normalized input of image {@code row}: x_j = (u_j − μ_j) / σ_j, mirrored when {@code flip}
     * (x_j = x'_{mirror(j)}: the flip acts on the normalized image).
     */
    public static double[] input(Dataset data, int row, boolean flip, FeatureStats stats) {
        return input(data, row, flip, 0, 0, stats);
    }

    /** The same, then moved by (dx, dy) pixels ({@link Shift}); what comes from outside the image is 0. */
    public static double[] input(Dataset data, int row, boolean flip, int dx, int dy, FeatureStats stats) {
        int d = stats.dim();
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            int moved = Shift.source(j, dx, dy);
            if (moved >= 0) {
                int src = flip ? Flip.mirror(moved) : moved;
                x[j] = (data.pixel(row, src) - (double) stats.mean()[src]) / stats.std()[src];
            }
        }
        return x;
    }

    /** s = W x + b. */
    public static double[] scores(double[] w, double[] b, double[] x) {
        int k = b.length;
        int d = x.length;
        double[] s = new double[k];
        for (int c = 0; c < k; c++) {
            double sum = b[c];
            for (int j = 0; j < d; j++) {
                sum += w[c * d + j] * x[j];
            }
            s[c] = sum;
        }
        return s;
    }

    /** ∇W = G Xᵀ / m + 2λW, ∇b = G 1 / m, and J, for double-precision parameters. */
    public static Gradients gradients(Loss loss, double[] w, double[] b, double[][] x, int[] y, double lambda) {
        int k = b.length;
        int d = x[0].length;
        int m = x.length;
        double[] dW = new double[k * d];
        double[] db = new double[k];
        double lossSum = 0;
        for (int i = 0; i < m; i++) {
            double[] s = scores(w, b, x[i]);
            double[] g = new double[k];
            lossSum += loss.lossAndGradient(s, y[i], g);
            for (int c = 0; c < k; c++) {
                db[c] += g[c] / m;
                for (int j = 0; j < d; j++) {
                    dW[c * d + j] += g[c] * x[i][j] / m;
                }
            }
        }
        double norm = 0;
        for (int i = 0; i < dW.length; i++) {
            dW[i] += 2 * lambda * w[i];
            norm += w[i] * w[i];
        }
        double meanLoss = lossSum / m;
        return new Gradients(dW, db, meanLoss, meanLoss + lambda * norm);
    }

    /**
     * One SGD step on a batch, in place: W ← W − η ∇W, b ← b − η ∇b, with the gradients at the
     * parameters before the step. Returns the batch's mean loss.
     */
    public static double sgdStep(Loss loss, double[] w, double[] b, double[][] x, int[] y, double lambda, double eta) {
        Gradients g = gradients(loss, w, b, x, y, lambda);
        for (int i = 0; i < w.length; i++) {
            w[i] -= eta * g.dW()[i];
        }
        for (int c = 0; c < b.length; c++) {
            b[c] -= eta * g.db()[c];
        }
        return g.meanLoss();
    }

    public static double[] toDouble(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }
}
