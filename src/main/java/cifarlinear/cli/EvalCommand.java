package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Subset;
import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.train.Backend;
import cifarlinear.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code cifar-linear eval}: a saved model's accuracy on a data set's test images. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluates a saved model on the test images of a data set: accuracy, per-class accuracy and "
                + "the confusion matrix.")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "CKPT", required = true, description = "A model.ckpt written by train.")
    Path model;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        compute.validate();
        LinearModel m = Checkpoint.read(model).model();
        DataSources.Resolved resolved = dataOptions.resolve();
        CifarData data = dataOptions.load(resolved, out);
        if (!data.classNames().equals(m.classNames())) {
            throw UserError.usage("the model's classes " + m.classNames() + " differ from the data's "
                    + data.classNames());
        }
        Evaluation e;
        try (Backend backend = compute.backend(m, 1, 0)) {
            e = backend.evaluate(Subset.all(data.test())).getFirst();
        }
        out.printf(Locale.ROOT, "Model %s (%s, %d classes) on %d test images:%n", model, m.loss().id(),
                m.classCount(), e.count());
        out.printf(Locale.ROOT, "  accuracy %.2f%%   loss %.4f%n%n", 100 * e.accuracy(), e.loss());
        out.println("Per-class accuracy:");
        Report.perClass(out, m.classNames(), e.perClassAccuracy());
        out.println();
        out.println("Confusion matrix:");
        Report.confusion(out, m.classNames(), e.confusionRows());
        out.flush();
        return 0;
    }
}
