package cifarlinear.data;

import cifarlinear.UserError;
import cifarlinear.util.Seeds;

import java.util.Arrays;

/**
 * Training, validation and test subsets and the feature statistics of the training subset.
 * The validation images are {@code val} images of the training set chosen by a seeded shuffle.
 */
public record Splits(Subset train, Subset val, Subset test, FeatureStats stats) {

    public static Splits of(CifarData data, int val, long seed) {
        int n = data.train().size();
        if (val < 0 || val >= n) {
            throw UserError.usage("--val must be in [0, " + (n - 1) + "] for a training set of " + n
                    + " images (got " + val + ")");
        }
        int[] rows = data.train().allRows();
        Seeds.shuffle(rows, Seeds.stream(seed, Seeds.Purpose.VALIDATION_SPLIT, 0));
        int[] valRows = Arrays.copyOfRange(rows, 0, val);
        int[] trainRows = Arrays.copyOfRange(rows, val, n);
        // Keep file order within each split: only membership is random.
        Arrays.sort(valRows);
        Arrays.sort(trainRows);
        Subset train = new Subset(data.train(), trainRows);
        return new Splits(train, new Subset(data.train(), valRows), Subset.all(data.test()),
                FeatureStats.of(train));
    }
}
