package cifarlinear.cpu;

import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Training steps allocate nothing: everything a step needs is made with the backend, so a long
 * run keeps the garbage collector idle. Measured on every thread of the backend, once the JIT has
 * compiled the kernels (interpreted, the Vector API boxes its vectors): a call that trains every
 * step of an epoch allocates no more than one that trains only its last step. Each round takes
 * the median of three calls of each kind, and three rounds in a row must find nothing, so that
 * the odd allocation around a call (the JIT replacing code while it runs) neither fails the test
 * nor hides a step's.
 */
class StepAllocationTest {
    private static final CifarData DATA = SyntheticData.generate(6000, 5);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Rounds in a row that must find no allocation. */
    private static final int CLEAN_ROUNDS = 3;
    /** Time the JIT is given to compile the kernels before the steps must stop allocating. */
    private static final long BUDGET_NANOS = 20_000_000_000L;

    @ParameterizedTest(name = "{0} threads, batch {1}, shift {2}, Vector API {3}, {4} models: {5}")
    @CsvSource({"1, 100, 0, true, 1, pixels", "2, 100, 0, true, 1, halves", "2, 500, 0, true, 1, halves",
            "3, 500, 0, true, 1, pixels", "3, 600, 0, true, 1, rows", "2, 100, 2, true, 1, rows",
            "2, 100, 0, false, 1, rows", "2, 100, 0, true, 3, halves", "2, 500, 0, true, 3, halves"})
    void stepsAllocateNothing(int threads, int batch, int shift, boolean vectorApi, int models, String path) {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported(), "this JVM does not count allocations per thread");
        THREADS.setThreadAllocatedMemoryEnabled(true);
        Splits s = Splits.of(DATA, 0, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, DATA.classNames(), s.stats(), 0.01, 3);
        Set<Long> others = poolThreads();
        double[] lambdas = new double[models];
        Arrays.fill(lambdas, 0.01);
        try (CpuBackend backend = new CpuBackend(Collections.nCopies(models, start), lambdas, batch, threads,
                vectorApi)) {
            boolean halves = backend.byHalves() && shift == 0;
            boolean pixels = !halves && backend.pixelUpdates() && shift == 0;
            assertThat(halves ? "halves" : pixels ? "pixels" : "rows").as("the way the steps go").isEqualTo(path);
            long[] ids = backendThreads(others);
            assertThat(ids).hasSize(threads);

            EpochPlan plan = EpochPlan.draw(1, 0, s.train(), 0.5, shift);
            int steps = plan.steps(batch);
            float[][] etas = new float[models][steps];
            for (float[] e : etas) {
                Arrays.fill(e, 1e-4f);
            }
            Runnable lastStep = () -> backend.trainSteps(plan, etas, steps - 1, Backend.StepListener.NONE, () -> false);
            Runnable allSteps = () -> backend.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
            List<Long> extraPerRound = new ArrayList<>();
            int clean = 0;
            long deadline = System.nanoTime() + BUDGET_NANOS;
            do {
                long[] last = new long[3];
                long[] all = new long[3];
                for (int r = 0; r < 3; r++) {
                    last[r] = allocated(ids, lastStep);
                    all[r] = allocated(ids, allSteps);
                }
                long extra = median(all) - median(last);
                extraPerRound.add(extra);
                clean = extra <= 0 ? clean + 1 : 0;
            } while (clean < CLEAN_ROUNDS && System.nanoTime() < deadline);
            int n = extraPerRound.size();
            assertThat(clean)
                    .as("rounds in a row without allocation; bytes that %d more steps allocated,"
                            + " in the first rounds %s, in the last %s (of %d)", steps - 1,
                            extraPerRound.subList(0, Math.min(5, n)),
                            extraPerRound.subList(Math.max(0, n - 5), n), n)
                    .isEqualTo(CLEAN_ROUNDS);
        }
    }

    private static long median(long[] three) {
        long[] sorted = three.clone();
        Arrays.sort(sorted);
        return sorted[1];
    }

    /** Bytes allocated by these threads while {@code work} runs. */
    private static long allocated(long[] ids, Runnable work) {
        long before = Arrays.stream(THREADS.getThreadAllocatedBytes(ids)).sum();
        work.run();
        return Arrays.stream(THREADS.getThreadAllocatedBytes(ids)).sum() - before;
    }

    /** The calling thread and the backend's workers: the pool threads that were not there before. */
    private static long[] backendThreads(Set<Long> others) {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        poolThreads().stream().filter(id -> !others.contains(id)).forEach(ids::add);
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static Set<Long> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(WorkerPool.THREAD_NAME_PREFIX))
                .map(Thread::threadId)
                .collect(Collectors.toSet());
    }
}
