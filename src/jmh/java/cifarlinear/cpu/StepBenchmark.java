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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One training step's gather, scores and update on all cores, split as {@link CpuBackend} splits
 * them, both ways it can (each chunk's images read ahead first, {@link Products#touchImages}, as the
 * backend reads them): {@code rows}, where the gather writes the batch's rows and the update
 * reads them, half of them written on the other core; {@code pixels}, where each thread gathers
 * into rows of its own and the update reads the pixels and normalizes them again
 * ({@link Products#updateFromPixels}); {@code auto}, whichever of the two the backend would take.
 * {@code registers}: the Vector API kernels' blocks for this machine, or those for 16 or 32 vector
 * registers ({@link VectorKernels#VectorKernels(int)}), e.g. both in a JVM run with
 * {@code -XX:UseAVX=2}, which has 16.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
public class StepBenchmark {
    @Param({"rows", "pixels"})
    String update;

    @Param({"machine"})
    String registers;

    @Param({"100", "500"})
    int batch;

    private final int classes = 10;
    private final int d = Dataset.DIM;
    private WorkerPool pool;
    private Products products;
    private float[][] w;
    private float[][] x;
    private float[][] c;
    private float[] cs;
    private float[][][] s;
    private float[][][] own;
    private Object[] scratch;
    private float[][] row;
    /**
     * What each thread's reading ahead read, kept so that the reads are not dropped; a cache line
     * apart, so that the threads do not write to one line.
     */
    private int[] touched;
    private byte[] u;
    private int[] rows;
    private boolean[] flip;
    private float[] mean;
    private float[] inv;
    private int sampleChunk;
    private int featureChunk;
    private int step;
    private WorkerPool.ChunkTask samples;
    private WorkerPool.ChunkTask features;

    @Setup
    public void setup() {
        int threads = Runtime.getRuntime().availableProcessors();
        pool = new WorkerPool(threads);
        products = switch (registers) {
            case "machine" -> Simd.products(Simd.vectorApiAvailable());
            case "16", "32" -> new VectorKernels(Integer.parseInt(registers));
            default -> throw new IllegalArgumentException("registers: machine, 16 or 32, not " + registers);
        };
        if (update.equals("auto")) {
            update = CpuBackend.readsPixels(products, classes, d, batch) ? "pixels" : "rows";
        }
        SplittableRandom rng = new SplittableRandom(1);
        w = products.rows(classes, d);
        x = products.rows(batch, d);
        c = new float[classes][batch];
        for (float[] v : c) {
            for (int i = 0; i < batch; i++) {
                v[i] = (float) (rng.nextGaussian() * 1e-6);
            }
        }
        cs = new float[batch * classes];
        Products.bySample(c, classes, 0, batch, cs);
        sampleChunk = CpuBackend.sampleChunk(batch, threads);
        featureChunk = CpuBackend.featureChunk(d, products.alignment(), threads);
        s = new float[threads][classes][sampleChunk];
        own = new float[threads][][];
        scratch = new Object[threads];
        row = new float[threads][d];
        touched = new int[threads * 16];
        for (int t = 0; t < threads; t++) {
            own[t] = products.rows(sampleChunk, d);
            scratch[t] = products.scratch(classes, d, sampleChunk);
        }
        RandomImages images = new RandomImages(20_000, d, rng);
        u = images.u;
        rows = images.rows;
        flip = images.flip;
        mean = images.mean;
        inv = images.inv;
        samples = (chunk, worker) -> {
            int i0 = chunk * sampleChunk;
            int i1 = Math.min(batch, i0 + sampleChunk);
            int off = step % (rows.length / batch) * batch;
            touched[16 * worker] += Products.touchImages(u, d, rows, off, i0, i1, 0, d);
            if (update.equals("rows")) {
                products.gather(u, d, rows, flip, null, null, off, mean, inv, x, i0, i1, row[worker]);
                products.scores(w, classes, d, x, i0, i1, s[worker], scratch[worker]);
            } else {
                products.gather(u, d, rows, flip, null, null, off + i0, mean, inv, own[worker], 0, i1 - i0,
                        row[worker]);
                products.scores(w, classes, d, own[worker], 0, i1 - i0, s[worker], scratch[worker]);
            }
        };
        features = (chunk, worker) -> {
            int j0 = chunk * featureChunk;
            int j1 = Math.min(d, j0 + featureChunk);
            if (update.equals("rows")) {
                products.update(w, classes, x, batch, c, cs, 0.9999f, j0, j1);
            } else {
                int off = step % (rows.length / batch) * batch;
                products.updateFromPixels(w, classes, u, d, rows, flip, off, mean, inv, batch, c, cs, 0.9999f, j0,
                        j1);
            }
        };
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    /** Gather and scores in chunks of samples, then the update in chunks of features. */
    @Benchmark
    public float[][] step() {
        step++;
        pool.runChunks((batch + sampleChunk - 1) / sampleChunk, samples);
        pool.runChunks((d + featureChunk - 1) / featureChunk, features);
        return w;
    }
}
