package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;

/**
 * Pure-Java training on all cores, with every buffer allocated up front (nothing per step).
 * A step is two parallel phases:
 * <ol>
 *   <li>each thread takes a slice of the batch's samples: gathers, flips and normalizes them
 *       ({@link CpuKernels#gather}), computes their scores ({@link Products#scores}), and from
 *       them each sample's loss and update coefficients c[k][i] = −(η/m) ∂ℓ_i/∂s_k
 *       ({@link Loss#lossAndGradient});</li>
 *   <li>the calling thread steps b; then each thread updates a slice of W's columns
 *       ({@link Products#update}).</li>
 * </ol>
 * Every score and every weight is computed whole by one thread in an order fixed by the shapes,
 * so the result does not depend on the number of threads.
 */
public final class CpuBackend implements Backend {
    private static final int EVAL_CHUNK = 64;

    private final Loss loss;
    private final int classes;
    private final int d;
    private final int batch;
    private final float lambda;
    private final float[][] w;
    private final float[] b;
    private final LinearModel template;
    private final float[] centeredMean;
    private final float[] invStd;
    private final WorkerPool pool;
    private final Products products;

    // The batch (x: batch × d), coefficients c (K × batch) and per-sample losses.
    private final float[][] x;
    private final float[][] c;
    private final double[] sampleLoss;
    private final Worker[] workers;

    // The step being run, read by the phase tasks.
    private EpochPlan plan;
    private int stepStart;
    private int stepSize;
    private float coefficient;
    private float beta;
    private final WorkerPool.Task samplePhase = this::samplePhase;
    private final WorkerPool.Task weightPhase = this::weightPhase;

    /** One thread's working memory. */
    private final class Worker {
        final float[][] s;
        final Object scratch;
        final double[] scores;
        final double[] grad;
        final float[][] evalX;

        Worker(int rows) {
            s = new float[classes][rows];
            scratch = products.scratch(classes, d, rows);
            scores = new double[classes];
            grad = new double[classes];
            evalX = new float[EVAL_CHUNK][d];
        }
    }

