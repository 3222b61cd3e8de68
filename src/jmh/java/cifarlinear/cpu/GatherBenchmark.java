package cifarlinear.cpu;

import cifarlinear.data.Dataset;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The gather as training meets it, one thread: batches of 100 rows drawn in random order from a
 * training set of CIFAR-10's size (49,000 images, 150 MB), a fifth of them flipped, normalized.
 * Unlike {@link KernelBenchmarks#gather}, whose few thousand rows stay in the caches and the TLB,
 * nearly every row here comes from memory through a page the TLB does not hold, so this is the
 * benchmark that shows the memory pages' size: run it with {@code -jvmArgsAppend
 * "--add-modules=jdk.incubator.vector -XX:+UseTransparentHugePages"} (the option replaces the
 * arguments below, so the module must be named again), as {@code bench/huge-pages.sh} does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
public class GatherBenchmark {
    private static final int BATCH = 100;

    @Param({"49000"})
    int images;

    @Param({"vector", "auto"})
    String kernels;

    private final int d = Dataset.DIM;
    private Products products;
    private RandomImages in;
    private float[][] x;
    private float[] row;
    private int step;

    @Setup
    public void setup() {
        products = KernelBenchmarks.kernels(kernels);
        in = new RandomImages(images, d, new SplittableRandom(1));
        x = products.rows(BATCH, d);
        row = new float[d];
    }

    /** One batch of 100 rows, the next in the random order. */
    @Benchmark
    public float[][] gatherBatch() {
        int off = step++ % (in.rows.length / BATCH) * BATCH;
        products.gather(in.u, d, in.rows, in.flip, null, null, off, in.mean, in.inv, x, 0, BATCH, row);
        return x;
    }

    /**
     * The same, its images read ahead first ({@link Products#touchImages}), as training's steps by
     * chunks and the evaluation do; returns what the reads are kept in, so that they are not dropped.
     */
    @Benchmark
    public int gatherBatchReadAhead() {
        int off = step++ % (in.rows.length / BATCH) * BATCH;
        int touched = Products.touchImages(in.u, d, in.rows, off, 0, BATCH, 0, d);
        products.gather(in.u, d, in.rows, in.flip, null, null, off, in.mean, in.inv, x, 0, BATCH, row);
        return touched + (int) x[BATCH - 1][products.rowOffset()];
    }
}
