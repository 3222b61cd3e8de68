package cifarlinear.train;

import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;

/**
 * Where the arithmetic runs. A backend owns a working copy of the model's parameters, runs SGD
 * epochs on it and evaluates it. Lifecycle: create with the initial model, call
 * {@link #trainEpoch} and {@link #evaluate} any number of times, take {@link #snapshot}s, then
 * {@link #close}.
 */
public interface Backend extends AutoCloseable {

    /** Receives the mean loss of each batch as training proceeds (on the training thread). */
    @FunctionalInterface
    interface StepListener {
        StepListener NONE = (step, steps, batchLoss) -> { };

        void onStep(int step, int steps, double batchLoss);
    }

    /** A short description such as "cpu (2 threads)". */
    String description();

    /** How far a call to {@link #trainSteps} got: the next step to run, and the summed loss of the samples it trained on. */
    record Progress(int nextStep, double lossSum, int samples) {
    }

    /**
     * Runs steps {@code [fromStep, steps)} of an epoch of mini-batch gradient descent over the
     * plan's order with learning rate η: for each batch, W ← (1 − 2ηλ) W − (η/m) G Xᵀ and
     * b ← b − (η/m) G 1. Before each step it asks {@code stop} and returns early when told to.
     */
    Progress trainSteps(EpochPlan plan, float eta, int fromStep, StepListener listener,
                        java.util.function.BooleanSupplier stop);

    /**
     * Runs a whole epoch.
     *
     * @return the mean loss over the epoch's (augmented) training samples, before each step
     */
    default double trainEpoch(EpochPlan plan, float eta, StepListener listener) {
        Progress p = trainSteps(plan, eta, 0, listener, () -> false);
        return p.lossSum() / p.samples();
    }

    /** Loss, accuracy and confusion of the current parameters on the given images (no augmentation). */
    Evaluation evaluate(Subset subset);

    /** A copy of the current parameters. */
    LinearModel snapshot();

    @Override
    void close();
}
