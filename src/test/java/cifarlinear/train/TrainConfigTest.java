package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.model.Loss;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainConfigTest {
    private static TrainConfig step(double eta, int every, double factor) {
        TrainConfig d = TrainConfig.DEFAULTS;
        return new TrainConfig(d.loss(), d.lambda(), d.batch(), d.epochs(), eta, every, factor, d.flip(), d.seed(),
                d.initStd(), d.val());
    }

    @Test
    void decaysTheLearningRateInSteps() {
        TrainConfig c = step(0.01, 10, 0.1);
        assertThat(c.etaAt(0)).isEqualTo(0.01f);
        assertThat(c.etaAt(9)).isEqualTo(0.01f);
        assertThat(c.etaAt(10)).isEqualTo(0.001f);
        assertThat(c.etaAt(19)).isEqualTo(0.001f);
        assertThat(c.etaAt(20)).isEqualTo((float) (0.01 * 0.01));
        assertThat(c.etaAt(49)).isEqualTo((float) (0.01 * 1e-4));
        TrainConfig half = step(0.1, 3, 0.5);
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
        assertThat(d.decayEvery()).isEqualTo(10);
        assertThat(d.decayFactor()).isEqualTo(0.1);
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
        TrainConfig d = TrainConfig.DEFAULTS;
        assertThatThrownBy(() -> new TrainConfig(d.loss(), -1, 1, 1, 1, 0, 1, 0, 0, 0, 0))
                .hasMessageStartingWith("--lambda");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 1, 1, 1, 0, 1, 1.01, 0, 0, 0))
                .hasMessageStartingWith("--flip");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 0, 1, 1, 0, 1, 0, 0, 0, 0))
                .hasMessageStartingWith("--batch");
        assertThatThrownBy(() -> new TrainConfig(d.loss(), 0, 1, 0, 1, 0, 1, 0, 0, 0, 0))
                .hasMessageStartingWith("--epochs");
        assertThatThrownBy(() -> d.checkAgainst(99, 1099)).hasMessageStartingWith("--batch 100");
        assertThatThrownBy(() -> d.checkAgainst(0, 1000)).hasMessageStartingWith("--val 1000");
    }
}
