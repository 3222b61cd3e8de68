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
 * The update W ← β W + C Xᵀ (2·K·d·m floating-point operations) as training runs it for batches
 * that fit in a core's cache: X read from the uint8 pixels, a fifth of the samples flipped, and
 * normalized on the way ({@link Products#updateFromPixels}, Vector API kernels only). Compare with
 * {@link KernelBenchmarks#update}, which reads the gathered rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
public class PixelUpdateBenchmark {
    @Param({"10", "100"})
    int classes;

    @Param({"100", "500"})
    int batch;

    private final int d = Dataset.DIM;
    private final Products products = new VectorKernels();
    private float[][] w;
    private float[][] c;
    private float[] cs;
    private byte[] u;
    private int[] rows;
    private boolean[] flip;
    private float[] mean;
    private float[] inv;

    @Setup
    public void setup() {
        if (!products.updatesFromPixels(classes, d)) {
            throw new IllegalStateException("no update from pixels with these vectors: " + products.describe());
        }
        SplittableRandom rng = new SplittableRandom(1);
        w = products.rows(classes, d);
        c = new float[classes][batch];
        for (float[] row : c) {
            for (int i = 0; i < batch; i++) {
                row[i] = (float) (rng.nextGaussian() * 1e-6);
            }
        }
        cs = new float[batch * classes];
        Products.bySample(c, classes, 0, batch, cs);
        int n = 5000;
        u = new byte[n * d];
        rng.nextBytes(u);
        rows = new int[batch];
        flip = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            rows[i] = rng.nextInt(n);
            flip[i] = rng.nextInt(5) == 0;
        }
        mean = new float[d];
        inv = new float[d];
        java.util.Arrays.fill(inv, 0.02f);
    }

    @Benchmark
    public float[][] updateFromPixels() {
        products.updateFromPixels(w, classes, u, d, rows, flip, 0, mean, inv, batch, c, cs, 0.9999f, 0, d);
        return w;
    }
}
