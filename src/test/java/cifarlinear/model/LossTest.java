package cifarlinear.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LossTest {

    @ParameterizedTest
    @CsvSource({"-745, 0", "-30, 0", "-1, 1", "0, 709.7"})
    void expIsWithinTwoUnitsInTheLastPlace(double from, double to) {
        SplittableRandom rng = new SplittableRandom(11);
        int correctlyRounded = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double x = from + (to - from) * rng.nextDouble();
            double want = StrictMath.exp(x);
            double got = Loss.exp(x);
            assertThat(Math.abs(got - want)).as("e^%s", x).isLessThanOrEqualTo(2 * Math.ulp(want));
            correctlyRounded += got == want ? 1 : 0;
        }
        assertThat(correctlyRounded).isGreaterThan(n * 8 / 10);
    }

    @Test
    void expAtTheEdges() {
        assertThat(Loss.exp(0.0)).isEqualTo(1.0);
        assertThat(Loss.exp(-0.0)).isEqualTo(1.0);
        assertThat(Loss.exp(-1e-300)).isEqualTo(1.0);
        assertThat(Loss.exp(1)).isCloseTo(Math.E, org.assertj.core.data.Offset.offset(2 * Math.ulp(Math.E)));
        assertThat(Loss.exp(-800)).isEqualTo(0.0);
        assertThat(Loss.exp(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
        assertThat(Loss.exp(710)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Loss.exp(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Loss.exp(Double.NaN)).isNaN();
        // Below the normal range the result keeps its magnitude, rounded to what a subnormal holds.
        assertThat(Loss.exp(-740)).isCloseTo(StrictMath.exp(-740), org.assertj.core.data.Offset.offset(Double.MIN_VALUE));
        assertThat(Loss.exp(-745)).isEqualTo(Double.MIN_VALUE);
    }

    @Test
    void softmaxGradientIsProbabilitiesLessTheTrueClass() {
        double[] s = {2.0, -1.0, 0.5, 3.0};
        double[] g = new double[4];
        double loss = Loss.SOFTMAX.lossAndGradient(s, 1, g);
        double sum = 0;
        for (double v : s) {
            sum += Math.exp(v);
        }
        for (int k = 0; k < s.length; k++) {
            double p = Math.exp(s[k]) / sum;
            assertThat(g[k]).isCloseTo(k == 1 ? p - 1 : p, org.assertj.core.data.Offset.offset(1e-15));
        }
        assertThat(loss).isCloseTo(Math.log(sum) - s[1], org.assertj.core.data.Offset.offset(1e-14));
        assertThat(Loss.SOFTMAX.lossAndGradient(s, 1, null)).isEqualTo(loss);
    }

    /**
     * The sigmoid's loss and gradient against the definition, term by term in the JDK's functions:
     * (1/K) Σ_k [softplus(s_k) − y_k s_k] and (σ(s) − y) / K, also where scores are so large that
     * e^|s| overflows or 1 + e^−|s| rounds to 1, and at ±0.
     */
    @Test
    void sigmoidFollowsItsDefinition() {
        double[][] cases = {{2.0, -1.0, 0.5, 3.0}, {0.0, -0.0, 1e-9, -1e-9}, {800, -800, 40, -40},
                {-745, 30, 37.5, -37.5}, {1e-300, -1e300, 1e300, 0.25}};
        SplittableRandom rng = new SplittableRandom(5);
        for (int c = 0; c < cases.length + 200; c++) {
            double[] s = c < cases.length ? cases[c] : new double[10];
            if (c >= cases.length) {
                for (int k = 0; k < s.length; k++) {
                    s[k] = rng.nextGaussian() * (c % 3 == 0 ? 50 : 3);
                }
            }
            int classes = s.length;
            int y = c % classes;
            double[] g = new double[classes];
            double loss = Loss.SIGMOID.lossAndGradient(s, y, g);
            double want = 0;
            double largest = 0;
            double sigmaY = 0;
            for (int k = 0; k < classes; k++) {
                double softplus = Math.max(s[k], 0) + Math.log1p(Math.exp(-Math.abs(s[k])));
                want += softplus - (k == y ? s[k] : 0);
                largest = Math.max(largest, Math.abs(s[k]));
                double sigma = s[k] >= 0 ? 1 / (1 + Math.exp(-s[k])) : Math.exp(s[k]) / (1 + Math.exp(s[k]));
                double grad = (sigma - (k == y ? 1 : 0)) / classes;
                sigmaY = k == y ? sigma : sigmaY;
                assertThat(g[k]).as("gradient %d of %s", k, java.util.Arrays.toString(s))
                        .isCloseTo(grad, org.assertj.core.data.Offset.offset(4 * Math.ulp(1.0)));
            }
            want /= classes;
            // The terms cancel down to the loss: its error is relative to the largest of them.
            assertThat(loss).as("loss of %s", java.util.Arrays.toString(s))
                    .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-15 * Math.max(1, largest) + 1e-15 * want));
            assertThat(loss).isGreaterThanOrEqualTo(0);
            assertThat(Loss.SIGMOID.lossAndGradient(s, y, null)).isEqualTo(loss);
            assertThat(Loss.SIGMOID.trueClassProbability(s, y, loss))
                    .isCloseTo(sigmaY, org.assertj.core.data.Offset.offset(4 * Math.ulp(1.0)));
        }
    }

    /** Tiny losses keep their size: the exponentials that 1 + e would round away still count. */
    @Test
    void sigmoidKeepsTinyLosses() {
        double[] s = {40, -40, -40, -40};
        double loss = Loss.SIGMOID.lossAndGradient(s, 0, null);
        double want = Math.exp(-40); // four terms log1p(e^−40) ≈ e^−40 each, over K = 4
        assertThat(loss).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-12 * want));
    }
}
