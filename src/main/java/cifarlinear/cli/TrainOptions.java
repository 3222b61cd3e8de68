package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.LabelKind;
import cifarlinear.model.Loss;
import cifarlinear.train.RunFolder;
import cifarlinear.train.Schedule;
import cifarlinear.train.TrainConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The hyperparameters of one training run, shared by the commands that train one configuration. */
public final class TrainOptions {
    @Option(names = "--loss", paramLabel = "LOSS", defaultValue = "softmax",
            description = "softmax (cross-entropy) or sigmoid (multiple binary cross-entropy) (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--lambda", paramLabel = "λ", defaultValue = "0.1",
            description = "L2 regularization: the cost adds λ‖W‖² (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100",
            description = "Images per gradient step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "50",
            description = "Passes over the training images (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--schedule", paramLabel = "KIND", defaultValue = "step",
            description = "Learning-rate schedule: step (decay every N epochs), cyclic (triangular), cosine or "
                    + "constant (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--eta", paramLabel = "η", defaultValue = "0.01",
            description = "Learning rate: the initial one, or the largest for cyclic and cosine (default: "
                    + "${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--eta-min", paramLabel = "η", defaultValue = "1e-5",
            description = "Smallest learning rate of the cyclic and cosine schedules (default: ${DEFAULT-VALUE}).")
    double etaMin;

    @Option(names = "--cycle-steps", paramLabel = "N", defaultValue = "0",
            description = "Steps from the bottom to the top of a cyclic schedule; 0: two epochs' worth (default: "
                    + "${DEFAULT-VALUE}).")
    int cycleSteps;

    @Option(names = "--decay-every", paramLabel = "N", defaultValue = "10",
            description = "Multiply η by the decay factor every N epochs; 0 keeps it constant (default: ${DEFAULT-VALUE}).")
    int decayEvery;

    @Option(names = "--decay-factor", paramLabel = "γ", defaultValue = "0.1",
            description = "Learning-rate decay factor, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double decayFactor;

    @Option(names = "--flip", paramLabel = "P", defaultValue = "0.2",
            description = "Probability that a training image is mirrored left-right, drawn afresh each epoch "
                    + "(default: ${DEFAULT-VALUE}).")
    double flip;

    @Option(names = "--shift", paramLabel = "PIXELS", defaultValue = "0",
            description = "Move each training image by up to this many pixels in x and y, drawn afresh each epoch "
                    + "(default: ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of every random choice: validation split, initial W, order and flips "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-std", paramLabel = "σ", defaultValue = "0.01",
            description = "Standard deviation of the initial weights; b starts at 0 (default: ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = "--val", paramLabel = "N", defaultValue = "1000",
            description = "Training images held out for validation; 0 for none (default: ${DEFAULT-VALUE}).")
    int val;

    /** The validated configuration. */
    TrainConfig config() {
        Loss lossFn;
        try {
            lossFn = Loss.parse(loss);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--loss: " + e.getMessage());
        }
        Schedule sched = new Schedule(Schedule.Kind.parse(schedule), eta, etaMin, decayEvery, decayFactor, cycleSteps);
        return new TrainConfig(lossFn, lambda, batch, epochs, sched, flip, shift, seed, initStd, val);
    }

    /** Sets these options, and the data options, from a run's config.json. */
    void apply(Map<String, Object> c, DataOptions dataOptions, Path runDir) {
        try {
            dataOptions.data = (String) c.get("data");
            dataOptions.syntheticSize = ((Number) c.getOrDefault("synthetic_size", dataOptions.syntheticSize)).intValue();
            dataOptions.labels = LabelKind.valueOf(String.valueOf(c.getOrDefault("labels", "fine")).toUpperCase(Locale.ROOT));
            loss = (String) c.get("loss");
            lambda = ((Number) c.get("lambda")).doubleValue();
            batch = ((Number) c.get("batch")).intValue();
            epochs = ((Number) c.get("epochs")).intValue();
            schedule = (String) c.getOrDefault("schedule", "step");
            eta = ((Number) c.get("eta")).doubleValue();
            etaMin = ((Number) c.getOrDefault("eta_min", etaMin)).doubleValue();
            cycleSteps = ((Number) c.getOrDefault("cycle_steps", 0)).intValue();
            decayEvery = ((Number) c.get("decay_every")).intValue();
            decayFactor = ((Number) c.get("decay_factor")).doubleValue();
            flip = ((Number) c.get("flip")).doubleValue();
            shift = ((Number) c.getOrDefault("shift", 0)).intValue();
            seed = ((Number) c.get("seed")).longValue();
            initStd = ((Number) c.get("init_std")).doubleValue();
            val = ((Number) c.get("val")).intValue();
        } catch (RuntimeException e) {
            throw UserError.failure(runDir.resolve(RunFolder.CONFIG) + ": incomplete run configuration ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
