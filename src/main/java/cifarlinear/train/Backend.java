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

    /**
     * Runs one epoch of mini-batch gradient descent over the plan's order with learning rate
     * η: for each batch, W ← (1 − 2ηλ) W − (η/m) G Xᵀ and b ← b − (η/m) G 1.
     *
     * @return the mean loss over the epoch's (augmented) training samples, before each step
     */
    double trainEpoch(EpochPlan plan, float eta, StepListener listener);

    /** Loss, accuracy and confusion of the current parameters on the given images (no augmentation). */
    Evaluation evaluate(Subset subset);

    /** A copy of the current parameters. */
    LinearModel snapshot();

    @Override
    void close();
}
