package cifarlinear.perf;

import cifarlinear.data.Dataset;
import cifarlinear.data.Splits;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Times training steps on a backend: a warm-up (so that the JIT has compiled the kernels), then
 * a fixed number of steps, drawn as training draws them (fresh order and flips each epoch), timed
 * {@code repeats} times; the median run counts, so that one run disturbed by the rest of the
 * machine does not decide the result.
 */
public final class TrainingBench {
    private TrainingBench() {
    }

    /** How long the JIT must have compiled nothing before the timing starts. */
    static final long JIT_QUIET_NANOS = 1_000_000_000L;
    /** The longest the warm-up goes on past its seconds, waiting for the JIT. */
    static final long MAX_EXTRA_WARMUP_NANOS = 30_000_000_000L;

    /**
     * One measurement; rates per second of the timed steps, from the median run. {@code backend} is
     * the backend's description before it trained; {@code oneThreadShare} the share of all timed
     * steps that ran on one thread while other work kept the cores busy ({@link Backend#stepsOnOneThread}).
     */
    public record Row(String backend, int batch, int steps, double seconds, double imagesPerSecond, double epochSeconds,
                      double gflops, double gbps, double flopFraction, double bandwidthFraction,
                      double oneThreadShare) {
        /** The same measurement, its fractions of {@code limits}. */
        public Row against(Limits limits) {
            return new Row(backend, batch, steps, seconds, imagesPerSecond, epochSeconds, gflops, gbps,
                    gflops / limits.peakGflops(), gbps / limits.memoryGBps(), oneThreadShare);
        }
    }

    /** Floating-point operations of one step of one model: both products and the decay of W. */
    public static double flopsPerStep(int classes, int d, int m) {
        return 4.0 * classes * d * m + classes * (double) d;
    }

    /**
     * Bytes one step must bring from memory: the batch's pixels, one byte each, gathered from the
     * data set, which is far larger than the caches. (The normalized batch and W, a few MB at
     * most, stay in the caches.)
     */
    public static double bytesPerStep(int classes, int d, int m) {
        return (double) m * d;
    }

    /**
     * @param warmupSeconds train at least this long (and at least one epoch) before timing, and then on
     *                      until the JIT has compiled nothing for {@link #JIT_QUIET_NANOS} (for at most
     *                      {@link #MAX_EXTRA_WARMUP_NANOS} more), so that the kernels run compiled: with
     *                      the Vector API, code that the JIT has yet to compile runs a hundred times slower
     * @param repeats       timed runs of {@code steps} steps each
     */
    public static Row run(Backend backend, Splits splits, int batch, double warmupSeconds, int steps, int repeats,
                          float eta, double flip, Limits limits) {
        int perEpoch = (splits.train().size() + batch - 1) / batch;
        String name = backend.description(); // before training: what it says after is of all the steps
        long start = System.nanoTime();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long jitTime = watchJit ? jit.getTotalCompilationTime() : 0;
        long quietSince = start;
        for (int e = 1000; ; e++) {
            train(backend, splits, batch, perEpoch, perEpoch, eta, flip, e);
            long now = System.nanoTime();
            if (watchJit && jit.getTotalCompilationTime() != jitTime) {
                jitTime = jit.getTotalCompilationTime();
                quietSince = now;
            }
            boolean warm = now - start >= warmupSeconds * 1e9;
            boolean settled = !watchJit || now - quietSince >= JIT_QUIET_NANOS;
            if (warm && (settled || now - start >= warmupSeconds * 1e9 + MAX_EXTRA_WARMUP_NANOS)) {
                break;
            }
        }
        double[] runs = new double[repeats];
        long oneThreadBefore = backend.stepsOnOneThread();
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            train(backend, splits, batch, steps, perEpoch, eta, flip, r * (steps / perEpoch + 1));
            runs[r] = (System.nanoTime() - t0) / 1e9;
        }
        double oneThreadShare = (backend.stepsOnOneThread() - oneThreadBefore) / ((double) steps * repeats);
        java.util.Arrays.sort(runs);
        double seconds = repeats % 2 == 1 ? runs[repeats / 2] : (runs[repeats / 2 - 1] + runs[repeats / 2]) / 2;
        int classes = splits.train().data().classCount();
        double images = (double) steps * batch;
        double ips = images / seconds;
        double gflops = steps * flopsPerStep(classes, Dataset.DIM, batch) * backend.models() / seconds / 1e9;
        double gbps = steps * bytesPerStep(classes, Dataset.DIM, batch) / seconds / 1e9;
        return new Row(name, batch, steps, seconds, ips, splits.train().size() / ips, gflops, gbps, 0, 0,
                oneThreadShare).against(limits);
    }

    /**
     * Runs {@code steps} steps, epoch after epoch from {@code firstEpoch}; an epoch that would run
     * past them is cut short to whole batches, so exactly {@code steps} steps run on every backend.
     */
    private static void train(Backend backend, Splits splits, int batch, int steps, int perEpoch, float eta, double flip,
                              int firstEpoch) {
        float[][] etas = new float[backend.models()][perEpoch];
        for (float[] e : etas) {
            java.util.Arrays.fill(e, eta);
        }
        int done = 0;
        for (int epoch = firstEpoch; done < steps; epoch++) {
            EpochPlan plan = EpochPlan.draw(7, epoch, splits.train(), flip);
            int now = Math.min(perEpoch, steps - done);
            if (now < plan.steps(batch)) {
                int n = now * batch;
                plan = new EpochPlan(plan.epoch(), plan.data(), java.util.Arrays.copyOf(plan.order(), n),
                        java.util.Arrays.copyOf(plan.flip(), n), null, null);
            }
            done += backend.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false).nextStep();
        }
    }
}
