package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.model.ReferenceMath;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The CPU backend against the plain double-precision math of {@link ReferenceMath}. */
class CpuBackendTest {
    private static final CifarData DATA = TestData.randomData(300, 40, 4, 11);

    private static LinearModel initial(Splits s, Loss loss) {
        return LinearModel.initial(loss, DATA.classNames(), s.stats(), 0.01, 3);
    }

    private static double relativeDifference(float[] a, double[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX, 37, 0.05, 0.5, true", "SIGMOID, 37, 0.05, 0.5, true", "SOFTMAX, 100, 0, 0, true",
            "SIGMOID, 1, 0.1, 1, true", "SOFTMAX, 37, 0.05, 0.5, false", "SIGMOID, 23, 0.1, 0.2, false"})
    void twoEpochsFollowTheReferenceMath(Loss loss, int batch, double lambda, double flip, boolean vectorApi) {
        Splits s = Splits.of(DATA, 40, 1);
        LinearModel start = initial(s, loss);
        double[] w = ReferenceMath.toDouble(start.weights());
        double[] b = ReferenceMath.toDouble(start.bias());
        float eta = 0.02f;
        try (Backend backend = new CpuBackend(start, batch, (float) lambda, 2, vectorApi)) {
            for (int e = 0; e < 2; e++) {
                EpochPlan plan = EpochPlan.draw(9, e, s.train(), flip);
                List<Double> batchLosses = new ArrayList<>();
                double meanLoss = backend.trainEpoch(plan, eta, (step, steps, l) -> batchLosses.add(l));
                double refLossSum = 0;
                for (int start0 = 0; start0 < plan.size(); start0 += batch) {
                    int m = Math.min(batch, plan.size() - start0);
                    double[][] x = new double[m][];
                    int[] y = new int[m];
                    for (int i = 0; i < m; i++) {
                        int row = plan.order()[start0 + i];
                        x[i] = ReferenceMath.input(plan.data(), row, plan.flip()[start0 + i], s.stats());
                        y[i] = plan.data().label(row);
                    }
                    double l = ReferenceMath.sgdStep(loss, w, b, x, y, lambda, eta);
                    assertThat(batchLosses.get(start0 / batch)).isCloseTo(l, within(1e-4 * (1 + l)));
                    refLossSum += l * m;
                }
                assertThat(batchLosses).hasSize(plan.steps(batch));
                assertThat(meanLoss).isCloseTo(refLossSum / plan.size(), within(1e-4));
            }
            LinearModel trained = backend.snapshot(0);
            assertThat(relativeDifference(trained.weights(), w)).isLessThan(1e-4);
            assertThat(relativeDifference(trained.bias(), b)).isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX, true", "SIGMOID, true", "SOFTMAX, false", "SIGMOID, false"})
    void evaluatesLikeTheReference(Loss loss, boolean vectorApi) {
        Splits s = Splits.of(DATA, 0, 1);
        LinearModel m = LinearModel.initial(loss, DATA.classNames(), s.stats(), 0.05, 4);
        m.bias()[2] = 0.3f;
        Evaluation e;
        try (Backend backend = new CpuBackend(m, 10, 0, 3, vectorApi)) {
            e = backend.evaluate(s.test()).getFirst();
        }
        double[] w = ReferenceMath.toDouble(m.weights());
        double[] b = ReferenceMath.toDouble(m.bias());
        double lossSum = 0;
        int correct = 0;
        long[] confusion = new long[16];
        for (int i = 0; i < s.test().size(); i++) {
            double[] sc = ReferenceMath.scores(w, b, ReferenceMath.input(s.test().data(), i, false, s.stats()));
            int y = s.test().label(i);
            double l = loss.lossAndGradient(sc, y, null);
            lossSum += l;
            int p = Loss.predictedClass(sc);
            correct += p == y ? 1 : 0;
            confusion[y * 4 + p]++;
            assertThat((double) e.trueClassProbability()[i]).isCloseTo(loss.trueClassProbability(sc, y, l),
                    within(1e-5));
        }
        assertThat(e.count()).isEqualTo(40);
        assertThat(e.lossSum()).isCloseTo(lossSum, within(1e-4));
        assertThat(e.correct()).isEqualTo(correct);
        assertThat(e.confusion()).containsExactly(confusion);
        assertThat(e.accuracy()).isEqualTo(correct / 40.0);
    }

    /**
     * Class counts in fives take another path on two threads (each thread with half of the
     * features); 4 classes do not. Epochs of 260 images in batches of 32 end with a batch of 4.
     */
    @ParameterizedTest
    @CsvSource({"SOFTMAX, true, 4", "SIGMOID, true, 4", "SOFTMAX, false, 4", "SOFTMAX, true, 10",
            "SIGMOID, true, 10", "SOFTMAX, false, 10", "SOFTMAX, true, 20"})
    void givesTheSameBitsForAnyNumberOfThreads(Loss loss, boolean vectorApi, int classes) {
        CifarData data = classes == 4 ? DATA : TestData.randomData(300, 40, classes, 12);
        Splits s = Splits.of(data, 40, 1);
        LinearModel start = LinearModel.initial(loss, data.classNames(), s.stats(), 0.01, 3);
        float[] first = null;
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (Backend backend = new CpuBackend(start, 32, 0.1f, threads, vectorApi)) {
                for (int e = 0; e < 2; e++) {
                    backend.trainEpoch(EpochPlan.draw(2, e, s.train(), 0.5), 0.05f, Backend.StepListener.NONE);
                }
                float[] w = backend.snapshot(0).weights();
                if (first == null) {
                    first = w;
                } else {
                    assertThat(w).as("weights with %d threads", threads).containsExactly(first);
                }
            }
        }
    }

    /**
     * A backend that runs the pieces of two or three threads one after the other on one thread (as
     * the kernel warm-up does) takes the path those threads take, by halves where two go so (batches
     * of 200 in parts), and trains and evaluates to the same bits.
     */
    @ParameterizedTest
    @CsvSource({"SOFTMAX, 2, 32", "SIGMOID, 2, 200", "SOFTMAX, 3, 32", "SOFTMAX, 2, 100"})
    void piecesRunOneAfterTheOtherGiveTheBitsOfThreads(Loss loss, int threads, int batch) {
        CifarData data = TestData.randomData(300, 40, 10, 12);
        Splits s = Splits.of(data, 40, 1);
        LinearModel start = LinearModel.initial(loss, data.classNames(), s.stats(), 0.01, 3);
        try (CpuBackend threaded = new CpuBackend(start, batch, 0.1f, threads, true);
             CpuBackend serial = CpuBackend.serial(start, batch, 0.1f, threads, true)) {
            assertThat(serial.byHalves()).isEqualTo(threaded.byHalves());
            assertThat(serial.description()).isEqualTo(threaded.description());
            trainToTheSameBits(threaded, serial, Backend.StepListener.NONE, s);
        }
    }

    /**
     * Two epochs of {@code expected} and of {@code actual} on the same plans ({@code listener} hears
     * {@code actual}'s steps), after which the first model of {@code actual} has the weights, bias and
     * evaluation of {@code expected}'s, bit for bit.
     */
    private static void trainToTheSameBits(CpuBackend expected, CpuBackend actual, Backend.StepListener listener,
                                           Splits s) {
        for (int e = 0; e < 2; e++) {
            EpochPlan plan = EpochPlan.draw(2, e, s.train(), 0.5);
            expected.trainEpoch(plan, 0.05f, Backend.StepListener.NONE);
            actual.trainEpoch(plan, 0.05f, listener);
        }
        assertThat(actual.snapshot(0).weights()).containsExactly(expected.snapshot(0).weights());
        assertThat(actual.snapshot(0).bias()).containsExactly(expected.snapshot(0).bias());
        Evaluation a = expected.evaluate(s.val()).getFirst();
        Evaluation b = actual.evaluate(s.val()).getFirst();
        assertThat(b.lossSum()).isEqualTo(a.lossSum());
        assertThat(b.predicted()).containsExactly(a.predicted());
    }

    /**
     * Steps that go over from the threads to the calling thread and back, a few at a time, as the
     * fallback moves them on a busy machine ({@link SerialFallback}), give the bits of threads.
     */
    @ParameterizedTest
    @CsvSource({"SOFTMAX, 2, 32", "SIGMOID, 2, 200", "SOFTMAX, 3, 32", "SOFTMAX, 2, 8"})
    void stepsMovedBetweenTheThreadsAndTheCallerGiveTheBitsOfThreads(Loss loss, int threads, int batch) {
        CifarData data = TestData.randomData(300, 40, 10, 12);
        Splits s = Splits.of(data, 40, 1);
        LinearModel start = LinearModel.initial(loss, data.classNames(), s.stats(), 0.01, 3);
        CpuBackend.Tuning noFallback = new CpuBackend.Tuning(true, true, true, true, false, true);
        try (CpuBackend threaded = new CpuBackend(List.of(start), new double[] {0.1}, batch, threads, true,
                noFallback);
             CpuBackend moved = new CpuBackend(List.of(start), new double[] {0.1}, batch, threads, true,
                     noFallback)) {
            int[] calls = new int[1];
            int[] onCaller = new int[1];
            Backend.StepListener mover = (step, steps, batchLoss) -> {
                boolean next = (calls[0]++ / 2) % 3 == 1; // two steps of every six on the calling thread
                moved.runOnCaller(next);
                onCaller[0] += next ? 1 : 0;
            };
            trainToTheSameBits(threaded, moved, mover, s);
            assertThat(onCaller[0]).isPositive();
            // Moved by hand, not by the fallback: the description says nothing of it.
            assertThat(moved.description()).isEqualTo(threaded.description()).doesNotContain("one thread");
        }
    }

    /** The description says what share of the steps stayed on one thread, where it rounds to 1 % or more. */
    @Test
    void theDescriptionSaysHowManyStepsStayedOnOneThread() {
        assertThat(CpuBackend.busyNote(0, 0)).isEmpty();
        assertThat(CpuBackend.busyNote(1000, 0)).isEmpty();
        assertThat(CpuBackend.busyNote(1000, 4)).isEmpty();
        String note = " of the steps on one thread, faster there while other work kept the cores busy";
        assertThat(CpuBackend.busyNote(1000, 5)).isEqualTo("; 1 %" + note);
        assertThat(CpuBackend.busyNote(24500, 20335)).isEqualTo("; 83 %" + note);
        assertThat(CpuBackend.busyNote(490, 490)).startsWith("; 100 % of the steps");
    }

    /**
     * Two threads go by halves where the kernels split the scores, batches of any size (larger ones
     * in parts), and read the next step's pixels while they wait.
     */
    @Test
    void twoThreadsGoByHalvesWhereTheKernelsSplitTheScores() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.products(true).splitsScores(10, 3072),
                "the scores are not split with these vectors");
        CifarData data = TestData.randomData(60, 10, 10, 12);
        Splits s = Splits.of(data, 10, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 3);
        LinearModel four = initial(Splits.of(DATA, 40, 1), Loss.SOFTMAX);
        record Shape(LinearModel model, int batch, int threads, boolean vectorApi, boolean halves) { }
        for (Shape shape : List.of(new Shape(start, 100, 2, true, true), new Shape(start, 170, 2, true, true),
                new Shape(start, 171, 2, true, true), new Shape(start, 1000, 2, true, true),
                new Shape(start, 100, 1, true, false),
                new Shape(start, 100, 3, true, false), new Shape(start, 100, 2, false, false),
                new Shape(four, 100, 2, true, false))) {
            try (CpuBackend backend = new CpuBackend(List.of(shape.model()), new double[] {0.1}, shape.batch(),
                    shape.threads(), shape.vectorApi())) {
                assertThat(backend.byHalves()).as("%s", shape).isEqualTo(shape.halves());
                assertThat(backend.idleReads()).as("%s", shape).isEqualTo(shape.halves());
            }
        }
    }

    /**
     * An epoch stopped after some steps and taken up again ends as one run straight through; so do
     * batches that two threads take in parts (200).
     */
    @ParameterizedTest
    @CsvSource({"1, 32", "2, 32", "3, 32", "2, 200"})
    void anEpochStoppedAndTakenUpAgainEndsTheSame(int threads, int batch) {
        CifarData data = TestData.randomData(batch * 9 + 40, 40, 10, 12);
        Splits s = Splits.of(data, 40, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 3);
        EpochPlan plan = EpochPlan.draw(2, 0, s.train(), 0.5);
        int steps = plan.steps(batch);
        float[][] etas = new float[1][steps];
        java.util.Arrays.fill(etas[0], 0.05f);
        try (Backend whole = new CpuBackend(start, batch, 0.1f, threads, true);
             Backend parts = new CpuBackend(start, batch, 0.1f, threads, true);
             Backend three = new CpuBackend(start, batch, 0.1f, 1, true)) {
            whole.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
            int[] calls = {0};
            three.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> calls[0]++ >= 3);
            calls[0] = 0;
            Backend.Progress first = parts.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> calls[0]++ >= 3);
            assertThat(first.nextStep()).isEqualTo(3);
            assertThat(parts.snapshot(0).weights()).as("the weights after three steps")
                    .containsExactly(three.snapshot(0).weights());
            assertThat(parts.snapshot(0).bias()).containsExactly(three.snapshot(0).bias());
            parts.trainSteps(plan, etas, first.nextStep(), Backend.StepListener.NONE, () -> false);
            assertThat(parts.snapshot(0).weights()).containsExactly(whole.snapshot(0).weights());
            assertThat(parts.snapshot(0).bias()).containsExactly(whole.snapshot(0).bias());
        }
        try (Backend failing = new CpuBackend(start, batch, 0.1f, threads, true);
             Backend three = new CpuBackend(start, batch, 0.1f, 1, true)) {
            int[] calls = {0};
            three.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> calls[0]++ >= 3);
            Backend.StepListener failAtThird = (step, total, loss) -> {
                if (step == 2) {
                    throw new IllegalStateException("listener");
                }
            };
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.trainSteps(plan, etas, 0, failAtThird,
                    () -> false)).hasMessage("listener");
            assertThat(failing.snapshot(0).weights()).as("the weights after a listener failed at the third step")
                    .containsExactly(three.snapshot(0).weights());
        }
    }

    @Test
    void theVectorApiIsAvailableToTheTests() {
        assertThat(Simd.vectorApiAvailable()).as("surefire adds --add-modules jdk.incubator.vector").isTrue();
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void modelsTrainedTogetherEndExactlyAsEachAlone(boolean vectorApi) {
        Splits s = Splits.of(DATA, 40, 1);
        List<LinearModel> starts = List.of(initial(s, Loss.SOFTMAX), initial(s, Loss.SIGMOID),
                LinearModel.initial(Loss.SOFTMAX, DATA.classNames(), s.stats(), 0.05, 8));
        double[] lambdas = {0.1, 0, 0.01};
        float[] etaOf = {0.02f, 0.05f, 0.001f};
        EpochPlan plan = EpochPlan.draw(3, 0, s.train(), 0.4, 2);
        int steps = plan.steps(30);
        float[][] etas = new float[3][steps];
        for (int m = 0; m < 3; m++) {
            for (int t = 0; t < steps; t++) {
                etas[m][t] = etaOf[m] * (1 + t % 3);
            }
        }
        List<float[]> together = new ArrayList<>();
        List<Evaluation> evalsTogether;
        try (Backend all = new CpuBackend(starts, lambdas, 30, 2, vectorApi)) {
            all.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
            for (int m = 0; m < 3; m++) {
                together.add(all.snapshot(m).weights());
            }
            evalsTogether = all.evaluate(s.val());
        }
        for (int m = 0; m < 3; m++) {
            try (Backend one = new CpuBackend(List.of(starts.get(m)), new double[] {lambdas[m]}, 30, 3, vectorApi)) {
                one.trainSteps(plan, new float[][] {etas[m]}, 0, Backend.StepListener.NONE, () -> false);
                assertThat(one.snapshot(0).weights()).as("model %d", m).containsExactly(together.get(m));
                assertThat(one.evaluate(s.val()).getFirst().lossSum()).isEqualTo(evalsTogether.get(m).lossSum());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"10, 37, 1, 150", "10, 100, 2, 150", "20, 16, 3, 150", "10, 200, 2, 450"})
    void updatesFromPixelsGiveTheSameBitsAsFromTheGatheredRows(int classes, int batch, int threads, int images) {
        // 100 classes are checked on the kernel alone (CpuKernelsTest), where it takes less time. Not by
        // halves, which read the rows either way.
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuBackend.readsPixels(Simd.products(true), classes, 3072, batch),
                "no update from pixels with these vectors");
        CifarData data = TestData.randomData(images, 10, classes, classes);
        Splits s = Splits.of(data, 10, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 5);
        float[][] w = new float[2][];
        for (int v = 0; v < 2; v++) {
            try (CpuBackend backend = new CpuBackend(List.of(start), new double[] {0.1}, batch, threads, true,
                    new CpuBackend.Tuning(v == 1, false, true, true, true, true))) {
                assertThat(backend.pixelUpdates()).isEqualTo(v == 1);
                for (int e = 0; e < 2; e++) {
                    backend.trainEpoch(EpochPlan.draw(4, e, s.train(), 0.5), 0.05f, Backend.StepListener.NONE);
                }
                w[v] = backend.snapshot(0).weights();
            }
        }
        assertThat(w[1]).containsExactly(w[0]);
    }

    /** The loss by vectors of samples trains and evaluates as one sample at a time does, bit for bit. */
    @ParameterizedTest
    @CsvSource({"1, 37", "2, 100", "3, 64"})
    void theLossByVectorsTrainsAsOneSampleAtATime(int threads, int batch) {
        CifarData data = TestData.randomData(250, 40, 10, 12);
        Splits s = Splits.of(data, 40, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 5);
        float[][] w = new float[2][];
        double[] valLoss = new double[2];
        for (int v = 0; v < 2; v++) {
            try (CpuBackend backend = new CpuBackend(List.of(start), new double[] {0.1}, batch, threads, true,
                    new CpuBackend.Tuning(true, true, true, v == 0, true, true))) {
                for (int e = 0; e < 2; e++) {
                    backend.trainEpoch(EpochPlan.draw(4, e, s.train(), 0.5), 0.05f, Backend.StepListener.NONE);
                }
                w[v] = backend.snapshot(0).weights();
                valLoss[v] = backend.evaluate(s.val()).getFirst().loss();
            }
        }
        assertThat(w[0]).containsExactly(w[1]);
        assertThat(valLoss[0]).isEqualTo(valLoss[1]);
    }

    /**
     * Batches that two threads take in parts (more than 170 images: parts of up to 100, every part
     * scored with the step's W and its update summed apart) give the bits of one thread and of
     * three, which take each batch whole; so do two models trained together, each with its own
     * next W, softmax and sigmoid, and an epoch whose last batch is small enough to go whole.
     */
    @ParameterizedTest
    @CsvSource({"SOFTMAX, 300, 700", "SIGMOID, 257, 810", "SOFTMAX, 1000, 1100"})
    void batchesInPartsGiveTheBitsOfAnyNumberOfThreads(Loss loss, int batch, int images) {
        CifarData data = TestData.randomData(images + 40, 40, 10, 12);
        Splits s = Splits.of(data, 40, 1);
        List<LinearModel> starts = List.of(LinearModel.initial(loss, data.classNames(), s.stats(), 0.01, 3),
                LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.02, 4));
        double[] lambdas = {0.1, 0.01};
        List<float[]> first = null;
        for (int threads : new int[] {1, 2, 3}) {
            try (CpuBackend backend = new CpuBackend(starts, lambdas, batch, threads, true,
                    CpuBackend.Tuning.DEFAULT)) {
                for (int e = 0; e < 2; e++) {
                    EpochPlan plan = EpochPlan.draw(2, e, s.train(), 0.5);
                    int steps = plan.steps(batch);
                    float[][] etas = new float[2][steps];
                    for (int t = 0; t < steps; t++) {
                        etas[0][t] = 0.05f / (1 + t);
                        etas[1][t] = 0.02f;
                    }
                    backend.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
                }
                List<float[]> now = new ArrayList<>();
                for (int m = 0; m < 2; m++) {
                    now.add(backend.snapshot(m).weights());
                    now.add(backend.snapshot(m).bias());
                }
                if (first == null) {
                    first = now;
                    assertThat(backend.byHalves()).isFalse();
                } else {
                    assertThat(backend.byHalves()).isEqualTo(threads == 2);
                    for (int q = 0; q < now.size(); q++) {
                        assertThat(now.get(q)).as("%s of model %d with %d threads", q % 2 == 0 ? "W" : "b", q / 2,
                                threads).containsExactly(first.get(q));
                    }
                }
            }
        }
    }
}
