package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The training loop: for each epoch, the learning rate of the schedule, a fresh permutation
 * and flip mask, one pass of SGD on the backend, then evaluation on the training and
 * validation splits. At the end, the test split is evaluated once.
 */
public final class Trainer {

    /** Follows a run as it goes. All calls come from the training thread. */
    public interface Listener extends Backend.StepListener {
        default void onEpochStart(int epoch, int epochs, float eta, int steps) {
        }

        @Override
        default void onStep(int step, int steps, double batchLoss) {
        }

        default void onEpochEnd(EpochMetrics metrics) {
        }
    }

    /** Everything a finished run produced. */
    public record Result(LinearModel model, List<EpochMetrics> epochs, Evaluation train, Evaluation val,
                         Evaluation test, double trainSeconds, double evalSeconds, String device) {
    }

    private final TrainConfig config;
    private final Splits splits;

    public Trainer(TrainConfig config, Splits splits) {
        this.config = config;
        this.splits = splits;
    }

    /**
     * Trains from the seeded initial model on the backend that {@code backends} makes for it.
     *
     * @throws UserError when the loss or the weights stop being finite
     */
    public Result run(Function<LinearModel, Backend> backends, Listener listener) {
        LinearModel initial = LinearModel.initial(config.loss(), splits.train().data().classNames(), splits.stats(),
                config.initStd(), config.seed());
        List<EpochMetrics> history = new ArrayList<>();
        double trainSeconds = 0;
        double evalSeconds = 0;
        try (Backend backend = backends.apply(initial)) {
            Evaluation train = null;
            Evaluation val = null;
            for (int e = 0; e < config.epochs(); e++) {
                float eta = config.etaAt(e);
                EpochPlan plan = EpochPlan.draw(config.seed(), e, splits.train(), config.flip());
                listener.onEpochStart(e + 1, config.epochs(), eta, plan.steps(config.batch()));
                long t0 = System.nanoTime();
                double stepLoss = backend.trainEpoch(plan, eta, listener);
                long t1 = System.nanoTime();
                if (!Double.isFinite(stepLoss)) {
                    throw UserError.failure("training diverged in epoch " + (e + 1) + ": the loss became " + stepLoss
                            + "; try a smaller --eta (now " + config.eta() + ")");
                }
                double norm = backend.snapshot().weightNormSquared();
                train = backend.evaluate(splits.train());
                val = splits.val().size() > 0 ? backend.evaluate(splits.val()) : null;
                long t2 = System.nanoTime();
                if (!Double.isFinite(norm)) {
                    throw UserError.failure("training diverged in epoch " + (e + 1)
                            + ": the weights are no longer finite; try a smaller --eta (now " + config.eta() + ")");
                }
                EpochMetrics m = new EpochMetrics(e + 1, eta, train.loss(), train.cost(config.lambda(), norm),
                        train.accuracy(), val == null ? Double.NaN : val.loss(),
                        val == null ? Double.NaN : val.cost(config.lambda(), norm),
                        val == null ? Double.NaN : val.accuracy(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
                trainSeconds += m.epochSeconds();
                evalSeconds += m.evalSeconds();
                history.add(m);
                listener.onEpochEnd(m);
            }
            long t3 = System.nanoTime();
            Evaluation test = backend.evaluate(splits.test());
            evalSeconds += (System.nanoTime() - t3) / 1e9;
            return new Result(backend.snapshot(), List.copyOf(history), train, val, test, trainSeconds, evalSeconds,
                    backend.description());
        }
    }
}
