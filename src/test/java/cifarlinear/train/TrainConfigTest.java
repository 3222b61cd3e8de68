package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Loss;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainConfigTest {
    /** η of each epoch under a step schedule (epochs of 7 steps). */
    private static final class Step {
        final Schedule s;

        Step(double eta, int every, double factor) {
            s = new Schedule(Schedule.Kind.STEP, eta, 0, every, factor, 0);
        }

        float etaAt(int epoch) {
            return s.epoch(epoch, 7, 100)[3];
        }
    }

    private static Step step(double eta, int every, double factor) {
        return new Step(eta, every, factor);
    }

    @Test
    void decaysTheLearningRateInSteps() {
        Step c = step(0.01, 10, 0.1);
        assertThat(c.etaAt(0)).isEqualTo(0.01f);
        assertThat(c.etaAt(9)).isEqualTo(0.01f);
        assertThat(c.etaAt(10)).isEqualTo(0.001f);
        assertThat(c.etaAt(19)).isEqualTo(0.001f);
        assertThat(c.etaAt(20)).isEqualTo((float) (0.01 * 0.01));
        assertThat(c.etaAt(49)).isEqualTo((float) (0.01 * 1e-4));
        Step half = step(0.1, 3, 0.5);
        assertThat(half.etaAt(2)).isEqualTo(0.1f);
        assertThat(half.etaAt(3)).isEqualTo(0.05f);
        assertThat(half.etaAt(7)).isEqualTo(0.025f);
    }

    @Test
    void keepsTheLearningRateWithoutDecay() {
        assertThat(step(0.02, 0, 0.1).etaAt(100)).isEqualTo(0.02f);
        assertThat(step(0.02, 5, 1.0).etaAt(100)).isEqualTo(0.02f);
    }

    @Test
    void isTheSeedConfigurationByDefault() {
        TrainConfig d = TrainConfig.DEFAULTS;
        assertThat(d.loss()).isEqualTo(Loss.SOFTMAX);
        assertThat(d.batch()).isEqualTo(100);
        assertThat(d.epochs()).isEqualTo(50);
        assertThat(d.lambda()).isEqualTo(0.1);
        assertThat(d.eta()).isEqualTo(0.01);
        assertThat(d.schedule().kind()).isEqualTo(Schedule.Kind.STEP);
        assertThat(d.schedule().decayEvery()).isEqualTo(10);
        assertThat(d.schedule().decayFactor()).isEqualTo(0.1);
        assertThat(d.shift()).isZero();
        assertThat(d.flip()).isEqualTo(0.2);
        assertThat(d.val()).isEqualTo(1000);
    }

    @Test
    void refusesInvalidValuesNamingTheOption() {
        assertThatThrownBy(() -> step(0, 10, 0.1)).isInstanceOf(UserError.class).hasMessageStartingWith("--eta");
        assertThatThrownBy(() -> step(Double.NaN, 10, 0.1)).hasMessageStartingWith("--eta");
        assertThatThrownBy(() -> step(0.1, -1, 0.1)).hasMessageStartingWith("--decay-every");
        assertThatThrownBy(() -> step(0.1, 1, 0)).hasMessageStartingWith("--decay-factor");
        assertThatThrownBy(() -> step(0.1, 1, 1.5)).hasMessageStartingWith("--decay-factor");
        assertThatThrownBy(() -> new Schedule(Schedule.Kind.CYCLIC, 0.1, 0.2, 0, 1, 0)).hasMessageStartingWith("--eta-min");
        assertThatThrownBy(() -> new Schedule(Schedule.Kind.COSINE, 0.1, -1, 0, 1, 0)).hasMessageStartingWith("--eta-min");
        assertThatThrownBy(() -> new Schedule(Schedule.Kind.CYCLIC, 0.1, 0, 0, 1, -2)).hasMessageStartingWith("--cycle-steps");
        assertThatThrownBy(() -> Schedule.Kind.parse("linear")).hasMessageStartingWith("--schedule");
        Schedule sc = Schedule.SEED;
        TrainConfig d = TrainConfig.DEFAULTS;
        assertThatThrownBy(() -> new TrainConfig(d.loss(), -1, 1, 1, sc, 0, 0, 0, 0, 0))
                .hasMessageStartingWith("--lambda");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 1, 1, sc, 1.01, 0, 0, 0, 0))
                .hasMessageStartingWith("--flip");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 0, 1, sc, 0, 0, 0, 0, 0))
                .hasMessageStartingWith("--batch");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 1, 0, sc, 0, 0, 0, 0, 0))
                .hasMessageStartingWith("--epochs");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 1, 1, sc, 0, 9, 0, 0, 0))
                .hasMessageStartingWith("--shift");
        assertThatThrownBy(() -> d.checkAgainst(99, 1099)).hasMessageStartingWith("--batch 100");
        assertThatThrownBy(() -> d.checkAgainst(0, 1000)).hasMessageStartingWith("--val 1000");
    }

    @Test
    void cosineFallsFromEtaToEtaMinOverTheRun() {
        Schedule c = new Schedule(Schedule.Kind.COSINE, 0.1, 0.001, 0, 1, 0);
        assertThat(c.at(0, 10, 5)).isEqualTo(0.1);
        assertThat(c.at(25, 10, 5)).isCloseTo(0.0505, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.at(50, 10, 5)).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
        for (int t = 1; t < 50; t++) {
            assertThat(c.at(t, 10, 5)).isLessThan(c.at(t - 1, 10, 5));
        }
    }

    @Test
    void cyclicRisesAndFallsInTriangles() {
        // DD2424's example: n_s = 500 steps from η_min = 1e-5 to η_max = 1e-1 and back.
        Schedule c = new Schedule(Schedule.Kind.CYCLIC, 0.1, 1e-5, 0, 1, 500);
        assertThat(c.at(0, 100, 20)).isEqualTo(1e-5);
        assertThat(c.at(250, 100, 20)).isCloseTo(0.050005, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.at(500, 100, 20)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.at(750, 100, 20)).isCloseTo(0.050005, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.at(1000, 100, 20)).isEqualTo(1e-5);
        assertThat(c.at(1250, 100, 20)).isEqualTo(c.at(250, 100, 20));
        // By default a half cycle lasts two epochs.
        Schedule d = new Schedule(Schedule.Kind.CYCLIC, 0.1, 0, 0, 1, 0);
        assertThat(d.at(2 * 37, 37, 10)).isEqualTo(0.1);
        float[] epoch = d.epoch(1, 37, 10);
        assertThat(epoch).hasSize(37);
        assertThat((double) epoch[0]).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-7));
    }
}