    /**
     * @param vectorApi use the Vector API kernels ({@link Simd#vectorApiAvailable()} must hold)
     */
    public CpuBackend(LinearModel initial, int batch, float lambda, int threads, boolean vectorApi) {
        if (initial.dim() != Dataset.DIM) {
            throw new IllegalArgumentException("the CPU backend trains on " + Dataset.DIM + "-feature images, not "
                    + initial.dim());
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        this.template = initial.copy();
        this.loss = initial.loss();
        this.classes = initial.classCount();
        this.d = initial.dim();
        this.batch = batch;
        this.lambda = lambda;
        this.products = Simd.products(vectorApi);
        this.w = new float[classes][d];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(initial.weights(), k * d, w[k], 0, d);
        }
        this.b = initial.bias().clone();
        this.centeredMean = initial.stats().mean().clone();
        for (int j = 0; j < d; j++) {
            centeredMean[j] -= 128;
        }
        this.invStd = initial.stats().invStd();
        this.pool = new WorkerPool(threads);
        this.x = new float[batch][d];
        this.c = new float[classes][batch];
        this.sampleLoss = new double[batch];
        int rows = Math.max(EVAL_CHUNK, (batch + threads - 1) / threads);
        this.workers = new Worker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker(rows);
        }
    }

    @Override
    public String description() {
        return "cpu (" + pool.parts() + (pool.parts() == 1 ? " thread, " : " threads, ") + products.describe() + ")";
    }

    @Override
    public Progress trainSteps(EpochPlan epoch, float eta, int fromStep, StepListener listener,
                               java.util.function.BooleanSupplier stop) {
        if (epoch.data().classCount() != classes) {
            throw new IllegalArgumentException("data has " + epoch.data().classCount() + " classes, model " + classes);
        }
        int n = epoch.size();
        int steps = epoch.steps(batch);
        double epochLoss = 0;
        int samples = 0;
        int step = fromStep;
        plan = epoch;
        beta = 1.0f - 2.0f * eta * lambda;
        try {
            for (; step < steps && !stop.getAsBoolean(); step++) {
                stepStart = step * batch;
                stepSize = Math.min(batch, n - stepStart);
                coefficient = -eta / stepSize;
                pool.run(samplePhase);
                double batchLoss = 0;
                for (int i = 0; i < stepSize; i++) {
                    batchLoss += sampleLoss[i];
                }
                for (int k = 0; k < classes; k++) {
                    double sum = 0;
                    float[] ck = c[k];
                    for (int i = 0; i < stepSize; i++) {
                        sum += ck[i];
                    }
                    b[k] = (float) (b[k] + sum);
                }
                pool.run(weightPhase);
                epochLoss += batchLoss;
                samples += stepSize;
                listener.onStep(step, steps, batchLoss / stepSize);
            }
        } finally {
            plan = null;
        }
        return new Progress(step, epochLoss, samples);
    }

    /** Gather, scores, loss and coefficients for this thread's samples (the bias is applied here). */
    private void samplePhase(int part, int parts) {
        int i0 = (int) ((long) stepSize * part / parts);
        int i1 = (int) ((long) stepSize * (part + 1) / parts);
        if (i0 == i1) {
            return;
        }
        EpochPlan p = plan;
        Worker wk = workers[part];
        CpuKernels.gather(p.data().centeredPixels(), d, p.order(), p.flip(), stepStart, centeredMean, invStd, x, i0, i1,
                0, d);
        products.scores(w, classes, d, x, i0, i1, wk.s, wk.scratch);
        int[] labels = p.data().labels();
        int[] order = p.order();
        for (int i = i0; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                wk.scores[k] = wk.s[k][i - i0] + b[k];
            }
            sampleLoss[i] = loss.lossAndGradient(wk.scores, labels[order[stepStart + i]], wk.grad);
            for (int k = 0; k < classes; k++) {
                c[k][i] = (float) (coefficient * wk.grad[k]);
            }
        }
    }

    /** The weight update for this thread's columns. */
    private void weightPhase(int part, int parts) {
        int align = products.alignment();
        int blocks = (d + align - 1) / align;
        int j0 = Math.min(d, blocks * part / parts * align);
        int j1 = Math.min(d, blocks * (part + 1) / parts * align);
        if (j0 < j1) {
            products.update(w, classes, x, stepSize, c, beta, j0, j1);
        }
    }

    @Override
    public Evaluation evaluate(Subset subset) {
        int n = subset.size();
        int[] rows = subset.rows();
        byte[] u = subset.data().centeredPixels();
        int[] labels = subset.data().labels();
        double[] losses = new double[n];
        int[] predicted = new int[n];
        float[] trueProb = new float[n];
        pool.run((part, parts) -> {
            int start = (int) ((long) n * part / parts);
            int end = (int) ((long) n * (part + 1) / parts);
            Worker wk = workers[part];
            for (int first = start; first < end; first += EVAL_CHUNK) {
                int m = Math.min(EVAL_CHUNK, end - first);
                CpuKernels.gather(u, d, rows, null, first, centeredMean, invStd, wk.evalX, 0, m, 0, d);
                products.scores(w, classes, d, wk.evalX, 0, m, wk.s, wk.scratch);
                for (int i = 0; i < m; i++) {
                    int y = labels[rows[first + i]];
                    for (int k = 0; k < classes; k++) {
                        wk.scores[k] = wk.s[k][i] + b[k];
                    }
                    double l = loss.lossAndGradient(wk.scores, y, null);
                    losses[first + i] = l;
                    predicted[first + i] = Loss.predictedClass(wk.scores);
                    trueProb[first + i] = (float) loss.trueClassProbability(wk.scores, y, l);
                }
            }
        });
        double lossSum = 0;
        int correct = 0;
        long[] confusion = new long[classes * classes];
        for (int i = 0; i < n; i++) {
            int y = labels[rows[i]];
            lossSum += losses[i];
            if (predicted[i] == y) {
                correct++;
            }
            confusion[y * classes + predicted[i]]++;
        }
        return new Evaluation(n, lossSum, correct, confusion, trueProb);
    }

    @Override
    public LinearModel snapshot() {
        float[] flat = new float[classes * d];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(w[k], 0, flat, k * d, d);
        }
        return new LinearModel(loss, template.classNames(), template.stats(), flat, b.clone());
    }

    @Override
    public void close() {
        pool.close();
    }
}
