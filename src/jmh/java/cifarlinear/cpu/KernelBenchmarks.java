package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.model.Loss;
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
 * The CPU kernels of one training step, one thread, at the shapes training uses: the scores
 * S = W X (K × d times d × m) and the update W ← β W + C Xᵀ (K × m times m × d), in both
 * implementations; the gather with flips and normalization; the per-sample activations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:ObjectAlignmentInBytes=64"})
public class KernelBenchmarks {
    @Param({"10", "100"})
    int classes;

    @Param({"100", "1000"})
    int batch;

    /** vector: the Vector API kernels for this machine; vector-16, vector-32: with the blocks for that many registers. */
    @Param({"vector", "auto"})
    String kernels;

    private final int d = Dataset.DIM;
    private Products products;
    private Object scratch;
    private float[][] w;
    private float[][] x;
    private float[][] c;
    private float[] cs;
    private float[][] s;
    private byte[] u;
    private int[] rows;
    private boolean[] flip;
    private float[] mean;
    private float[] inv;
    private float[] row;
    private double[] scores;
    private double[] grad;
    private float[] b;
    private int[] labels;
    private double[] sampleLoss;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        products = kernels(kernels);
        scratch = products.scratch(classes, d, batch);
        w = rows(products, classes, d, rng);
        x = rows(products, batch, d, rng);
        c = matrix(classes, batch, rng);
        cs = new float[batch * classes];
        Products.bySample(c, classes, 0, batch, cs);
        s = new float[classes][batch];
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
        row = new float[d];
        scores = new double[classes];
        grad = products.lossScratch(classes);
        b = new float[classes];
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(classes);
        }
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < classes; k++) {
                s[k][i] = (float) (4 * rng.nextGaussian());
            }
        }
        sampleLoss = new double[batch];
    }

    /** The kernels a {@code kernels} parameter names: vector, vector-16, vector-32 or auto. */
    static Products kernels(String name) {
        return switch (name) {
            case "vector" -> new VectorKernels();
            case "vector-16" -> new VectorKernels(16);
            case "vector-32" -> new VectorKernels(32);
            case "auto" -> new Products.AutoVectorized();
            default -> throw new IllegalArgumentException("kernels: vector, vector-16, vector-32 or auto, not " + name);
        };
    }

    /** Rows of W or of a batch as {@code products} takes them ({@link Products#rows}), random. */
    private static float[][] rows(Products products, int r, int d, SplittableRandom rng) {
        float[][] a = products.rows(r, d);
        for (float[] v : a) {
            for (int j = 0; j < d; j++) {
                v[products.rowOffset() + j] = (float) (rng.nextDouble() - 0.5);
            }
        }
        return a;
    }

    private static float[][] matrix(int r, int cols, SplittableRandom rng) {
        float[][] a = new float[r][cols];
        for (float[] v : a) {
            for (int j = 0; j < cols; j++) {
                v[j] = (float) (rng.nextDouble() - 0.5);
            }
        }
        return a;
    }

    /** S = W X: 2·K·d·m floating-point operations. */
    @Benchmark
    public float[][] scores() {
        products.scores(w, classes, d, x, 0, batch, s, scratch);
        return s;
    }

    /** W ← β W + C Xᵀ: 2·K·d·m floating-point operations. */
    @Benchmark
    public float[][] update() {
        products.update(w, classes, x, batch, c, cs, 0.9999f, 0, d);
        return w;
    }

    /** The batch gathered from uint8 images, a fifth of them flipped, normalized. */
    @Benchmark
    public float[][] gather() {
        products.gather(u, d, rows, flip, null, null, 0, mean, inv, x, 0, batch, row);
        return x;
    }

    /**
     * Softmax loss and update coefficients of every sample of the batch from its scores, as a
     * step computes them ({@link Products#lossAndCoefficients}).
     */
    @Benchmark
    public double[] softmax() {
        products.lossAndCoefficients(Loss.SOFTMAX, s, null, 0, b, labels, rows, 0, 0, batch, -1e-4f, c, sampleLoss,
                scores, grad);
        return sampleLoss;
    }

    /** The sigmoid's loss and update coefficients, as {@link #softmax}. */
    @Benchmark
    public double[] sigmoid() {
        products.lossAndCoefficients(Loss.SIGMOID, s, null, 0, b, labels, rows, 0, 0, batch, -1e-4f, c, sampleLoss,
                scores, grad);
        return sampleLoss;
    }

    /**
     * The sigmoid's loss and coefficients one sample at a time as steps computed them before
     * {@link VectorLoss} took the sigmoid too: (1/K) Σ_k [softplus(s_k) − y_k s_k] with a
     * {@code Math.log1p} and two {@code Math.exp} per class. For comparison; not the same bits.
     */
    @Benchmark
    public double[] sigmoidJdkExp() {
        for (int i = 0; i < batch; i++) {
            int y = labels[rows[i]];
            double loss = 0;
            for (int k = 0; k < classes; k++) {
                double v = s[k][i] + b[k];
                int yk = k == y ? 1 : 0;
                loss += Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))) - yk * v;
                double sigma = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
                c[k][i] = (float) (-1e-4f * ((sigma - yk) / classes));
            }
            sampleLoss[i] = loss / classes;
        }
        return sampleLoss;
    }

    /**
     * The same, one sample at a time with the JDK's {@code Math.exp} in place of {@link Loss#exp}
     * (the same arithmetic otherwise; not the same bits): what a step's loss cost before
     * {@link VectorLoss}, for comparison.
     */
    @Benchmark
    public double[] softmaxJdkExp() {
        for (int i = 0; i < batch; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                scores[k] = s[k][i] + b[k];
                max = Math.max(max, scores[k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                grad[k] = Math.exp(scores[k] - max);
                sum += grad[k];
            }
            int y = labels[rows[i]];
            for (int k = 0; k < classes; k++) {
                c[k][i] = (float) (-1e-4f * (grad[k] / sum - (k == y ? 1 : 0)));
            }
            sampleLoss[i] = Math.log(sum) - (scores[y] - max);
        }
        return sampleLoss;
    }
}
