package cifarlinear.cpu;

import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;

import java.util.Arrays;
import java.util.List;

/**
 * Training epochs on two threads by halves of the features (seed configuration, 49,000 synthetic
 * images, batch 100 or BATCH, Vector API kernels) in two ways that give the same weights, as pairs of
 * epochs in one JVM: the two backends take turns epoch by epoch (which goes first alternates), on
 * the same plans, so that a slow spell of a shared machine hits both alike. For differences of a
 * few percent, which separate JVM runs on such a machine do not resolve. The two ways
 * ({@link CpuBackend.Tuning}):
 * <ul>
 *   <li>{@code idle-reads}: with and without each thread reading its half of the next step's
 *       pixels while it waits for the other ({@link CpuBackend#idleReads});</li>
 *   <li>{@code vector-loss}: the loss and coefficients a vector of samples at a time
 *       ({@link VectorLoss}) and one sample at a time;</li>
 *   <li>{@code halves}: by halves (batches of more than 170 images in parts) and in chunks of
 *       samples and of features, as on other numbers of threads.</li>
 *   <li>{@code fall-back}: with the steps going over to the calling thread where that proves
 *       faster ({@link SerialFallback}), and on the threads always.</li>
 *   <li>{@code take-over}: with the calling thread running the pieces of a step that the other
 *       thread has not begun by the time it is done with its own, and waiting for them
 *       ({@link WorkerPool#takesOver}).</li>
 * </ul>
 * Or {@code sigmoid}: epochs of a sigmoid model against those of the softmax one, both the default
 * way (their weights differ, of course).
 *
 * <pre>java --add-modules=jdk.incubator.vector -cp target/benchmarks.jar cifarlinear.cpu.EpochPairs [PAIRS [WAYS [BATCH]]]</pre>
 *
 * Prints each way's median epoch and quartiles, the ratio of the medians and the median of the
 * pairs' ratios, in how many pairs the first way's epoch was the shorter, and whether both ended
 * with the same weights.
 */
public final class EpochPairs {
    private EpochPairs() {
    }

    public static void main(String[] args) {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        String ways = args.length > 1 ? args[1] : "idle-reads";
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        CpuBackend.Tuning all = CpuBackend.Tuning.DEFAULT;
        String[] names;
        CpuBackend.Tuning[] tunings;
        switch (ways) {
            case "idle-reads" -> {
                names = new String[] {"reads", "no reads"};
                tunings = new CpuBackend.Tuning[] {all, new CpuBackend.Tuning(true, true, false, true, true, true)};
            }
            case "halves" -> {
                names = new String[] {"halves", "chunks"};
                tunings = new CpuBackend.Tuning[] {all, new CpuBackend.Tuning(true, false, true, true, true, true)};
            }
            case "sigmoid" -> {
                names = new String[] {"sigmoid", "softmax"};
                tunings = new CpuBackend.Tuning[] {all, all};
            }
            case "vector-loss" -> {
                names = new String[] {"vectors", "one by one"};
                tunings = new CpuBackend.Tuning[] {all, new CpuBackend.Tuning(true, true, true, false, true, true)};
            }
            case "fall-back" -> {
                names = new String[] {"fall-back", "threads always"};
                tunings = new CpuBackend.Tuning[] {all, new CpuBackend.Tuning(true, true, true, true, false, true)};
            }
            case "take-over" -> {
                names = new String[] {"take-over", "waits"};
                tunings = new CpuBackend.Tuning[] {all, new CpuBackend.Tuning(true, true, true, true, true, false)};
            }
            default -> throw new IllegalArgumentException(
                    "ways: idle-reads, vector-loss, sigmoid, halves, fall-back or take-over, not " + ways);
        }
        CifarData data = SyntheticData.generate(SyntheticData.DEFAULT_TRAIN_SIZE, 0);
        Splits splits = Splits.of(data, 1000, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), splits.stats(), 0.01, 5);
        LinearModel sigmoid = LinearModel.initial(Loss.SIGMOID, data.classNames(), splits.stats(), 0.01, 5);
        CpuBackend[] backends = new CpuBackend[2];
        for (int v = 0; v < 2; v++) {
            LinearModel model = ways.equals("sigmoid") && v == 0 ? sigmoid : start;
            backends[v] = new CpuBackend(List.of(model), new double[] {0.1}, batch, 2, true, tunings[v]);
            CpuBackend.Tuning t = tunings[v];
            if (backends[v].byHalves() != t.byHalves() || backends[v].idleReads() != (t.byHalves() && t.idleReads())) {
                throw new IllegalStateException("not by halves on this machine: " + backends[v].description());
            }
        }
        if (ways.equals("vector-loss") && !VectorLoss.applies()) {
            throw new IllegalStateException("no loss by vectors on this machine: " + VectorLoss.LANES + " doubles per vector");
        }
        EpochPlan[] plans = new EpochPlan[8];
        for (int e = 0; e < plans.length; e++) {
            plans[e] = EpochPlan.draw(4, e, splits.train(), 0.2);
        }
        int warmup = 3;
        double[][] seconds = new double[2][pairs];
        for (int e = 0; e < warmup + pairs; e++) {
            for (int turn = 0; turn < 2; turn++) {
                int v = (e + turn) % 2;
                long t0 = System.nanoTime();
                backends[v].trainEpoch(plans[e % plans.length], 0.001f, Backend.StepListener.NONE);
                if (e >= warmup) {
                    seconds[v][e - warmup] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        int wins = 0;
        double[] ratios = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            wins += seconds[0][p] < seconds[1][p] ? 1 : 0;
            ratios[p] = seconds[0][p] / seconds[1][p];
        }
        Arrays.sort(ratios);
        double[] medians = new double[2];
        for (int v = 0; v < 2; v++) {
            double[] sorted = seconds[v].clone();
            Arrays.sort(sorted);
            medians[v] = quantile(sorted, 0.5);
            System.out.printf("%-10s median %.4f s per epoch (quartiles %.4f, %.4f)%n", names[v], medians[v],
                    quantile(sorted, 0.25), quantile(sorted, 0.75));
        }
        System.out.printf("ratio of the medians (%s / %s) %.3f; median of the pairs' ratios %.3f%n", names[0], names[1],
                medians[0] / medians[1], quantile(ratios, 0.5));
        System.out.printf("pairs in which the epoch with %s was the shorter: %d of %d%n", names[0], wins, pairs);
        boolean same = Arrays.equals(backends[0].snapshot(0).weights(), backends[1].snapshot(0).weights());
        if (!ways.equals("sigmoid")) {
            System.out.println("same weights: " + (same ? "yes" : "no"));
        }
        for (CpuBackend b : backends) {
            b.close();
        }
    }

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }
}
