package cifarlinear.cpu;

import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One training epoch of the seed configuration (softmax, 49,000 synthetic images, flip 0.2, Vector
 * API kernels) on two threads, both ways {@link CpuBackend} can split it: {@code halves}, each
 * thread with half of the features for good (what it does on two threads), or {@code chunks}, the
 * scores in chunks of samples and the update in chunks of features (what it does on any other
 * number). Both give the same weights bit for bit. The epochs' orders and flips are drawn up front.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
public class EpochBenchmark {
    @Param({"halves", "chunks"})
    String split;

    @Param({"100"})
    int batch;

    private CpuBackend backend;
    private EpochPlan[] plans;
    private int epoch;

    @Setup
    public void setup() {
        CifarData data = SyntheticData.generate(SyntheticData.DEFAULT_TRAIN_SIZE, 0);
        Splits splits = Splits.of(data, 1000, 1);
        LinearModel start = LinearModel.initial(Loss.SOFTMAX, data.classNames(), splits.stats(), 0.01, 5);
        backend = new CpuBackend(List.of(start), new double[] {0.1}, batch, 2, true,
                new CpuBackend.Tuning(true, switch (split) {
                    case "halves" -> true;
                    case "chunks" -> false;
                    default -> throw new IllegalArgumentException("split: halves or chunks, not " + split);
                }, true, true, true, true));
        plans = new EpochPlan[8];
        for (int e = 0; e < plans.length; e++) {
            plans[e] = EpochPlan.draw(4, e, splits.train(), 0.2);
        }
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public double epoch() {
        return backend.trainEpoch(plans[epoch++ % plans.length], 0.001f, Backend.StepListener.NONE);
    }
}
