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

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
