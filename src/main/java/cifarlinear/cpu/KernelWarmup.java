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
 * first epoch of every run a second or two, and compiling it takes a core for a while, which
 * slows both training threads wherever it happens during training; the compiled code serves every
 * later backend. So this trains a throwaway model on a few hundred synthetic images, with the
 * run's batch size (up to 200), loss, flips, shifts and number of threads, and evaluates it, on
 * one background thread, until {@link #close} or a fixed number of steps. The pieces of each step
 * that the threads would share run one after the other on that thread ({@link CpuBackend#serial}),
 * the same code in the same pieces: threads that wait for each other while the loading keeps the
 * cores busy would only slow it and each other.
 */
public final class KernelWarmup implements AutoCloseable {
    /**
     * Enough for the optimizing compiler to take every method that a step calls, including those
     * called once a step, which it takes after a few thousand calls.
     */
    private static final int STEPS = 6000;

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
            try (Backend backend = CpuBackend.serial(model, m, 0.01f, threads, vectorApi)) {
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
