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
 *
 * <p>The d features are cut into {@link #CHUNK}-wide chunks, and each thread owns a fixed run of
 * chunks: its columns of W, of the batch X and of Xᵀ. One parallel phase per step does, in each
 * thread and for its features only: the update of W for the previous batch
 * ({@link CpuKernels#update}), then the gather, flip and normalization of the next batch
 * ({@link CpuKernels#gather}, {@link CpuKernels#transpose}) and each chunk's share of its scores
 * ({@link CpuKernels#forward}). The calling thread then adds up the chunks' shares in a fixed
 * order, computes each sample's loss and score gradient ({@link Loss#lossAndGradient}) and
 * updates b. No data crosses between threads but the scores and the gradient coefficients, and
 * the result does not depend on the number of threads.
 */
public final class CpuBackend implements Backend {
    /** Features per chunk: a multiple of 32 so that flips stay inside a chunk. */
    static final int CHUNK = 128;
    private static final int EVAL_BATCH = 128;

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
    private final int chunks;

    // Training buffers: x (batch × d), xt (d × batch), per-chunk score shares, scores and coefficients (K × batch).
    private final float[][] x;
    private final float[][] xt;
    private final float[][][] share;
    private final float[][] s;
    private final float[][] c;
    private final double[] scoreScratch;
    private final double[] gradScratch;

    // Per-thread evaluation buffers.
    private final float[][][] evalX;
    private final float[][][] evalXt;
    private final float[][][] evalS;

    // The phase being run, read by the workers.
    private EpochPlan plan;
    private int updateSize;
    private float beta;
    private int nextStart;
    private int nextSize;
    private final WorkerPool.Task stepPhase = this::stepPhase;

    public CpuBackend(LinearModel initial, int batch, float lambda, int threads) {
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
        this.chunks = d / CHUNK;
        this.pool = new WorkerPool(Math.min(threads, chunks));
        this.x = new float[batch][d];
        this.xt = new float[d][batch];
        this.share = new float[chunks][classes][batch];
        this.s = new float[classes][batch];
        this.c = new float[classes][batch];
        this.scoreScratch = new double[classes];
        this.gradScratch = new double[classes];
        int parts = pool.parts();
        this.evalX = new float[parts][EVAL_BATCH][d];
        this.evalXt = new float[parts][d][EVAL_BATCH];
        this.evalS = new float[parts][classes][EVAL_BATCH];
    }

    @Override
    public String description() {
        return "cpu (" + pool.parts() + (pool.parts() == 1 ? " thread)" : " threads)");
    }

    @Override
    public double trainEpoch(EpochPlan epoch, float eta, StepListener listener) {
        if (epoch.data().classCount() != classes) {
            throw new IllegalArgumentException("data has " + epoch.data().classCount() + " classes, model " + classes);
        }
        int n = epoch.size();
        int steps = epoch.steps(batch);
        int[] labels = epoch.data().labels();
        double epochLoss = 0;
        plan = epoch;
        beta = 1.0f - 2.0f * eta * lambda;
        try {
            runPhase(0, 0, Math.min(batch, n));
            for (int step = 0; step < steps; step++) {
                int start = step * batch;
                int m = Math.min(batch, n - start);
                double batchLoss = scoresToCoefficients(m, epoch.order(), start, labels, -eta / m);
                epochLoss += batchLoss;
                int next = start + m;
                runPhase(m, next, Math.min(batch, n - next));
                listener.onStep(step, steps, batchLoss / m);
            }
        } finally {
            plan = null;
        }
        return epochLoss / n;
    }

    private void runPhase(int update, int start, int size) {
        updateSize = update;
        nextStart = start;
        nextSize = size;
        pool.run(stepPhase);
    }

    /** In each thread, for its chunks: apply the pending update, then prepare the next batch's score shares. */
    private void stepPhase(int part, int parts) {
        int c0 = chunks * part / parts;
        int c1 = chunks * (part + 1) / parts;
        int j0 = c0 * CHUNK;
        int j1 = c1 * CHUNK;
        if (updateSize > 0) {
            CpuKernels.update(w, classes, x, updateSize, c, beta, j0, j1);
        }
        if (nextSize > 0) {
            EpochPlan p = plan;
            CpuKernels.gather(p.data().centeredPixels(), d, p.order(), p.flip(), nextStart, nextSize, centeredMean,
                    invStd, x, j0, j1);
            CpuKernels.transpose(x, nextSize, xt, j0, j1);
            for (int ch = c0; ch < c1; ch++) {
                CpuKernels.forward(w, classes, xt, nextSize, share[ch], ch * CHUNK, (ch + 1) * CHUNK);
            }
        }
    }

    /**
     * Sums the chunks' score shares and the bias, turns each sample's scores into its loss and
     * the coefficients c[k][i] = scale · ∂ℓ_i/∂s_k, and applies the bias step b += Σ_i c[·][i].
     *
     * @return the batch's summed loss
     */
    private double scoresToCoefficients(int m, int[] order, int start, int[] labels, float scale) {
        for (int k = 0; k < classes; k++) {
            float[] sk = s[k];
            java.util.Arrays.fill(sk, 0, m, b[k]);
            for (int ch = 0; ch < chunks; ch++) {
                float[] part = share[ch][k];
                for (int i = 0; i < m; i++) {
                    sk[i] += part[i];
                }
            }
        }
        double lossSum = 0;
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < classes; k++) {
                scoreScratch[k] = s[k][i];
            }
            lossSum += loss.lossAndGradient(scoreScratch, labels[order[start + i]], gradScratch);
            for (int k = 0; k < classes; k++) {
                c[k][i] = (float) (scale * gradScratch[k]);
            }
        }
        for (int k = 0; k < classes; k++) {
            double sum = 0;
            float[] ck = c[k];
            for (int i = 0; i < m; i++) {
                sum += ck[i];
            }
            b[k] = (float) (b[k] + sum);
        }
        return lossSum;
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
            float[][] ex = evalX[part];
            float[][] ext = evalXt[part];
            float[][] es = evalS[part];
            double[] scores = new double[classes];
            for (int first = start; first < end; first += EVAL_BATCH) {
                int m = Math.min(EVAL_BATCH, end - first);
                CpuKernels.gather(u, d, rows, null, first, m, centeredMean, invStd, ex, 0, d);
                CpuKernels.transpose(ex, m, ext, 0, d);
                CpuKernels.forward(w, classes, ext, m, es, 0, d);
                for (int i = 0; i < m; i++) {
                    int y = labels[rows[first + i]];
                    for (int k = 0; k < classes; k++) {
                        scores[k] = es[k][i] + b[k];
                    }
                    double l = loss.lossAndGradient(scores, y, null);
                    losses[first + i] = l;
                    predicted[first + i] = Loss.predictedClass(scores);
                    trueProb[first + i] = (float) loss.trueClassProbability(scores, y, l);
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
