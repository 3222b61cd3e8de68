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
}
