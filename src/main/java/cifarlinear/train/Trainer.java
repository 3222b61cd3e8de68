package cifarlinear.train;

import cifarlinear.UserError;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The training loop: for each epoch, a fresh permutation and augmentation, the SGD steps on the
 * backend with each step's learning rate, then evaluation on the training and validation
 * splits. At the end, the test split is evaluated once.
 *
 * <p>Several configurations that share the batches ({@link TrainConfig#sameStream}) train side
 * by side on one stream of data. A run can stop between two steps and go on later from a
 * {@link State}: every random draw is a function of (seed, epoch), so the continued run is the
 * same, bit for bit, as one that never stopped.
 */
public final class Trainer {

    /** Follows a run as it goes. All calls come from the training thread. */
    public interface Listener extends Backend.StepListener {
        default void onEpochStart(int epoch, int epochs, int steps, int fromStep) {
        }

        @Override
        default void onStep(int step, int steps, double batchLoss) {
        }

        default void onEpochEnd(int model, EpochMetrics metrics) {
        }

        /** A state to keep: after every {@code checkpointEvery} epochs, after the last, and when stopped. */
        default void onCheckpoint(State state) {
        }
    }

    /**
     * What to do besides training.
     *
     * @param checkpointEvery    epochs between checkpoints (0: only when stopped and at the end)
     * @param trainEachEpoch     evaluate the training split after every epoch (else after the last only)
     * @param test               evaluate the test split at the end
     * @param stopOnDivergence   stop with an error when a model's loss or weights stop being finite
     *                           (else that model's metrics read NaN and the others go on)
     */
    public record Options(int checkpointEvery, boolean trainEachEpoch, boolean test, boolean stopOnDivergence) {
        public static final Options TRAIN = new Options(0, true, true, true);

        public Options withCheckpointEvery(int n) {
            return new Options(n, trainEachEpoch, test, stopOnDivergence);
        }
    }

    /**
     * Where a run stands: the models, the next step to run ({@code epoch}, {@code step}), the
     * summed loss of each model over the steps already run in that epoch, and the metrics and
     * times of the finished epochs.
     */
    public record State(List<LinearModel> models, int epoch, int step, double[] epochLossSums, int epochSamples,
                        List<List<EpochMetrics>> histories, double trainSeconds, double evalSeconds) {
        public State {
            models = List.copyOf(models);
            histories = histories.stream().map(List::copyOf).toList();
            epochLossSums = epochLossSums.clone();
        }

        /** The untrained, seeded start of each configuration. */
        public static State start(List<TrainConfig> configs, Splits splits) {
            List<LinearModel> models = new ArrayList<>();
            List<List<EpochMetrics>> histories = new ArrayList<>();
            for (TrainConfig c : configs) {
                models.add(LinearModel.initial(c.loss(), splits.train().data().classNames(), splits.stats(), c.initStd(),
                        c.seed()));
                histories.add(List.of());
            }
            return new State(models, 0, 0, new double[configs.size()], 0, histories, 0, 0);
        }

        public static State start(TrainConfig config, Splits splits) {
            return start(List.of(config), splits);
        }

        /** The first (for a single run: the) model. */
        public LinearModel model() {
            return models.getFirst();
        }

        public List<EpochMetrics> history() {
            return histories.getFirst();
        }
    }

    /** What a run produced. Evaluations are per model; {@code test} is null when not asked for. */
    public record Result(State state, boolean finished, List<Evaluation> train, List<Evaluation> val,
                         List<Evaluation> test, String device) {
        public LinearModel model() {
            return state.model();
        }

        public List<EpochMetrics> epochs() {
            return state.history();
        }
    }

    private final List<TrainConfig> configs;
    private final TrainConfig shared;
    private final Splits splits;
    private final Options options;

    public Trainer(List<TrainConfig> configs, Splits splits, Options options) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("nothing to train");
        }
        this.shared = configs.getFirst();
        for (TrainConfig c : configs) {
            if (!c.sameStream(shared)) {
                throw new IllegalArgumentException("configurations trained together must share batch, epochs, "
                        + "augmentation, seed and validation split");
            }
        }
        this.configs = List.copyOf(configs);
        this.splits = splits;
        this.options = options;
    }

    public Trainer(TrainConfig config, Splits splits, int checkpointEvery) {
        this(List.of(config), splits, Options.TRAIN.withCheckpointEvery(checkpointEvery));
    }

    public Trainer(TrainConfig config, Splits splits) {
        this(config, splits, 0);
    }

    /** Trains from the seeded start on the backend that {@code backends} makes for the models. */
    public Result run(Function<List<LinearModel>, Backend> backends, Listener listener) {
        return run(backends, listener, State.start(configs, splits), () -> false);
    }

    /**
     * Trains from {@code start} until the last epoch or until {@code stop} says so (checked
     * between steps); a stopped run ends with a checkpoint of where it stood.
     *
     * @throws UserError when a loss or weights stop being finite and the options say to stop
     */
    public Result run(Function<List<LinearModel>, Backend> backends, Listener listener, State start, BooleanSupplier stop) {
        int count = configs.size();
        List<List<EpochMetrics>> histories = new ArrayList<>();
        for (List<EpochMetrics> h : start.histories()) {
            histories.add(new ArrayList<>(h));
        }
        double trainSeconds = start.trainSeconds();
        double evalSeconds = start.evalSeconds();
        boolean[] diverged = new boolean[count];
        try (Backend backend = backends.apply(start.models())) {
            List<Evaluation> train = null;
            List<Evaluation> val = null;
            int fromStep = start.step();
            double[] lossSums = start.epochLossSums().clone();
            int samples = start.epochSamples();
            int steps = (splits.train().size() + shared.batch() - 1) / shared.batch();
            for (int e = start.epoch(); e < shared.epochs(); e++) {
                EpochPlan plan = EpochPlan.draw(shared, e, splits.train());
                float[][] etas = new float[count][];
                for (int m = 0; m < count; m++) {
                    etas[m] = configs.get(m).schedule().epoch(e, steps, shared.epochs());
                }
                listener.onEpochStart(e + 1, shared.epochs(), steps, fromStep);
                long t0 = System.nanoTime();
                Backend.Progress p = backend.trainSteps(plan, etas, fromStep, listener, stop);
                long t1 = System.nanoTime();
                trainSeconds += (t1 - t0) / 1e9;
                for (int m = 0; m < count; m++) {
                    lossSums[m] += p.lossSums()[m];
                }
                samples += p.samples();
                checkFinite(e, lossSums, "the training loss became ", diverged);
                if (p.nextStep() < steps) {
                    State stopped = new State(snapshots(backend), e, p.nextStep(), lossSums, samples, histories,
                            trainSeconds, evalSeconds);
                    listener.onCheckpoint(stopped);
                    return new Result(stopped, false, null, null, null, backend.description());
                }
                List<LinearModel> models = snapshots(backend);
                double[] norms = models.stream().mapToDouble(LinearModel::weightNormSquared).toArray();
                checkFinite(e, norms, "the weights are no longer finite: ‖W‖² = ", diverged);
                boolean last = e + 1 == shared.epochs();
                train = options.trainEachEpoch() || last ? backend.evaluate(splits.train()) : null;
                val = splits.val().size() > 0 ? backend.evaluate(splits.val()) : null;
                long t2 = System.nanoTime();
                evalSeconds += (t2 - t1) / 1e9;
                for (int m = 0; m < count; m++) {
                    double lambda = configs.get(m).lambda();
                    Evaluation tr = train == null ? null : train.get(m);
                    Evaluation va = val == null ? null : val.get(m);
                    EpochMetrics metrics = new EpochMetrics(e + 1, etas[m][0],
                            tr == null ? Double.NaN : tr.loss(), tr == null ? Double.NaN : tr.cost(lambda, norms[m]),
                            tr == null ? Double.NaN : tr.accuracy(), va == null ? Double.NaN : va.loss(),
                            va == null ? Double.NaN : va.cost(lambda, norms[m]), va == null ? Double.NaN : va.accuracy(),
                            (t1 - t0) / 1e9, (t2 - t1) / 1e9);
                    histories.get(m).add(metrics);
                    listener.onEpochEnd(m, metrics);
                }
                fromStep = 0;
                Arrays.fill(lossSums, 0);
                samples = 0;
                if (last || (options.checkpointEvery() > 0 && (e + 1) % options.checkpointEvery() == 0)) {
                    listener.onCheckpoint(new State(models, e + 1, 0, lossSums, 0, histories, trainSeconds, evalSeconds));
                }
            }
            if (train == null) {
                // Resumed after the last epoch had already ended: measure the final models again.
                train = backend.evaluate(splits.train());
                val = splits.val().size() > 0 ? backend.evaluate(splits.val()) : null;
            }
            List<Evaluation> test = null;
            if (options.test()) {
                long t3 = System.nanoTime();
                test = backend.evaluate(splits.test());
                evalSeconds += (System.nanoTime() - t3) / 1e9;
            }
            State end = new State(snapshots(backend), shared.epochs(), 0, new double[count], 0, histories, trainSeconds,
                    evalSeconds);
            return new Result(end, true, train, val, test, backend.description());
        }
    }

    private static List<LinearModel> snapshots(Backend backend) {
        List<LinearModel> models = new ArrayList<>();
        for (int m = 0; m < backend.models(); m++) {
            models.add(backend.snapshot(m));
        }
        return models;
    }

    private void checkFinite(int epoch, double[] values, String what, boolean[] diverged) {
        for (int m = 0; m < values.length; m++) {
            if (!Double.isFinite(values[m]) && !diverged[m]) {
                diverged[m] = true;
                if (options.stopOnDivergence()) {
                    throw UserError.failure("training diverged in epoch " + (epoch + 1) + ": " + what + values[m]
                            + "; try a smaller --eta (now " + configs.get(m).eta() + ")");
                }
            }
        }
    }
}
