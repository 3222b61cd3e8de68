package cifarlinear.train;

/**
 * One row of metrics.csv. Loss is the mean ℓ, cost adds λ‖W‖²; both and the accuracy are
 * measured after the epoch on un-augmented images. Validation fields are NaN without a
 * validation split. {@code epochSeconds} counts the training steps alone, {@code evalSeconds} the
 * evaluation that follows.
 */
public record EpochMetrics(int epoch, double eta, double trainLoss, double trainCost, double trainAccuracy,
                           double valLoss, double valCost, double valAccuracy, double epochSeconds,
                           double evalSeconds) {

    public static final String CSV_HEADER = "epoch,eta,train_loss,train_cost,train_accuracy,val_loss,val_cost,"
            + "val_accuracy,epoch_seconds,eval_seconds";

    public String toCsv() {
        return epoch + "," + num(eta) + "," + num(trainLoss) + "," + num(trainCost) + "," + num(trainAccuracy) + ","
                + num(valLoss) + "," + num(valCost) + "," + num(valAccuracy) + "," + String.format(java.util.Locale.ROOT,
                "%.4f", epochSeconds) + "," + String.format(java.util.Locale.ROOT, "%.4f", evalSeconds);
    }

    /** A row as {@link #toCsv} wrote it; empty fields read as NaN. */
    public static EpochMetrics fromCsv(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 10) {
            throw new IllegalArgumentException("a metrics row has 10 fields, this one " + f.length);
        }
        double[] v = new double[9];
        for (int i = 1; i < 10; i++) {
            v[i - 1] = f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
        }
        return new EpochMetrics(Integer.parseInt(f[0]), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
