package cifarlinear.perf;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two measurements of a machine's limits together, and a measurement's fractions against them. */
class MachineLimitsTest {

    @Test
    void theHigherOfTwoMeasurementsTakesEachFigureFromWhicheverHadIt() {
        MachineLimits slowPeak = new MachineLimits(168.7, 25.5, 2, true);
        MachineLimits slowMemory = new MachineLimits(301.1, 21.7, 2, true);
        MachineLimits both = slowPeak.orHigher(slowMemory);
        assertThat(both).isEqualTo(new MachineLimits(301.1, 25.5, 2, true));
        assertThat(slowMemory.orHigher(slowPeak)).isEqualTo(both);
        assertThat(both.limits().summary()).startsWith("2 threads: peak 301.1 GFLOP/s (").endsWith("memory 25.5 GB/s (copy)");
    }

    @Test
    void oneThreadIsSingular() {
        assertThat(new MachineLimits(160, 12, 1, true).limits().summary()).startsWith("1 thread: peak 160.0 GFLOP/s");
        assertThat(new MachineLimits(160, 12, 1, true).limits().device()).isEqualTo("1 thread");
    }

    @Test
    void measurementsOfDifferentThreadsDoNotCombine() {
        assertThatThrownBy(() -> new MachineLimits(100, 20, 2, true).orHigher(new MachineLimits(60, 15, 1, true)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRowsFractionsAreOfTheLimitsItIsPutAgainst() {
        TrainingBench.Row row = new TrainingBench.Row("cpu", 100, 490, 0.05, 980_000, 0.05, 120, 3, 0.9, 0.9, 0);
        TrainingBench.Row against = row.against(new MachineLimits(300, 24, 2, true).limits());
        assertThat(against.flopFraction()).isEqualTo(0.4);
        assertThat(against.bandwidthFraction()).isEqualTo(0.125);
        assertThat(against.gflops()).isEqualTo(120);
        assertThat(against.epochSeconds()).isEqualTo(0.05);
    }
}
