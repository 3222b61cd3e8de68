package cifarlinear.cpu;

import cifarlinear.model.Loss;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KernelWarmupTest {

    @Test
    void closingStopsTheWarmupAndWaitsForIt() {
        KernelWarmup w = KernelWarmup.start(Loss.SIGMOID, 100, 0.5, 1, 2, true);
        assertThat(w.running()).isTrue();
        w.close();
        assertThat(w.running()).isFalse();
        assertThat(w.failure()).isNull();
        w.close();
    }

    @Test
    void noWarmupHasNothingToStop() {
        KernelWarmup w = KernelWarmup.none();
        assertThat(w.running()).isFalse();
        w.close();
    }
}
