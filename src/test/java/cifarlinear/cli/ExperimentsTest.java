package cifarlinear.cli;

import cifarlinear.model.Checkpoint;
import cifarlinear.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reports, sweeps, comparisons and predictions through the command line. */
class ExperimentsTest {
    @TempDir
    Path dir;

    private static final List<String> SMALL = List.of("--data", "synthetic", "--synthetic-size", "2000", "--val", "200",
            "--epochs", "3", "--no-progress");

    private static String[] args(List<String> head, String... tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(SMALL);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    @Test
    void aRunsReportHasEveryFigureAndIsTheSameWhenMadeAgain() throws Exception {
        Path run = dir.resolve("run");
        CliRun r = CliRun.of(args(List.of("train"), "--schedule", "cyclic", "--eta", "0.05", "--shift", "2", "--out",
                run.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> figures = List.of(RunReport.LOSS, RunReport.ACCURACY, RunReport.LEARNING_RATE, RunReport.WEIGHTS,
                RunReport.PER_CLASS, RunReport.CONFUSION, RunReport.PROBABILITY);
        for (String f : figures) {
            BufferedImage img = ImageIO.read(run.resolve(f).toFile());
            assertThat(img.getWidth()).as(f).isGreaterThan(500);
        }
        String html = Files.readString(run.resolve("report.html"));
        assertThat(html).contains("<h2>Configuration</h2>").contains("cyclic").contains("data:image/png;base64,")
                .containsOnlyOnce("id=\"generated\"");
        byte[][] before = new byte[figures.size()][];
        for (int i = 0; i < figures.size(); i++) {
            before[i] = Files.readAllBytes(run.resolve(figures.get(i)));
        }
        CliRun again = CliRun.of("report", run.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        for (int i = 0; i < figures.size(); i++) {
            assertThat(Files.readAllBytes(run.resolve(figures.get(i)))).as(figures.get(i)).isEqualTo(before[i]);
        }
        String remade = Files.readString(run.resolve("report.html"));
        assertThat(remade.replaceAll("<p id=\"generated\">.*</p>", ""))
                .isEqualTo(html.replaceAll("<p id=\"generated\">.*</p>", ""));
    }

    @Test
    void aSweepRanksItsGridAndStackingChangesNoResult() throws Exception {
        Path stacked = dir.resolve("stacked");
        CliRun r = CliRun.of(args(List.of("sweep"), "--lambda", "0,0.1", "--eta", "0.01,0.05", "--loss", "softmax",
                "--out", stacked.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("4 configurations in 1 pass over the data");
        List<String> csv = Files.readAllLines(stacked.resolve("sweep.csv"));
        assertThat(csv).hasSize(5);
        assertThat(csv.getFirst()).isEqualTo("rank,lambda,eta,val_accuracy,val_loss,train_accuracy,test_accuracy,run");
        double previous = 1;
        for (String line : csv.subList(1, 5)) {
            double accuracy = Double.parseDouble(line.split(",")[3]);
            assertThat(accuracy).isLessThanOrEqualTo(previous);
            previous = accuracy;
        }
        // Only the winner meets the test images.
        assertThat(csv.get(1).split(",")[6]).isNotEmpty();
        assertThat(csv.get(2).split(",", -1)[6]).isEmpty();
        assertThat(stacked.resolve("heatmap.png")).exists();
        assertThat(Files.readString(stacked.resolve("sweep.md"))).startsWith("| rank | lambda | eta |");
        String winner = csv.get(1).split(",")[7];
        assertThat(stacked.resolve(winner).resolve("report.html")).exists();
        assertThat(r.out()).contains("Trained 4 configurations in ")
                .contains("Best by validation accuracy: " + winner.substring(winner.indexOf('-') + 1) + ", test accuracy ");

        Path alone = dir.resolve("alone");
        CliRun separate = CliRun.of(args(List.of("sweep"), "--lambda", "0,0.1", "--eta", "0.01,0.05", "--no-stack",
                "--out", alone.toString()));
        assertThat(separate.exitCode()).as(separate.err()).isZero();
        assertThat(separate.out()).contains("4 configurations in 4 passes over the data");
        for (String line : csv.subList(1, 5)) {
            String run = line.split(",")[7];
            assertThat(Checkpoint.read(alone.resolve(run).resolve("model.ckpt")).model().weights())
                    .containsExactly(Checkpoint.read(stacked.resolve(run).resolve("model.ckpt")).model().weights());
        }
    }

    @Test
    void aSweepOfOneConfigurationSaysSoInTheSingular() {
        Path out = dir.resolve("one");
        CliRun r = CliRun.of(args(List.of("sweep"), "--lambda", "0.1", "--out", out.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 configuration in 1 pass over the data")
                .contains("Trained 1 configuration in ").contains("test accuracy ")
                .doesNotContain("configurations").doesNotContain("Best by");
    }

    @Test
    void compareTrainsBothLossesOnTheSameBatches() throws Exception {
        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of(args(List.of("compare"), "--out", out.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String md = Files.readString(out.resolve("compare.md"));
        assertThat(md).contains("| softmax | 100 | 3 | 0.01 | ×0.1 every 10 epochs | 0.1 | 0.2 | 0 |")
                .contains("| sigmoid | 100 | 3 |");
        for (String f : List.of("compare.html", "per_class_accuracy.png", "accuracy.png", "weights_softmax.png",
                "weights_sigmoid.png", "true_class_probability_softmax.png", "softmax/report.html", "sigmoid/model.ckpt")) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        // The softmax half is the train command's run, bit for bit.
        Path alone = dir.resolve("alone");
        assertThat(CliRun.of(args(List.of("train"), "--out", alone.toString())).exitCode()).isZero();
        assertThat(Checkpoint.read(out.resolve("softmax/model.ckpt")).model().weights())
                .containsExactly(Checkpoint.read(alone.resolve("model.ckpt")).model().weights());
        CliRun withLoss = CliRun.of(args(List.of("compare"), "--loss", "sigmoid", "--out", dir.resolve("x").toString()));
        assertThat(withLoss.exitCode()).isEqualTo(2);
        assertThat(withLoss.errLines()[0]).contains("--loss cannot be given to compare");
    }

    @Test
    void predictNamesTheLikelyClassesAndResizesOtherSizes() throws Exception {
        Path run = dir.resolve("run");
        assertThat(CliRun.of(args(List.of("train"), "--out", run.toString())).exitCode()).isZero();
        Path small = dir.resolve("small.png");
        Path big = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", small.toFile());
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", big.toFile());
        Path junk = Files.writeString(dir.resolve("junk.jpg"), "not an image");
        Path huge = dir.resolve("huge.png");
        ImageIO.write(new BufferedImage(4097, 1, BufferedImage.TYPE_INT_RGB), "png", huge.toFile());
        CliRun r = CliRun.of("predict", "--model", run.resolve("model.ckpt").toString(), "--top", "2", small.toString(),
                big.toString(), junk.toString(), huge.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern(java.util.regex.Pattern.quote(small.toString())
                + ": class-\\d \\d+\\.\\d %, class-\\d \\d+\\.\\d %");
        assertThat(r.out()).contains(big + " (resized from 64×48): ");
        assertThat(r.errLines()).containsExactly("cifar-linear predict: " + junk + ": not a PNG or JPEG file",
                "cifar-linear predict: " + huge + ": image is 4097×1, larger than the 4096×4096 this reads");
    }

    @Test
    void compareNamesTheDecayOfTheSchedule() {
        var step = cifarlinear.train.Schedule.Kind.STEP;
        assertThat(CompareCommand.decay(cifarlinear.train.Schedule.SEED)).isEqualTo("×0.1 every 10 epochs");
        assertThat(CompareCommand.decay(new cifarlinear.train.Schedule(step, 0.01, 0, 1, 0.5, 0)))
                .isEqualTo("×0.5 every epoch");
        assertThat(CompareCommand.decay(new cifarlinear.train.Schedule(step, 0.01, 0, 0, 0.5, 0))).isEqualTo("none");
    }
}
