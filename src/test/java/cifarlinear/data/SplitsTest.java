package cifarlinear.data;

import cifarlinear.TestData;
import cifarlinear.UserError;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SplitsTest {
    private final CifarData data = TestData.randomData(500, 40, 10, 3);

    @Test
    void holdsOutValImagesFromTrainingDisjointly() {
        Splits s = Splits.of(data, 100, 7);
        assertThat(s.train().size()).isEqualTo(400);
        assertThat(s.val().size()).isEqualTo(100);
        assertThat(s.test().size()).isEqualTo(40);
        Set<Integer> all = new HashSet<>();
        Arrays.stream(s.train().rows()).forEach(all::add);
        Arrays.stream(s.val().rows()).forEach(all::add);
        assertThat(all).hasSize(500);
        assertThat(s.train().data()).isSameAs(data.train());
        assertThat(s.test().data()).isSameAs(data.test());
    }

    @Test
    void isSeededAndRandom() {
        assertThat(Splits.of(data, 100, 7).val().rows()).containsExactly(Splits.of(data, 100, 7).val().rows());
        assertThat(Splits.of(data, 100, 8).val().rows()).isNotEqualTo(Splits.of(data, 100, 7).val().rows());
        // Not simply the first or last images.
        int[] val = Splits.of(data, 100, 7).val().rows();
        assertThat(val[0]).isLessThan(50);
        assertThat(val[99]).isGreaterThan(450);
    }

    @Test
    void allowsNoValidationButNotAnEmptyTrainingSet() {
        assertThat(Splits.of(data, 0, 1).train().size()).isEqualTo(500);
        assertThatThrownBy(() -> Splits.of(data, 500, 1)).isInstanceOf(UserError.class).hasMessageContaining("--val");
    }

    @Test
    void normalizesWithTrainingStatisticsOnly() {
        // Validation images all white, training images all black: the mean must stay 0.
        byte[] px = new byte[10 * Dataset.DIM];
        int[] labels = new int[10];
        Dataset d = Dataset.ofUint8(px, labels, List.of("only"));
        CifarData cd = new CifarData("x", d, d);
        Splits s = Splits.of(cd, 3, 1);
        byte[] centered = d.centeredPixels();
        for (int row : s.val().rows()) {
            Arrays.fill(centered, row * Dataset.DIM, (row + 1) * Dataset.DIM, (byte) 127);
        }
        FeatureStats stats = FeatureStats.of(s.train());
        assertThat(stats.mean()).containsOnly(0f);
        assertThat(stats.std()).containsOnly(1f);
    }
}
