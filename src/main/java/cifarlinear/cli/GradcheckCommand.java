package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.FeatureStats;
import cifarlinear.data.Subset;
import cifarlinear.model.GradientCheck;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.model.ReferenceMath;
import cifarlinear.util.Seeds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code cifar-linear gradcheck}: analytic against numerical gradients. */
@Command(name = "gradcheck", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks the analytic gradients of the cost against centered differences, in double precision, "
                + "for every weight and bias, on a few training images.",
                "Exits with 1 when a relative error exceeds the tolerance."})
public final class GradcheckCommand implements Callable<Integer> {
    private static final int GRADCHECK_SYNTHETIC_SIZE = 1000;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "20",
            description = "Training images in the batch (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--loss", paramLabel = "LOSS", split = ",", defaultValue = "softmax,sigmoid",
            description = "Losses to check (default: ${DEFAULT-VALUE}).")
    List<String> losses;

    @Option(names = "--lambda", paramLabel = "λ", split = ",", defaultValue = "0,0.1",
            description = "Regularization strengths to check (default: ${DEFAULT-VALUE}).")
    List<Double> lambdas;

    @Option(names = "--step", paramLabel = "h", defaultValue = "2e-3",
            description = "Finite-difference step (default: ${DEFAULT-VALUE}).")
    double step;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "1e-6",
            description = "Largest relative error allowed (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--init-std", paramLabel = "σ", defaultValue = "0.01",
            description = "Standard deviation of the random weights and biases checked at (default: ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the images picked and of the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (samples < 1) {
            throw UserError.usage("--samples must be ≥ 1, got " + samples);
        }
        if (!(step > 0) || !(tolerance > 0) || !(initStd >= 0)) {
            throw UserError.usage("--step and --tolerance must be > 0 and --init-std ≥ 0");
        }
        UserError.requireValues("--loss", losses);
        UserError.requireValues("--lambda", lambdas);
        List<Loss> lossFns = losses.stream().map(s -> {
            try {
                return Loss.parse(s);
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--loss: " + e.getMessage());
            }
        }).toList();
        for (double l : lambdas) {
            if (!(l >= 0) || Double.isInfinite(l)) {
                throw UserError.usage("--lambda values must be ≥ 0, got " + l);
            }
        }
        DataSources.Resolved resolved = dataOptions.resolve();
        if (resolved.synthetic() && !spec.commandLine().getParseResult().hasMatchedOption("--synthetic-size")) {
            // A few images are checked; a small synthetic set serves as well as the full one.
            dataOptions.syntheticSize = Math.max(GRADCHECK_SYNTHETIC_SIZE, samples);
        }
        CifarData data = dataOptions.load(resolved, out);
        if (samples > data.train().size()) {
            throw UserError.usage("--samples " + samples + " is more than the " + data.train().size()
                    + " training images");
        }
        FeatureStats stats = FeatureStats.of(Subset.all(data.train()));
        int[] rows = data.train().allRows();
        Seeds.shuffle(rows, Seeds.stream(seed, Seeds.Purpose.GRADCHECK, 0));
        double[][] x = new double[samples][];
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            x[i] = ReferenceMath.input(data.train(), rows[i], false, stats);
            y[i] = data.train().label(rows[i]);
        }
        out.printf(Locale.ROOT, "%d images, %d classes × %d features, step h = %s; relative error = "
                + "|a − n| / max(1e-6, |a| + |n|)%n%n", samples, data.classCount(), stats.dim(), step);
        out.println("loss        λ      max abs W    max rel W    max abs b    max rel b   result");
        boolean ok = true;
        for (Loss loss : lossFns) {
            LinearModel m = LinearModel.initial(loss, data.classNames(), stats, initStd, seed);
            double[] w = ReferenceMath.toDouble(m.weights());
            double[] b = new double[m.classCount()];
            var rng = Seeds.stream(seed, Seeds.Purpose.GRADCHECK, 1);
            for (int c = 0; c < b.length; c++) {
                b[c] = initStd * Seeds.gaussian(rng);
            }
            for (double lambda : lambdas) {
                GradientCheck.Result r = GradientCheck.run(loss, w, b, x, y, lambda, step);
                boolean pass = r.maxRel() <= tolerance;
                ok &= pass;
                out.printf(Locale.ROOT, "%-8s %5s   %10.3e   %10.3e   %10.3e   %10.3e   %s%n", loss.id(), lambda,
                        r.maxAbsW(), r.maxRelW(), r.maxAbsB(), r.maxRelB(), pass ? "ok" : "FAIL");
                out.flush();
            }
        }
        out.println();
        String tol = String.format(Locale.ROOT, "%.1e", tolerance);
        out.println(ok ? "All relative errors are within " + tol + "." : "Some relative errors exceed " + tol + ".");
        return ok ? 0 : 1;
    }
}
