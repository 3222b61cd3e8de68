package cifarlinear.train;

import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Where the arithmetic runs. A backend trains one or more models side by side on one stream of
 * batches (configurations that share the data order, batch size and augmentation train together
 * for the price of one data pass), and owns a working copy of their parameters. Lifecycle:
 * create with the initial models, call {@link #trainSteps} and {@link #evaluate} any number of
 * times, take {@link #snapshot}s, then {@link #close}.
 */
public interface Backend extends AutoCloseable {

    /** Receives the mean loss of each batch (of the first model) as training proceeds, on the training thread. */
    @FunctionalInterface
    interface StepListener {
        StepListener NONE = (step, steps, batchLoss) -> { };

        void onStep(int step, int steps, double batchLoss);
    }

    /**
     * How far a call to {@link #trainSteps} got: the next step to run, and per model the summed
     * loss of the samples it trained on.
     */
    record Progress(int nextStep, double[] lossSums, int samples) {
    }

    /** A short description such as "cpu (2 threads)". */
    String description();

    /** How many models train side by side. */
    int models();

    /**
     * How many of the steps trained so far ran on one thread where the backend has several, because
     * other work kept the cores busy (a CPU backend's fallback); 0 where there is no such thing.
     */
    default long stepsOnOneThread() {
        return 0;
    }

    /**
     * Runs steps {@code [fromStep, steps)} of an epoch of mini-batch gradient descent over the
     * plan's order; at step s model m uses η = {@code etas[m][s]}: W ← (1 − 2ηλ) W − (η/m) G Xᵀ
     * and b ← b − (η/m) G 1. Before each step it asks {@code stop} and returns early when told to
     * (a backend that queues steps in groups, as the GPU one does, asks before each group). The
     * listener hears of every step run, in order, but possibly a group at a time.
     */
    Progress trainSteps(EpochPlan plan, float[][] etas, int fromStep, StepListener listener, BooleanSupplier stop);

    /** Loss, accuracy and confusion of each model on the given images (no augmentation), in one pass over them. */
    List<Evaluation> evaluate(Subset subset);

    /** A copy of a model's current parameters. */
    LinearModel snapshot(int model);

    /**
     * Runs a whole epoch of the first model at a constant η.
     *
     * @return the mean loss over the epoch's (augmented) training samples, before each step
     */
    default double trainEpoch(EpochPlan plan, float eta, StepListener listener) {
        float[][] etas = new float[models()][plan.steps(batch())];
        for (float[] e : etas) {
            java.util.Arrays.fill(e, eta);
        }
        Progress p = trainSteps(plan, etas, 0, listener, () -> false);
        return p.lossSums()[0] / p.samples();
    }

    /** The batch size the backend was made for. */
    int batch();

    @Override
    void close();
}
