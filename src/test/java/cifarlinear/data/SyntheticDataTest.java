package cifarlinear.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SyntheticDataTest {
    @Test
    void isDeterministicPerSeedAndShaped() {
        CifarData a = SyntheticData.generate(300, 5);
        CifarData b = SyntheticData.generate(300, 5);
        CifarData c = SyntheticData.generate(300, 6);
        assertThat(a.train().centeredPixels()).isEqualTo(b.train().centeredPixels());
        assertThat(a.test().labels()).isEqualTo(b.test().labels());
        assertThat(a.train().centeredPixels()).isNotEqualTo(c.train().centeredPixels());
        assertThat(a.train().size()).isEqualTo(300);
        assertThat(a.test().size()).isEqualTo(60);
        assertThat(a.classCount()).isEqualTo(10);
        assertThat(java.util.Arrays.stream(a.train().classCounts()).min().orElseThrow()).isGreaterThan(10);
    }

    /** The same bytes on every machine and in every version: results on the synthetic set stay comparable. */
    @Test
    void keepsItsBytes() {
        CifarData a = SyntheticData.generate(300, 5);
        assertThat(a.train().sha256()).isEqualTo("e4aeb1375a2d3ab6825f4c818c10e1d8317fca246abca715287832be163fd252");
        assertThat(a.test().sha256()).isEqualTo("10472e5e7538eb3314d6462758aa8a5c0b5986666e4e865b6cdcde5a24fed068");
    }

    @Test
    void aSmallerSetIsAPrefixOfTheLargerOnesTrainingImages() {
        CifarData small = SyntheticData.generate(100, 1);
        CifarData large = SyntheticData.generate(1000, 1);
        assertThat(java.util.Arrays.copyOf(large.train().centeredPixels(), 100 * Dataset.DIM))
                .isEqualTo(small.train().centeredPixels());
    }

    @Test
    void usesTheWholePixelRange() {
        CifarData a = SyntheticData.generate(200, 1);
        int min = 255;
        int max = 0;
        double sum = 0;
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < Dataset.DIM; j++) {
                int p = a.train().pixel(i, j);
                min = Math.min(min, p);
                max = Math.max(max, p);
                sum += p;
            }
        }
        assertThat(min).isLessThan(20);
        assertThat(max).isGreaterThan(235);
        assertThat(sum / (200.0 * Dataset.DIM)).isBetween(90.0, 166.0);
    }
}
