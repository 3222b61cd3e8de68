package cifarlinear.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FeatureStatsTest {
    @Test
    void computesPopulationMeanAndStdPerFeature() {
        // Three images: feature 0 takes 0, 3, 6; feature 1 is constant 255; feature 5 takes 10, 20, 30.
        byte[] px = new byte[3 * Dataset.DIM];
        for (int i = 0; i < 3; i++) {
            px[i * Dataset.DIM] = (byte) (3 * i);
            px[i * Dataset.DIM + 1] = (byte) 255;
            px[i * Dataset.DIM + 5] = (byte) (10 * (i + 1));
        }
        FeatureStats s = FeatureStats.of(Subset.all(Dataset.ofUint8(px, new int[3], List.of("a"))));
        assertThat(s.mean()[0]).isEqualTo(3f);
        assertThat(s.std()[0]).isCloseTo((float) Math.sqrt(6), within(1e-6f));
        assertThat(s.mean()[1]).isEqualTo(255f);
        assertThat(s.std()[1]).isEqualTo(1f);
        assertThat(s.mean()[5]).isEqualTo(20f);
        assertThat(s.std()[5]).isCloseTo((float) Math.sqrt(200.0 / 3), within(1e-5f));
        assertThat(s.invStd()[5]).isCloseTo(1f / s.std()[5], within(1e-9f));
    }

    @Test
    void usesOnlyTheSelectedRows() {
        byte[] px = new byte[2 * Dataset.DIM];
        px[Dataset.DIM] = 100;
        Dataset d = Dataset.ofUint8(px, new int[2], List.of("a"));
        assertThat(FeatureStats.of(new Subset(d, new int[] {1})).mean()[0]).isEqualTo(100f);
        assertThat(FeatureStats.of(new Subset(d, new int[] {0})).mean()[0]).isEqualTo(0f);
    }
}
