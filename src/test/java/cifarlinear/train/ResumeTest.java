package cifarlinear.train;

import cifarlinear.TestData;
import cifarlinear.UserError;
import cifarlinear.cpu.CpuBackend;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Stopping between steps and going on from a saved state gives the same bits as never stopping. */
class ResumeTest {
    private static final CifarData DATA = TestData.randomData(400, 60, 5, 21);
    private static final TrainConfig CONFIG = new TrainConfig(Loss.SOFTMAX, 0.05, 32, 4,
            new Schedule(Schedule.Kind.STEP, 0.02, 0, 2, 0.5, 0), 0.3, 2, 9, 0.01, 50);

    @TempDir
    Path dir;

    private static Function<List<LinearModel>, Backend> cpu() {
        return m -> new CpuBackend(m, new double[] {CONFIG.lambda()}, CONFIG.batch(), 2, true);
    }

    /** Stops after {@code n} steps have run (counted across calls); the run has 4 epochs of 11 steps. */
    private static java.util.function.BooleanSupplier after(int n, AtomicInteger steps) {
        return () -> steps.get() >= n;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 11, 12, 13, 30, 43})
    void aRunStoppedAnywhereAndResumedThroughItsCheckpointEndsTheSame(int stopAfter) throws Exception {
        Splits splits = Splits.of(DATA, CONFIG.val(), CONFIG.seed());
        Trainer.Result whole = new Trainer(CONFIG, splits).run(cpu(), new Trainer.Listener() { });

        RunFolder folder = RunFolder.create(dir.resolve("run"));
        AtomicInteger steps = new AtomicInteger();
        List<Integer> checkpoints = new ArrayList<>();
        Trainer.Listener saving = new Trainer.Listener() {
            @Override
            public void onStep(int step, int total, double batchLoss) {
                steps.incrementAndGet();
            }

            @Override
            public void onCheckpoint(Trainer.State state) {
                checkpoints.add(state.epoch() * 1000 + state.step());
                try {
                    folder.writeCheckpoint(state);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        Trainer trainer = new Trainer(CONFIG, splits, 1);
        Trainer.Result first = trainer.run(cpu(), saving, Trainer.State.start(CONFIG, splits), after(stopAfter, steps));
        assertThat(first.finished()).isFalse();
        Trainer.State saved = folder.readCheckpoint().orElseThrow();
        assertThat(saved.history()).isEqualTo(first.state().history());
        assertThat(saved.epochLossSums()).containsExactly(first.state().epochLossSums());

        Trainer.Result rest = trainer.run(cpu(), saving, saved, () -> false);
        assertThat(rest.finished()).isTrue();
        assertThat(rest.model().weights()).containsExactly(whole.model().weights());
        assertThat(rest.model().bias()).containsExactly(whole.model().bias());
        assertThat(rest.test().getFirst().lossSum()).isEqualTo(whole.test().getFirst().lossSum());
        List<String> a = rest.epochs().stream().map(m -> m.toCsv().replaceAll(",[^,]*,[^,]*$", "")).toList();
        List<String> b = whole.epochs().stream().map(m -> m.toCsv().replaceAll(",[^,]*,[^,]*$", "")).toList();
        assertThat(a).isEqualTo(b);
        assertThat(checkpoints).isNotEmpty();
    }

    @Test
    void divergenceStopsTrainingWithoutSavingTheBadEpoch() {
        TrainConfig wild = new TrainConfig(Loss.SIGMOID, 0, 32, 5, new Schedule(Schedule.Kind.CONSTANT, 1e30, 0, 0, 1, 0),
                0, 0, 1, 0.01, 50);
        Splits splits = Splits.of(DATA, wild.val(), wild.seed());
        List<Trainer.State> saved = new ArrayList<>();
        assertThatThrownBy(() -> new Trainer(wild, splits, 1).run(cpu(), new Trainer.Listener() {
            @Override
            public void onCheckpoint(Trainer.State state) {
                saved.add(state);
            }
        }, Trainer.State.start(wild, splits), () -> false))
                .isInstanceOf(UserError.class)
                .hasMessageStartingWith("training diverged in epoch 1: ")
                .hasMessageContaining("try a smaller --eta (now 1.0E30)");
        assertThat(saved).isEmpty();
    }

    @Test
    void aStateAfterTheLastEpochOnlyEvaluates() {
        Splits splits = Splits.of(DATA, CONFIG.val(), CONFIG.seed());
        Trainer.Result whole = new Trainer(CONFIG, splits).run(cpu(), new Trainer.Listener() { });
        Trainer.Result again = new Trainer(CONFIG, splits).run(cpu(), new Trainer.Listener() { }, whole.state(), () -> false);
        assertThat(again.finished()).isTrue();
        assertThat(again.model().weights()).containsExactly(whole.model().weights());
        assertThat(again.test().getFirst().accuracy()).isEqualTo(whole.test().getFirst().accuracy());
        assertThat(Subset.all(DATA.test()).size()).isEqualTo(again.test().getFirst().count());
    }
}
