package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.ProductsBench;
import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Dataset;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.gpu.GpuBackend;
import cifarlinear.gpu.GpuLimits;
import cifarlinear.perf.Limits;
import cifarlinear.perf.MachineLimits;
import cifarlinear.perf.TrainingBench;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.util.AtomicFiles;
import cifarlinear.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code cifar-linear bench}: training throughput per batch size, against this machine's limits. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures training speed: for each batch size, a warm-up and then a fixed number of softmax "
                + "training steps, timed a few times over (the median counts), reported as images per second, "
                + "seconds per epoch (of the training split), GFLOP/s and GB/s, and as fractions of this machine's "
                + "peak floating-point rate and memory bandwidth, which it measures before the runs and, on the CPU, "
                + "again after them (the higher counts). On the CPU it also times the two products alone on a "
                + "gathered batch, at each batch size, before and after the runs (the higher counts).",
                "Each configuration also prints one line 'RESULT key=value …', the format the baselines under bench/ "
                        + "print too."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--batch", split = ",", paramLabel = "N", defaultValue = "50,100,500,1000",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--steps", paramLabel = "N",
            description = "Steps per timed run (default: one epoch's worth).")
    Integer steps;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5",
            description = "Timed runs per batch size; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "3",
            description = "Train at least this long, and one epoch, before timing, and then on until the JIT has "
                    + "compiled nothing for a second (at most 30 s more) (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--val", paramLabel = "N", defaultValue = "1000",
            description = "Images held out of the training split, as train does (default: ${DEFAULT-VALUE}).")
    int val;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the table as CSV.")
    Path csv;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--compare", paramLabel = "CMD",
            description = "A baseline command to run afterwards (through bash); its epoch time, from a RESULT line or "
                    + "'epoch N seconds S' lines, is compared with this program's at batch 100.")
    String compare;

    /** Launches per graph when timing the GPU's kernels one by one. */
    private static final int KERNEL_REPEATS = 64;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        compute.validate();
        UserError.requireValues("--batch", batches);
        for (int b : batches) {
            if (b < 1) {
                throw UserError.usage("--batch values must be ≥ 1, got " + b);
            }
        }
        if (steps != null && steps < 1) {
            throw UserError.usage("--steps must be ≥ 1, got " + steps);
        }
        if (csv != null) {
            AtomicFiles.checkWritable("--csv", csv);
        }
        if (json != null) {
            AtomicFiles.checkWritable("--json", json);
        }
        if (repeats < 1) {
            throw UserError.usage("--repeats must be ≥ 1, got " + repeats);
        }
        DataSources.Resolved resolved = dataOptions.resolve();
        CifarData data = dataOptions.load(resolved, out);
        int trainSize = data.train().size() - val;
        for (int b : batches) {
            if (b > trainSize) {
                throw UserError.usage("--batch " + b + " is larger than the " + trainSize + " training images");
            }
        }
        Splits splits = Splits.of(data, val, 1);
        List<TrainingBench.Row> timed = new ArrayList<>();
        Map<Integer, Map<String, Double>> kernelTimes = new LinkedHashMap<>();
        Limits first = null;
        MachineLimits cpuFirst = null;
        Map<Integer, Double> productsBefore = new LinkedHashMap<>();
        for (int b : batches) {
            LinearModel model = LinearModel.initial(Loss.SOFTMAX, data.classNames(), splits.stats(), 0.01, 1);
            int perEpoch = (splits.train().size() + b - 1) / b;
            int timedSteps = steps != null ? steps : perEpoch;
            try (Backend backend = compute.backend(model, b, 0.1)) {
                if (first == null) {
                    out.println("Measuring this machine's limits …");
                    out.flush();
                    if (backend instanceof GpuBackend) {
                        first = GpuLimits.measure();
                    } else {
                        cpuFirst = MachineLimits.measure(compute.threads());
                        first = cpuFirst.limits();
                        for (int pb : batches) {
                            productsBefore.put(pb, products(out, compute, data, pb, warmup));
                        }
                    }
                }
                out.printf(Locale.ROOT, "Timing batch %d …", b);
                out.flush();
                TrainingBench.Row r = TrainingBench.run(backend, splits, b, warmup, timedSteps, repeats, 0.01f, 0.2,
                        first);
                timed.add(r);
                out.printf(Locale.ROOT, " %.3f s per epoch%n", r.epochSeconds());
                out.flush();
                if (backend instanceof GpuBackend gpu) {
                    kernelTimes.put(b, gpu.kernelTimes(EpochPlan.draw(1, 0, splits.train(), 0.2), KERNEL_REPEATS));
                }
            }
        }
        Map<Integer, Double> productsAfter = new LinkedHashMap<>();
        if (cpuFirst != null) {
            for (int b : batches) {
                productsAfter.put(b, products(out, compute, data, b, warmup));
            }
        }
        Limits limits = first;
        String remeasured = null;
        if (cpuFirst != null) {
            // This machine may have run slower while its limits were measured than during the runs, which
            // would put them above its "peak": the higher of two measurements, before and after, counts.
            out.println("Measuring this machine's limits again …");
            out.flush();
            MachineLimits again = MachineLimits.measure(compute.threads());
            limits = cpuFirst.orHigher(again).limits();
            remeasured = String.format(Locale.ROOT, "(the higher of two measurements, before and after the runs: "
                    + "peak %.1f and %.1f GFLOP/s, memory %.1f and %.1f GB/s)", cpuFirst.peakGflops(),
                    again.peakGflops(), cpuFirst.streamGBps(), again.streamGBps());
        }
        List<TrainingBench.Row> rows = new ArrayList<>();
        for (TrainingBench.Row r : timed) {
            rows.add(r.against(limits));
        }
        out.println();
        out.println(limits.summary());
        if (remeasured != null) {
            out.println(remeasured);
        }
        out.println();
        int width = backendWidth(rows);
        out.printf("%-" + width + "s batch   images/s   epoch (s)   GFLOP/s  of peak    GB/s  of memory%n", "backend");
        for (TrainingBench.Row r : rows) {
            out.printf(Locale.ROOT,
                    "%-" + width + "s %5d %10.0f %11.3f %9.1f %7.1f %% %7.1f %7.1f %%%n",
                    r.backend(), r.batch(),
                    r.imagesPerSecond(), r.epochSeconds(), r.gflops(), 100 * r.flopFraction(), r.gbps(),
                    100 * r.bandwidthFraction());
        }
        List<String> oneThread = rows.stream().filter(r -> r.oneThreadShare() > 0)
                .map(r -> String.format(Locale.ROOT, "%.0f %% at batch %d", 100 * r.oneThreadShare(), r.batch()))
                .toList();
        if (!oneThread.isEmpty()) {
            out.println("Timed steps on one thread, faster there while other work kept the cores busy: "
                    + String.join(", ", oneThread) + ".");
        }
        if (!kernelTimes.isEmpty()) {
            out.println();
            out.printf("Where a GPU step goes, µs (each kernel %d times in one CUDA graph; training runs step_head and "
                    + "the update GEMM, the others are the same work in separate kernels):%n", KERNEL_REPEATS);
            for (Map.Entry<Integer, Map<String, Double>> e : kernelTimes.entrySet()) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "batch %5d:", e.getKey()));
                e.getValue().forEach((name, us) -> line.append(String.format(Locale.ROOT, "  %s %.1f", name, us)));
                out.println(line);
            }
        }
        List<Map<String, Object>> productRows = new ArrayList<>();
        if (!productsAfter.isEmpty()) {
            out.println();
            out.printf("The two products alone (scores and update on a gathered batch, %d %s, as training splits "
                    + "them;%nthe higher of two measurements, before and after the runs, as for the peak):%n",
                    compute.threads(), compute.threads() == 1 ? "thread" : "threads");
            out.println("batch   GFLOP/s  of peak    before    after");
            for (Map.Entry<Integer, Double> e : productsAfter.entrySet()) {
                double before = productsBefore.get(e.getKey());
                double after = e.getValue();
                double g = Math.max(before, after);
                productRows.add(Map.of("batch", e.getKey(), "gflops", g, "flop_fraction", g / limits.peakGflops(),
                        "gflops_before", before, "gflops_after", after));
                out.printf(Locale.ROOT, "%5d %9.1f %7.1f %% %9.1f %8.1f%n", e.getKey(), g, 100 * g / limits.peakGflops(),
                        before, after);
            }
        }
        out.println();
        for (TrainingBench.Row r : rows) {
            out.printf(Locale.ROOT, "RESULT implementation=cifar-linear backend=%s batch=%d epoch_seconds=%.4f "
                    + "images_per_second=%.0f%n", r.backend().startsWith("gpu") ? "gpu" : "cpu", r.batch(),
                    r.epochSeconds(), r.imagesPerSecond());
        }
        if (csv != null) {
            StringBuilder b = new StringBuilder("backend,batch,steps,seconds,images_per_second,epoch_seconds,gflops,"
                    + "flop_fraction,gbps,bandwidth_fraction,one_thread_share\n");
            for (TrainingBench.Row r : rows) {
                b.append(String.format(Locale.ROOT, "\"%s\",%d,%d,%.4f,%.1f,%.4f,%.2f,%.4f,%.2f,%.4f,%.4f%n",
                        r.backend(), r.batch(), r.steps(), r.seconds(), r.imagesPerSecond(), r.epochSeconds(),
                        r.gflops(), r.flopFraction(), r.gbps(), r.bandwidthFraction(), r.oneThreadShare()));
            }
            AtomicFiles.writeString(csv, b.toString());
        }
        if (json != null) {
            Map<String, Object> machine = new LinkedHashMap<>();
            machine.put("device", limits.device());
            machine.put("peak_gflops", limits.peakGflops());
            machine.put("memory_gbps", limits.memoryGBps());
            machine.put("cores", Runtime.getRuntime().availableProcessors());
            machine.put("java", Runtime.version().toString());
            machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("machine", machine);
            m.put("data", data.description());
            m.put("train_images", splits.train().size());
            m.put("results", rows.stream().map(BenchCommand::fields).toList());
            m.put("products_alone", productRows);
            AtomicFiles.writeString(json, Json.write(m));
        }
        if (compare != null) {
            compare(out, rows);
        }
        out.flush();
        return 0;
    }

    /** The FLOP rate of the two products alone at batch {@code b} ({@link ProductsBench}), in GFLOP/s. */
    private static double products(PrintWriter out, ComputeOptions compute, CifarData data, int b, double warmup) {
        out.printf(Locale.ROOT, "Timing the products alone at batch %d …%n", b);
        out.flush();
        return ProductsBench.gflops(compute.threads(), compute.useVectorApi(), data.classCount(), Dataset.DIM, b,
                Math.max(0.5, warmup / 2));
    }

    /** A row's figures under the names of the CSV file's columns and of the RESULT lines. */
    private static Map<String, Object> fields(TrainingBench.Row r) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("backend", r.backend());
        f.put("batch", r.batch());
        f.put("steps", r.steps());
        f.put("seconds", r.seconds());
        f.put("images_per_second", r.imagesPerSecond());
        f.put("epoch_seconds", r.epochSeconds());
        f.put("gflops", r.gflops());
        f.put("flop_fraction", r.flopFraction());
        f.put("gbps", r.gbps());
        f.put("bandwidth_fraction", r.bandwidthFraction());
        f.put("one_thread_share", r.oneThreadShare());
        return f;
    }

    /** The backend column's width: 40, or the longest backend name's. */
    private static int backendWidth(List<TrainingBench.Row> rows) {
        return Math.max(40, rows.stream().mapToInt(r -> r.backend().length()).max().orElse(0));
    }

    private static final Pattern RESULT = Pattern.compile("RESULT .*\\bepoch_seconds=([0-9.eE+-]+)");
    private static final Pattern EPOCH = Pattern.compile("^epoch (\\d+) seconds ([0-9.eE+-]+)");

    /** Runs the baseline, reads its epoch time and prints the ratio with batch 100 (or the closest batch). */
    private void compare(PrintWriter out, List<TrainingBench.Row> rows) throws IOException {
        out.println();
        out.println("Baseline: " + compare);
        out.flush();
        Process p = new ProcessBuilder("bash", "-c", compare).redirectErrorStream(true).start();
        Double resultSeconds = null;
        List<Double> epochs = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.println("  " + line);
                out.flush();
                Matcher m = RESULT.matcher(line);
                if (m.find()) {
                    resultSeconds = Double.parseDouble(m.group(1));
                }
                Matcher e = EPOCH.matcher(line);
                if (e.find() && Integer.parseInt(e.group(1)) > 1) {
                    epochs.add(Double.parseDouble(e.group(2)));
                }
            }
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UserError.failure("--compare: interrupted while waiting for the baseline");
        }
        if (code != 0) {
            throw UserError.failure("--compare: the baseline command exited with " + code);
        }
        double baseline;
        if (resultSeconds != null) {
            baseline = resultSeconds;
        } else if (!epochs.isEmpty()) {
            epochs.sort(null);
            baseline = epochs.get(epochs.size() / 2);
        } else {
            throw UserError.failure("--compare: the baseline printed neither a RESULT line with epoch_seconds nor "
                    + "'epoch N seconds S' lines");
        }
        TrainingBench.Row ours = rows.stream().min(java.util.Comparator.comparingInt(r -> Math.abs(r.batch() - 100)))
                .orElseThrow();
        out.printf(Locale.ROOT, "%nBaseline: %.3f s per epoch; cifar-linear at batch %d: %.3f s per epoch: %.1f× %s.%n",
                baseline, ours.batch(), ours.epochSeconds(), Math.max(baseline / ours.epochSeconds(),
                        ours.epochSeconds() / baseline), baseline >= ours.epochSeconds() ? "faster" : "slower");
    }
}
