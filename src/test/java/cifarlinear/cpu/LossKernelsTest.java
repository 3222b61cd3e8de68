package cifarlinear.cpu;

import cifarlinear.model.Loss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Products#lossAndCoefficients}: the Vector API kernels (softmax and sigmoid a vector of
 * samples at a time) give the bits of {@link Loss#lossAndGradient} one sample at a time, also for
 * the counts that leave a vector part-full, for scores far enough apart that the exponentials
 * underflow, for ties and for signed zeros.
 */
class LossKernelsTest {

    @ParameterizedTest
    @CsvSource({
            "SOFTMAX, 10, 0, 50, 3, true", "SOFTMAX, 10, 50, 100, 3, true", "SOFTMAX, 10, 0, 64, 40, false",
            "SOFTMAX, 10, 3, 12, 300, true", "SOFTMAX, 10, 0, 7, 3, false", "SOFTMAX, 10, 5, 6, 3, true",
            "SOFTMAX, 3, 0, 33, 1, true", "SOFTMAX, 20, 1, 100, 800, false", "SOFTMAX, 100, 0, 17, 10, true",
            "SIGMOID, 10, 0, 50, 3, true", "SIGMOID, 10, 50, 100, 3, true", "SIGMOID, 10, 0, 64, 40, false",
            "SIGMOID, 10, 3, 12, 300, true", "SIGMOID, 10, 0, 7, 3, false", "SIGMOID, 3, 0, 33, 1, true",
            "SIGMOID, 20, 1, 100, 800, false", "SIGMOID, 100, 0, 17, 10, true"})
    void theVectorKernelsGiveTheBitsOfOneSampleAtATime(Loss loss, int classes, int i0, int i1, double spread,
                                                        boolean split) {
        Products plain = new Products.AutoVectorized();
        Products fast = Simd.products(Simd.vectorApiAvailable());
        int batch = 100;
        int off = split ? 0 : i0; // unsplit scores start at the chunk's first sample, as in training
        SplittableRandom rng = new SplittableRandom(classes * 1000L + i0 * 31L + i1);
        float[][] first = new float[classes][batch];
        float[][] second = split ? new float[classes][batch] : null;
        for (int k = 0; k < classes; k++) {
            for (int i = 0; i < batch; i++) {
                first[k][i] = (float) (spread * rng.nextGaussian());
                if (second != null) {
                    second[k][i] = (float) (spread * rng.nextGaussian());
                }
            }
        }
        // A tie for the largest score, and scores of ±0, in the first two samples.
        first[0][0] = first[1][0] = 1000;
        for (int k = 0; k < classes; k++) {
            first[k][1] = k % 2 == 0 ? 0.0f : -0.0f;
            if (second != null) {
                second[k][1] = -0.0f;
            }
        }
        float[] b = new float[classes];
        for (int k = 0; k < classes; k++) {
            b[k] = (float) rng.nextGaussian();
        }
        b[classes - 1] = -0.0f;
        int[] labels = new int[500];
        int[] order = new int[500];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(classes);
            order[i] = labels.length - 1 - i;
        }
        int start = 37;
        for (boolean coefficients : new boolean[] {true, false}) {
            float[][] cPlain = coefficients ? new float[classes][batch] : null;
            float[][] cFast = coefficients ? new float[classes][batch] : null;
            double[] lossPlain = new double[batch];
            double[] lossFast = new double[batch];
            int lo = i0;
            int hi = i1;
            plain.lossAndCoefficients(loss, first, second, off, b, labels, order, start, lo, hi, -0.0137f, cPlain,
                    lossPlain, new double[classes], plain.lossScratch(classes));
            fast.lossAndCoefficients(loss, first, second, off, b, labels, order, start, lo, hi, -0.0137f, cFast,
                    lossFast, new double[classes], fast.lossScratch(classes));
            assertThat(lossFast).as("losses").containsExactly(lossPlain);
            for (int k = 0; coefficients && k < classes; k++) {
                assertThat(cFast[k]).as("coefficients of class %d", k).containsExactly(cPlain[k]);
            }
            // And the plain kernels are Loss.lossAndGradient itself.
            double[] s = new double[classes];
            double[] g = new double[classes];
            for (int i = lo; i < hi; i++) {
                for (int k = 0; k < classes; k++) {
                    float score = second == null ? first[k][i - off] : first[k][i - off] + second[k][i - off];
                    s[k] = score + b[k];
                }
                assertThat(lossPlain[i]).isEqualTo(loss.lossAndGradient(s, labels[order[start + i]], g));
                for (int k = 0; coefficients && k < classes; k++) {
                    assertThat(cPlain[k][i]).isEqualTo((float) (-0.0137f * g[k]));
                }
            }
            for (int i = 0; i < batch; i++) {
                if (i < lo || i >= hi) {
                    assertThat(lossFast[i]).as("loss of sample %d, outside the range", i).isZero();
                }
            }
        }
    }
}
