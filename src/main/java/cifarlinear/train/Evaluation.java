package cifarlinear.train;

import java.util.List;

/**
 * How a model does on a set of images: summed loss, correct count, confusion matrix
 * ({@code confusion[t * K + p]} counts images of true class t predicted as p) and, per image
 * in the set's order, its label, the class the model predicts and the probability it gives
 * the true class.
 */
public record Evaluation(int count, double lossSum, int correct, long[] confusion, float[] trueClassProbability,
                         int[] predicted, int[] labels) {

    public int classCount() {
        return (int) Math.round(Math.sqrt(confusion.length));
    }

    /** Mean loss ℓ over the images. */
    public double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** J = mean ℓ + λ‖W‖². */
    public double cost(double lambda, double weightNormSquared) {
        return loss() + lambda * weightNormSquared;
    }

    /** Fraction of images classified correctly. */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Per class, the fraction of its images classified correctly (NaN for a class with none). */
    public double[] perClassAccuracy() {
        int k = classCount();
        double[] acc = new double[k];
        for (int t = 0; t < k; t++) {
            long total = 0;
            for (int p = 0; p < k; p++) {
                total += confusion[t * k + p];
            }
            acc[t] = total == 0 ? Double.NaN : (double) confusion[t * k + t] / total;
        }
        return acc;
    }

    /** The confusion matrix as rows (true class) of counts per predicted class. */
    public List<long[]> confusionRows() {
        int k = classCount();
        return java.util.stream.IntStream.range(0, k)
                .mapToObj(t -> java.util.Arrays.copyOfRange(confusion, t * k, (t + 1) * k)).toList();
    }
}
