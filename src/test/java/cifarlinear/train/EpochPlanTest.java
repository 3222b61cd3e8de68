package cifarlinear.train;

import cifarlinear.TestData;
import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class EpochPlanTest {
    private final Dataset data = TestData.random(2000, 3, 1);
    private final Subset train = new Subset(data, java.util.stream.IntStream.range(0, 2000).filter(i -> i % 4 != 0)
            .toArray());

    private static int flips(EpochPlan p) {
        int n = 0;
        for (boolean f : p.flip()) {
            n += f ? 1 : 0;
        }
        return n;
    }

    @Test
    void ordersEveryTrainingImageOnce() {
        EpochPlan p = EpochPlan.draw(5, 0, train, 0.2);
        int[] sorted = p.order().clone();
        Arrays.sort(sorted);
        assertThat(sorted).containsExactly(train.rows());
        assertThat(p.order()).isNotEqualTo(train.rows());
        assertThat(p.steps(100)).isEqualTo(15);
        assertThat(p.steps(1500)).isEqualTo(1);
    }

    @Test
    void drawsAFreshOrderAndFlipMaskEachEpochAtTheRequestedRate() {
        EpochPlan e0 = EpochPlan.draw(5, 0, train, 0.3);
        EpochPlan e1 = EpochPlan.draw(5, 1, train, 0.3);
        assertThat(e0.order()).isNotEqualTo(e1.order());
        assertThat(e0.flip()).isNotEqualTo(e1.flip());
        // 1500 Bernoulli(0.3) draws: mean 450, standard deviation about 17.7; allow five of them.
        for (int e = 0; e < 10; e++) {
            assertThat(flips(EpochPlan.draw(5, e, train, 0.3))).isBetween(361, 539);
        }
        assertThat(flips(EpochPlan.draw(5, 0, train, 0))).isZero();
        assertThat(flips(EpochPlan.draw(5, 0, train, 1))).isEqualTo(1500);
    }

    @Test
    void isAFunctionOfSeedAndEpochAlone() {
        EpochPlan a = EpochPlan.draw(5, 7, train, 0.5);
        EpochPlan b = EpochPlan.draw(5, 7, train, 0.5);
        assertThat(a.order()).containsExactly(b.order());
        assertThat(a.flip()).containsExactly(b.flip());
        assertThat(EpochPlan.draw(6, 7, train, 0.5).order()).isNotEqualTo(a.order());
    }
}
