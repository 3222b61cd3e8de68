package cifarlinear.model;

import cifarlinear.TestData;
import cifarlinear.data.Dataset;
import cifarlinear.data.FeatureStats;
import cifarlinear.data.Subset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class GradientCheckTest {

    private record Batch(double[][] x, int[] y, double[] w, double[] b) {
    }

    private static Batch batch(int m, int k, long seed) {
        Dataset data = TestData.random(200, k, seed);
        FeatureStats stats = FeatureStats.of(Subset.all(data));
        double[][] x = new double[m][];
        int[] y = new int[m];
        for (int i = 0; i < m; i++) {
            x[i] = ReferenceMath.input(data, i, i % 3 == 0, stats);
            y[i] = data.label(i);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] w = new double[k * Dataset.DIM];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.01 * (2 * rng.nextDouble() - 1);
        }
        double[] b = new double[k];
        for (int c = 0; c < k; c++) {
            b[c] = 0.1 * (2 * rng.nextDouble() - 1);
        }
        return new Batch(x, y, w, b);
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX, 0", "SOFTMAX, 0.1", "SIGMOID, 0", "SIGMOID, 0.1", "SOFTMAX, 1.0"})
    void analyticGradientsMatchNumericalOnes(Loss loss, double lambda) {
        Batch bt = batch(20, 10, 7);
        GradientCheck.Result r = GradientCheck.run(loss, bt.w(), bt.b(), bt.x(), bt.y(), lambda, 2e-3);
        assertThat(r.checked()).isEqualTo(10 * Dataset.DIM + 10);
        assertThat(r.maxRelW()).isLessThan(1e-6);
        assertThat(r.maxRelB()).isLessThan(1e-6);
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX", "SIGMOID"})
    void aWrongGradientIsCaught(Loss loss) {
        Batch bt = batch(5, 4, 3);
        ReferenceMath.Gradients right = ReferenceMath.gradients(loss, bt.w(), bt.b(), bt.x(), bt.y(), 0.1);
        // Forget the regularization term of one weight: the kind of bug a gradient check exists for.
        double[] dW = right.dW().clone();
        dW[123] -= 2 * 0.1 * bt.w()[123];
        ReferenceMath.Gradients wrong = new ReferenceMath.Gradients(dW, right.db(), right.meanLoss(), right.cost());
        GradientCheck.Result r = GradientCheck.compare(loss, bt.w(), bt.b(), bt.x(), bt.y(), 0.1, 2e-3, wrong);
        assertThat(r.maxRelW()).isGreaterThan(1e-4);
        assertThat(r.maxRelB()).isLessThan(1e-6);
    }

    @ParameterizedTest
    @CsvSource({"SIGMOID", "SOFTMAX"})
    void lossIsFiniteForExtremeScores(Loss loss) {
        double[] s = {1000, -1000, 0};
        double[] g = new double[3];
        assertThat(loss.lossAndGradient(s, 1, g)).isFinite().isGreaterThan(100);
        assertThat(java.util.Arrays.stream(g).allMatch(Double::isFinite)).isTrue();
        assertThat(loss.lossAndGradient(s, 0, g)).isFinite().isGreaterThanOrEqualTo(0);
    }
}
