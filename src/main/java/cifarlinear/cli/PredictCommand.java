package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.data.Dataset;
import cifarlinear.data.ImageDecoder;
import cifarlinear.model.Checkpoint;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.model.ReferenceMath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code cifar-linear predict}: the classes a saved model sees in image files. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classifies PNG or JPEG images with a saved model and prints the most likely classes.",
                "Images that are not 32×32 are resized to it first (with a note)."})
public final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "CKPT", required = true, description = "A model.ckpt written by train.")
    Path model;

    @Option(names = "--top", paramLabel = "N", defaultValue = "3",
            description = "How many classes to show per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG files.")
    List<Path> images;

    @Override
    public Integer call() {
        if (top < 1) {
            throw UserError.usage("--top must be ≥ 1, got " + top);
        }
        LinearModel m = Checkpoint.read(model).model();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        double[] w = ReferenceMath.toDouble(m.weights());
        double[] b = ReferenceMath.toDouble(m.bias());
        int failed = 0;
        for (Path image : images) {
            try {
                String note = "";
                BufferedImage img = ImageDecoder.read(read(image), image.toString());
                if (img.getWidth() != Dataset.SIDE || img.getHeight() != Dataset.SIDE) {
                    note = " (resized from " + img.getWidth() + "×" + img.getHeight() + ")";
                    img = resize(img);
                }
                byte[] pixels = new byte[Dataset.DIM];
                ImageDecoder.toChannelMajor(img, pixels, 0);
                double[] x = new double[Dataset.DIM];
                for (int j = 0; j < x.length; j++) {
                    x[j] = ((pixels[j] & 0xFF) - (double) m.stats().mean()[j]) / m.stats().std()[j];
                }
                double[] s = ReferenceMath.scores(w, b, x);
                double[] p = probabilities(m.loss(), s);
                List<Integer> order = IntStream.range(0, p.length).boxed()
                        .sorted(Comparator.comparingDouble((Integer k) -> -s[k])).limit(top).toList();
                List<String> parts = new ArrayList<>();
                for (int k : order) {
                    parts.add(String.format(Locale.ROOT, "%s %.1f %%", m.classNames().get(k), 100 * p[k]));
                }
                out.println(image + note + ": " + String.join(", ", parts));
            } catch (UserError e) {
                err.println(spec.qualifiedName() + ": " + e.getMessage());
                failed++;
            }
        }
        if (m.loss() == Loss.SIGMOID) {
            out.println("(sigmoid model: each percentage is that class's own σ(s), they need not sum to 100 %)");
        }
        out.flush();
        err.flush();
        return failed == 0 ? 0 : UserError.FAILURE;
    }

    private static byte[] read(Path image) {
        try {
            if (Files.size(image) > 64L << 20) {
                throw UserError.failure(image + ": larger than any image this command reads");
            }
            return Files.readAllBytes(image);
        } catch (NoSuchFileException e) {
            throw UserError.failure(image + ": no such file");
        } catch (IOException e) {
            throw UserError.failure(image + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Softmax probabilities, or each class's sigmoid for a sigmoid model. */
    static double[] probabilities(Loss loss, double[] s) {
        double[] p = new double[s.length];
        if (loss == Loss.SIGMOID) {
            for (int k = 0; k < s.length; k++) {
                p[k] = 1 / (1 + Math.exp(-s[k]));
            }
            return p;
        }
        double max = java.util.Arrays.stream(s).max().orElse(0);
        double sum = 0;
        for (int k = 0; k < s.length; k++) {
            p[k] = Math.exp(s[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < s.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /** A 32 × 32 RGB version, scaled smoothly (in steps when shrinking a lot, so that no detail aliases). */
    static BufferedImage resize(BufferedImage src) {
        BufferedImage current = src;
        int w = src.getWidth();
        int h = src.getHeight();
        do {
            w = Math.max(Dataset.SIDE, w / 2 >= Dataset.SIDE ? w / 2 : Dataset.SIDE);
            h = Math.max(Dataset.SIDE, h / 2 >= Dataset.SIDE ? h / 2 : Dataset.SIDE);
            BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = next.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(current, 0, 0, w, h, null);
            g.dispose();
            current = next;
        } while (w != Dataset.SIDE || h != Dataset.SIDE);
        return current;
    }
}
