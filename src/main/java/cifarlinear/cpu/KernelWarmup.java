package cifarlinear.cpu;

import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;

import java.util.Arrays;

/**
 * Has the JIT compile the CPU kernels while the data loads. HotSpot compiles a method with its
 * optimizing compiler only after running it many times more slowly, which would otherwise cost the
 * first epoch of every run a second or two; the compiled code serves every later backend. So
 * this trains a throwaway model on a few hundred synthetic images, with the run's batch size (up
 * to 200), loss, flips, shifts and threads, and evaluates it, on a background thread, until
 * {@link #close} or a fixed number of steps.
 */
public final class KernelWarmup implements AutoCloseable {
    /** About as many as the first epoch of a run takes before its kernels run compiled. */
    private static final int STEPS = 600;

    private final Thread thread;
    private volatile boolean stop;
    private volatile Throwable failure;

    private KernelWarmup(Loss loss, int batch, double flip, int shift, int threads, boolean vectorApi) {
        thread = loss == null ? null : Thread.ofPlatform().daemon().name("cifar-linear-warmup")
                .start(() -> run(loss, batch, flip, shift, threads, vectorApi));
    }

    /** Starts warming up the kernels of a CPU backend with these settings. */
    public static KernelWarmup start(Loss loss, int batch, double flip, int shift, int threads, boolean vectorApi) {
        return new KernelWarmup(loss, batch, flip, shift, threads, vectorApi);
    }

    /** No warm-up: for runs that will not train on the CPU. */
    public static KernelWarmup none() {
        return new KernelWarmup(null, 0, 0, 0, 0, false);
    }

    private void run(Loss loss, int batch, double flip, int shift, int threads, boolean vectorApi) {
        try {
            int m = Math.min(batch, 200);
            CifarData data = SyntheticData.generate(4 * m, 1);
            Splits splits = Splits.of(data, m, 1);
            LinearModel model = LinearModel.initial(loss, data.classNames(), splits.stats(), 0.01, 1);
            try (Backend backend = new CpuBackend(model, m, 0.01f, threads, vectorApi)) {
                int steps = 0;
                for (int e = 0; steps < STEPS && !stop; e++) {
                    EpochPlan plan = EpochPlan.draw(1, e, splits.train(), flip, shift);
                    float[] etas = new float[plan.steps(m)];
                    Arrays.fill(etas, 1e-4f);
                    steps += backend.trainSteps(plan, new float[][] {etas}, 0, Backend.StepListener.NONE, () -> stop)
                            .nextStep();
                    backend.evaluate(splits.val());
                }
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            // Nothing depends on the warm-up: the run compiles the kernels itself.
            failure = e;
        }
    }

    /** What stopped the warm-up early, if anything did. */
    Throwable failure() {
        return failure;
    }

    /** Whether the warm-up is still training. */
    boolean running() {
        return thread != null && thread.isAlive();
    }

    /** Stops the warm-up (within a step) and waits for it. */
    @Override
    public void close() {
        stop = true;
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
