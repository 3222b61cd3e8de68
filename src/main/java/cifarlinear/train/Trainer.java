package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The training loop: for each epoch, the learning rate of the schedule, a fresh permutation
 * and flip mask, the SGD steps on the backend, then evaluation on the training and validation
 * splits. At the end, the test split is evaluated once.
 *
 * <p>A run can stop between two steps and go on later from a {@link State}: every random draw
 * is a function of (seed, epoch), so the continued run is the same, bit for bit, as one that
 * never stopped.
 */
public final class Trainer {

    /** Follows a run as it goes. All calls come from the training thread. */
    public interface Listener extends Backend.StepListener {
        default void onEpochStart(int epoch, int epochs, float eta, int steps, int fromStep) {
        }

        @Override
        default void onStep(int step, int steps, double batchLoss) {
        }

        default void onEpochEnd(EpochMetrics metrics) {
        }

        /** A state to keep: after every {@code checkpointEvery} epochs, after the last, and when stopped. */
        default void onCheckpoint(State state) {
        }
    }

    /**
     * Where a run stands: the parameters, the next step to run ({@code epoch}, {@code step}),
     * the summed loss and sample count of the steps already run in that epoch, and the metrics
     * and times of the finished epochs.
     */
    public record State(LinearModel model, int epoch, int step, double epochLossSum, int epochSamples,
                        List<EpochMetrics> history, double trainSeconds, double evalSeconds) {
        public State {
            history = List.copyOf(history);
        }

        /** The untrained, seeded start of a run. */
        public static State start(TrainConfig config, Splits splits) {
            LinearModel initial = LinearModel.initial(config.loss(), splits.train().data().classNames(), splits.stats(),
                    config.initStd(), config.seed());
            return new State(initial, 0, 0, 0, 0, List.of(), 0, 0);
        }
    }

    /** What a run produced; {@code test} is null when it stopped before the end. */
    public record Result(State state, Evaluation train, Evaluation val, Evaluation test, String device) {
        public boolean finished() {
            return test != null;
        }

        public LinearModel model() {
            return state.model();
        }

        public List<EpochMetrics> epochs() {
            return state.history();
        }
    }

    private final TrainConfig config;
    private final Splits splits;
    private final int checkpointEvery;

    /** @param checkpointEvery epochs between checkpoints (0: only when stopped and at the end) */
    public Trainer(TrainConfig config, Splits splits, int checkpointEvery) {
        this.config = config;
        this.splits = splits;
        this.checkpointEvery = checkpointEvery;
    }

    public Trainer(TrainConfig config, Splits splits) {
        this(config, splits, 0);
    }

    /** Trains from the seeded start on the backend that {@code backends} makes for it. */
    public Result run(Function<LinearModel, Backend> backends, Listener listener) {
        return run(backends, listener, State.start(config, splits), () -> false);
    }

    /**
     * Trains from {@code start} until the last epoch or until {@code stop} says so (checked
     * between steps); a stopped run ends with a checkpoint of where it stood.
     *
     * @throws UserError when the loss or the weights stop being finite
     */
    public Result run(Function<LinearModel, Backend> backends, Listener listener, State start, BooleanSupplier stop) {
        List<EpochMetrics> history = new ArrayList<>(start.history());
        double trainSeconds = start.trainSeconds();
        double evalSeconds = start.evalSeconds();
        try (Backend backend = backends.apply(start.model())) {
            Evaluation train = null;
            Evaluation val = null;
            int fromStep = start.step();
            double lossSum = start.epochLossSum();
            int samples = start.epochSamples();
            for (int e = start.epoch(); e < config.epochs(); e++) {
                float eta = config.etaAt(e);
                EpochPlan plan = EpochPlan.draw(config.seed(), e, splits.train(), config.flip());
                int steps = plan.steps(config.batch());
                listener.onEpochStart(e + 1, config.epochs(), eta, steps, fromStep);
                long t0 = System.nanoTime();
                Backend.Progress p = backend.trainSteps(plan, eta, fromStep, listener, stop);
                long t1 = System.nanoTime();
                trainSeconds += (t1 - t0) / 1e9;
                lossSum += p.lossSum();
                samples += p.samples();
                if (!Double.isFinite(lossSum)) {
                    throw diverged(e, "the training loss became " + lossSum);
                }
                if (p.nextStep() < steps) {
                    State stopped = new State(backend.snapshot(), e, p.nextStep(), lossSum, samples, history, trainSeconds,
                            evalSeconds);
                    listener.onCheckpoint(stopped);
                    return new Result(stopped, null, null, null, backend.description());
                }
                LinearModel model = backend.snapshot();
                double norm = model.weightNormSquared();
                if (!Double.isFinite(norm)) {
                    throw diverged(e, "the weights are no longer finite");
                }
                train = backend.evaluate(splits.train());
                val = splits.val().size() > 0 ? backend.evaluate(splits.val()) : null;
                long t2 = System.nanoTime();
                EpochMetrics m = new EpochMetrics(e + 1, eta, train.loss(), train.cost(config.lambda(), norm),
                        train.accuracy(), val == null ? Double.NaN : val.loss(),
                        val == null ? Double.NaN : val.cost(config.lambda(), norm),
                        val == null ? Double.NaN : val.accuracy(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
                evalSeconds += m.evalSeconds();
                history.add(m);
                listener.onEpochEnd(m);
                fromStep = 0;
                lossSum = 0;
                samples = 0;
                boolean last = e + 1 == config.epochs();
                if (last || (checkpointEvery > 0 && (e + 1) % checkpointEvery == 0)) {
                    listener.onCheckpoint(new State(model, e + 1, 0, 0, 0, history, trainSeconds, evalSeconds));
                }
            }
            if (train == null) {
                // Resumed after the last epoch had already ended: measure the final model again.
                train = backend.evaluate(splits.train());
                val = splits.val().size() > 0 ? backend.evaluate(splits.val()) : null;
            }
            long t3 = System.nanoTime();
            Evaluation test = backend.evaluate(splits.test());
            evalSeconds += (System.nanoTime() - t3) / 1e9;
            State end = new State(backend.snapshot(), config.epochs(), 0, 0, 0, history, trainSeconds, evalSeconds);
            return new Result(end, train, val, test, backend.description());
        }
    }

    private UserError diverged(int epoch, String what) {
        return UserError.failure("training diverged in epoch " + (epoch + 1) + ": " + what + "; try a smaller --eta (now "
                + config.eta() + ")");
    }
}
