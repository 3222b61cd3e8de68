package cifarlinear.report;

import cifarlinear.data.Dataset;
import cifarlinear.model.LinearModel;
import cifarlinear.train.EpochMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.IChart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The figures of a report, as PNG bytes: drawn headless with XChart (the weight images by hand),
 * in one style, with titles, axis labels with units and legends. The same inputs give the same
 * bytes on the same machine.
 */
public final class Figures {
    static final int WIDTH = 800;
    static final int HEIGHT = 480;
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};
    private static final Font BASE = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);

    /** Why figures cannot be drawn here ("" where they can), once asked. */
    private static String unavailable;

    private Figures() {
    }

    /**
     * Why no figure can be drawn on this system, or null where they can: every figure has text,
     * and Java draws text with the system's fonts, which a machine without fontconfig or any font
     * (a bare container, say) does not have. Tried once, on a small image.
     */
    public static synchronized String unavailable() {
        if (unavailable == null) {
            unavailable = fontProblem();
        }
        return unavailable.isEmpty() ? null : unavailable;
    }

    private static String fontProblem() {
        try {
            Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
            try {
                g.setFont(BASE);
                g.drawString("Ag", 0, 8);
                g.getFontMetrics().stringWidth("Ag");
            } finally {
                g.dispose();
            }
            return "";
        } catch (RuntimeException | LinkageError | InternalError e) {
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
            return "no fonts to draw their text with (" + message + "); install fontconfig and a font, such as "
                    + "DejaVu (the fonts-dejavu-core package)";
        }
    }

    private static <T extends Styler> T style(T s) {
        s.setBaseFont(BASE);
        s.setChartTitleFont(TITLE);
        s.setLegendFont(BASE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        s.setSeriesColors(SERIES);
        s.setAntiAlias(true);
        s.setTextAntiAlias(true);
        return s;
    }

    static byte[] png(IChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static XYChart curves(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        style(chart.getStyler()).setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xe0e0e0));
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    private static XYSeries addCurve(XYChart chart, String name, List<EpochMetrics> h,
                                     ToDoubleFunction<EpochMetrics> value, boolean dashed) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (EpochMetrics m : h) {
            double v = value.applyAsDouble(m);
            if (Double.isFinite(v)) {
                x.add((double) m.epoch());
                y.add(v);
            }
        }
        if (x.isEmpty()) {
            return null;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(x.size() <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        if (dashed) {
            s.setLineStyle(new java.awt.BasicStroke(2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                    10f, new float[] {6f, 4f}, 0f));
        }
        return s;
    }

    /** Loss (mean ℓ) and cost (with λ‖W‖²) per epoch, training and validation. */
    public static byte[] lossCurves(List<EpochMetrics> h) {
        XYChart chart = curves("Loss and cost per epoch", "loss ℓ  /  cost J = ℓ + λ‖W‖²");
        addCurve(chart, "training loss", h, EpochMetrics::trainLoss, false);
        addCurve(chart, "validation loss", h, EpochMetrics::valLoss, false);
        addCurve(chart, "training cost", h, EpochMetrics::trainCost, true);
        addCurve(chart, "validation cost", h, EpochMetrics::valCost, true);
        return png(chart);
    }

    /** Accuracy per epoch, training and validation, in percent. */
    public static byte[] accuracyCurves(List<EpochMetrics> h) {
        XYChart chart = curves("Accuracy per epoch", "accuracy (%)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        addCurve(chart, "training", h, m -> 100 * m.trainAccuracy(), false);
        addCurve(chart, "validation", h, m -> 100 * m.valAccuracy(), false);
        return png(chart);
    }

    /** Validation (solid) and training (dashed) accuracy per epoch of several runs, in percent. */
    public static byte[] accuracyCurves(List<String> names, List<List<EpochMetrics>> histories) {
        XYChart chart = curves("Accuracy per epoch", "accuracy (%)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        // One colour per run: solid for validation, dashed for training.
        for (int m = 0; m < names.size(); m++) {
            Color color = SERIES[m % SERIES.length];
            for (boolean training : new boolean[] {false, true}) {
                XYSeries s = addCurve(chart, names.get(m) + (training ? ", training" : ", validation"), histories.get(m),
                        e -> 100 * (training ? e.trainAccuracy() : e.valAccuracy()), training);
                if (s != null) {
                    s.setLineColor(color);
                    s.setMarkerColor(color);
                }
            }
        }
        return png(chart);
    }

    /** The learning rate of every update step. */
    public static byte[] learningRate(double[] etaPerStep, int stepsPerEpoch, boolean logScale) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Learning-rate schedule")
                .xAxisTitle("epoch (" + stepsPerEpoch + " update steps each)").yAxisTitle("learning rate η").build();
        style(chart.getStyler()).setLegendVisible(false);
        chart.getStyler().setPlotGridLinesColor(new Color(0xe0e0e0));
        chart.getStyler().setYAxisLogarithmic(logScale);
        chart.getStyler().setYAxisDecimalPattern("0.#####");
        int stride = Math.max(1, etaPerStep.length / 2000);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int t = 0; t < etaPerStep.length; t += stride) {
            x.add((double) t / stepsPerEpoch);
            y.add(etaPerStep[t]);
        }
        x.add((double) etaPerStep.length / stepsPerEpoch);
        y.add(etaPerStep[etaPerStep.length - 1]);
        chart.addSeries("η", x, y).setMarker(SeriesMarkers.NONE);
        return png(chart);
    }

    /** Per-class test accuracy as bars, in percent; one series per model when there are several. */
    public static byte[] perClassBars(String title, List<String> classes, List<String> names, List<double[]> accuracies) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("class")
                .yAxisTitle("test accuracy (%)").build();
        style(chart.getStyler()).setLegendVisible(names.size() > 1);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        chart.getStyler().setLabelsVisible(names.size() == 1);
        chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setYAxisDecimalPattern("0");
        chart.getStyler().setXAxisLabelRotation(classes.size() > 12 ? 90 : classes.size() > 6 ? 30 : 0);
        chart.getStyler().setXAxisTickMarkSpacingHint(10);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        for (int m = 0; m < names.size(); m++) {
            List<Double> v = new ArrayList<>();
            for (double a : accuracies.get(m)) {
                v.add(Double.isNaN(a) ? 0 : 100 * a);
            }
            chart.addSeries(names.get(m), classes, v);
        }
        return png(chart);
    }

    /** The confusion matrix as a heatmap: rows the true class, columns the predicted one, cells counts. */
    public static byte[] confusion(List<String> classes, long[] counts) {
        int k = classes.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(WIDTH, 60 + 58 * Math.min(k, 20)))
                .height(Math.max(HEIGHT + 80, 60 + 40 * Math.min(k, 20))).title("Confusion matrix (test images)")
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        style(chart.getStyler());
        chart.getStyler().setShowValue(k <= 20);
        chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setHeatMapValueDecimalPattern("0");
        chart.getStyler().setRangeColors(new Color[] {new Color(0xffffff), new Color(0x9ecae1), new Color(0x3182bd)});
        chart.getStyler().setValueFontColor(Color.BLACK);
        chart.getStyler().setMin(0);
        chart.getStyler().setXAxisLabelRotation(k > 6 ? 45 : 0);
        chart.getStyler().setXAxisTickMarkSpacingHint(10);
        chart.getStyler().setYAxisTickMarkSpacingHint(10);
        chart.getStyler().setLegendVisible(true);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                // The heatmap's y axis runs upwards; put the first class at the top.
                cells.add(new Number[] {p, k - 1 - t, counts[t * k + p]});
            }
        }
        List<String> reversed = new ArrayList<>(classes);
        java.util.Collections.reverse(reversed);
        chart.addSeries("images", classes, reversed, cells);
        return png(chart);
    }

    /** Validation accuracy (%) over a two-parameter grid: columns the first parameter's values, rows the second's. */
    public static byte[] gridHeatmap(String title, String xName, List<String> xValues, String yName, List<String> yValues,
                                     double[][] percent) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xName)
                .yAxisTitle(yName).build();
        style(chart.getStyler());
        chart.getStyler().setShowValue(true);
        chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setHeatMapValueDecimalPattern("0.0");
        chart.getStyler().setRangeColors(new Color[] {new Color(0xfff5eb), new Color(0xfdae6b), new Color(0xe6550d)});
        chart.getStyler().setValueFontColor(Color.BLACK);
        chart.getStyler().setXAxisTickMarkSpacingHint(10);
        chart.getStyler().setYAxisTickMarkSpacingHint(10);
        List<Number[]> cells = new ArrayList<>();
        for (int yi = 0; yi < yValues.size(); yi++) {
            for (int xi = 0; xi < xValues.size(); xi++) {
                double v = percent[yi][xi];
                if (!Double.isNaN(v)) {
                    cells.add(new Number[] {xi, yi, Math.round(v * 10) / 10.0});
                }
            }
        }
        chart.addSeries("validation accuracy (%)", xValues, yValues, cells);
        return png(chart);
    }

    /**
     * Histograms of the probability given to the true class, for test images classified
     * correctly and incorrectly, as a share of each group (20 bins of width 0.05).
     */
    public static byte[] trueClassProbability(String title, List<String> names, List<float[]> probability,
                                              List<boolean[]> correct) {
        int bins = 20;
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("probability given to the true class").yAxisTitle("share of the group's images (%)").build();
        style(chart.getStyler()).setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setAvailableSpaceFill(0.9);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setXAxisTickMarkSpacingHint(10);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setYAxisDecimalPattern("0");
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(String.format(java.util.Locale.ROOT, "%.2f–%.2f", b / (double) bins, (b + 1) / (double) bins));
        }
        for (int m = 0; m < names.size(); m++) {
            for (boolean wanted : new boolean[] {true, false}) {
                double[] h = new double[bins];
                int n = 0;
                float[] p = probability.get(m);
                boolean[] c = correct.get(m);
                for (int i = 0; i < p.length; i++) {
                    if (c[i] == wanted) {
                        h[Math.min(bins - 1, (int) (p[i] * bins))]++;
                        n++;
                    }
                }
                List<Double> share = new ArrayList<>();
                for (double v : h) {
                    share.add(n == 0 ? 0 : 100 * v / n);
                }
                String group = (wanted ? "correct" : "incorrect") + " (" + n + " images)";
                chart.addSeries(names.size() > 1 ? names.get(m) + ": " + group : group, labels, share);
            }
        }
        return png(chart);
    }

    /**
     * Each class's row of W as a 32 × 32 colour image (rescaled to 0–255 over the row), enlarged
     * without smoothing, with the class name underneath.
     */
    public static byte[] weightImages(String title, LinearModel model) {
        int k = model.classCount();
        int cols = Math.min(k, k <= 10 ? 5 : 10);
        int rows = (k + cols - 1) / cols;
        int scale = k <= 20 ? 4 : 3;
        int cell = Dataset.SIDE * scale;
        int labelHeight = 22;
        int pad = 14;
        int titleHeight = 36;
        int width = pad + cols * (cell + pad);
        int height = titleHeight + rows * (cell + labelHeight + pad) + pad / 2;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        FontMetrics tm = g.getFontMetrics();
        g.drawString(title, (width - tm.stringWidth(title)) / 2, 24);
        g.setFont(BASE);
        FontMetrics fm = g.getFontMetrics();
        float[] w = model.weights();
        int d = model.dim();
        for (int c = 0; c < k; c++) {
            BufferedImage tile = new BufferedImage(Dataset.SIDE, Dataset.SIDE, BufferedImage.TYPE_INT_RGB);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) {
                min = Math.min(min, w[c * d + j]);
                max = Math.max(max, w[c * d + j]);
            }
            float range = max > min ? max - min : 1;
            for (int p = 0; p < Dataset.PLANE; p++) {
                int r = Math.round(255 * (w[c * d + p] - min) / range);
                int gr = Math.round(255 * (w[c * d + Dataset.PLANE + p] - min) / range);
                int b = Math.round(255 * (w[c * d + 2 * Dataset.PLANE + p] - min) / range);
                tile.setRGB(p % Dataset.SIDE, p / Dataset.SIDE, r << 16 | gr << 8 | b);
            }
            int x = pad + (c % cols) * (cell + pad);
            int y = titleHeight + (c / cols) * (cell + labelHeight + pad);
            g.drawImage(tile, x, y, cell, cell, null);
            String name = model.classNames().get(c);
            while (fm.stringWidth(name) > cell + pad - 2 && name.length() > 1) {
                name = name.substring(0, name.length() - 1);
            }
            g.drawString(name, x + (cell - fm.stringWidth(name)) / 2, y + cell + 16);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
