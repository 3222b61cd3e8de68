package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Pure-Java training on all cores, with every buffer allocated up front (nothing per step).
 * A step is two parallel phases, each dealt out in chunks to whichever thread is free
 * ({@link WorkerPool#runChunks}):
 * <ol>
 *   <li>a chunk of the batch's samples is gathered, flipped, shifted and normalized
 *       ({@link CpuKernels#gather}) once, then for each model its scores are computed
 *       ({@link Products#scores}) and from those each sample's loss and update coefficients
 *       c[k][i] = −(η/m) ∂ℓ_i/∂s_k ({@link Products#lossAndCoefficients}: {@link Loss#lossAndGradient},
 *       a vector of samples at a time where the kernels can);</li>
 *   <li>the calling thread steps each model's b; then a chunk of W's columns is updated in every
 *       model ({@link Products#update}).</li>
 * </ol>
 * The update needs every sample's features in its columns, which the first phase gathered on
 * other cores. Where the kernels can ({@link Products#updatesFromPixels}: batches whose bytes
 * fit in a core's cache, no shifts), the update reads the samples' bytes instead, which no one
 * writes, and the gather goes to rows of the thread's own: nothing written on one core is then
 * read on another but the coefficients. The weights are the same bit for bit either way.
 * Several models (configurations sharing the batches) train on the one gathered batch. Every
 * score (or each of its two partial sums, below) and every weight is computed whole by one thread
 * in an order fixed by the shapes, so the result does not depend on the number of threads.
 *
 * <p>On two threads, where the kernels split the scores in two partial sums by features
 * ({@link Products#splitsScores}), for batches up to the size {@link #byHalves} allows and in
 * epochs without shifts, each thread keeps half of the features instead ({@link #trainByHalves}):
 * the scores of {@link Products#scores} are the sum of those two partial sums in every case, so
 * this gives the same weights bit for bit, and W's halves and the gathered halves of the rows
 * stay on their cores (but for the one cache line of each row of W where the halves meet). While a
 * thread waits for the other, it reads its half of the next step's pixels, so that the gather finds
 * them in the core's cache ({@link #touchAhead}).
 */
public final class CpuBackend implements Backend {
    private static final int EVAL_CHUNK = 64;
    /** Largest batch, in bytes of pixels, whose update reads the pixels rather than the gathered rows. */
    private static final long PIXEL_UPDATE_BYTES = 3L << 19;
    /** Largest half of a batch's gathered rows, in bytes, for training by halves: they stay in a core's cache. */
    private static final long HALF_ROWS_BYTES = 1L << 20;

    private final int classes;
    private final int d;
    private final int batch;
    private final float[] centeredMean;
    private final float[] invStd;
    private final WorkerPool pool;
    private final Products products;
    private final List<Model> models = new ArrayList<>();

    // The gathered batch (batch × d), shared by all models.
    private final float[][] x;
    private final Worker[] workers;
    private final boolean pixelUpdates;

    // The step being run, read by the phase tasks.
    private EpochPlan plan;
    private int stepStart;
    private int stepSize;
    private int sampleChunk;
    private boolean fromPixels;
    private final int featureChunk;
    private final WorkerPool.ChunkTask samplePhase = this::samplePhase;
    private final WorkerPool.ChunkTask weightPhase = this::weightPhase;

    /** Two threads, each with half of the features for good (see {@link #trainByHalves}). */
    private final boolean halves;
    private final boolean idleReads;
    private final boolean vectorLoss;
    private final int split;
    /**
     * The second thread's gathered rows, of which it uses its half: apart from {@link #x}, so that
     * the two halves of a row never share a cache line that both threads write.
     */
    private final float[][] xSecond;
    /** Whether the last step's weight update is still to be done, with its size. */
    private boolean updatePending;
    private int updateSize;
    private final WorkerPool.Task halfPhase = this::halfPhase;
    private final WorkerPool.Task lossPhase = this::lossPhase;

    /** One model's parameters and per-step buffers. */
    private final class Model {
        final LinearModel template;
        final Loss loss;
        final float lambda;
        final float[][] w;
        final float[] b;
        final float[][] c;
        final double[] sampleLoss;
        /** Each half's partial sums of the scores (two threads by halves only). */
        final float[][][] partial;
        float coefficient;
        float beta;

        Model(LinearModel initial, float lambda) {
            this.template = initial.copy();
            this.loss = initial.loss();
            this.lambda = lambda;
            this.w = products.rows(classes, d);
            for (int k = 0; k < classes; k++) {
                System.arraycopy(initial.weights(), k * d, w[k], products.rowOffset(), d);
            }
            this.b = initial.bias().clone();
            this.c = new float[classes][batch];
            this.sampleLoss = new double[batch];
            this.partial = halves ? new float[2][classes][batch] : null;
        }
    }

    /** One thread's working memory. */
    private final class Worker {
        final float[][] s;
        final Object scratch;
        final double[] scores;
        final double[] grad;
        final float[] row;
        /** Rows gathered for this thread alone: a chunk of samples, to evaluate or to score. */
        final float[][] own;
        /** The partial sums' scratch for a whole batch (two threads by halves only). */
        final Object halfScratch;
        /** What {@link Products#gatherFeatures} and {@link #touchAhead} read, kept. */
        int touched;
        /**
         * The pixels that this thread will gather next, while it waits (training by halves):
         * features {@code [aheadFrom, aheadTo)} of the images {@code aheadRows[aheadNext ..
         * aheadEnd)} of {@code aheadPixels}. Only this thread reads and writes them.
         */
        byte[] aheadPixels;
        int[] aheadRows;
        int aheadNext;
        int aheadEnd;
        int aheadFrom;
        int aheadTo;

        Worker(int rows) {
            s = new float[classes][rows];
            scratch = products.scratch(classes, d, rows);
            scores = new double[classes];
            grad = products.lossScratch(classes);
            row = new float[d];
            own = products.rows(rows, d);
            halfScratch = halves ? products.scratch(classes, d, batch) : null;
        }
    }

    /** One model. */
    public CpuBackend(LinearModel initial, int batch, float lambda, int threads, boolean vectorApi) {
        this(List.of(initial), new double[] {lambda}, batch, threads, vectorApi);
    }

    /**
     * Models that train side by side on the same batches.
     *
     * @param lambdas   each model's L2 strength
     * @param vectorApi use the Vector API kernels ({@link Simd#vectorApiAvailable()} must hold)
     */
    public CpuBackend(List<LinearModel> initial, double[] lambdas, int batch, int threads, boolean vectorApi) {
        this(initial, lambdas, batch, threads, vectorApi, Tuning.DEFAULT);
    }

    /**
     * Ways of going about a step that give the same weights bit for bit, each on where this machine
     * and the shapes allow it ({@link #DEFAULT}) or off, to compare them side by side.
     *
     * @param pixelUpdates let the update read the pixels where the kernels can
     * @param byHalves     go by halves of the features where {@link #byHalves} allows
     * @param idleReads    read the next step's pixels while a thread waits (by halves)
     * @param vectorLoss   let the kernels compute the loss and coefficients a vector of samples at a
     *                     time where they can ({@link Products#lossAndCoefficients}), rather than
     *                     one sample at a time
     */
    record Tuning(boolean pixelUpdates, boolean byHalves, boolean idleReads, boolean vectorLoss) {
        static final Tuning DEFAULT = new Tuning(true, true, true, true);
    }

    /** Models that train side by side, with the ways of {@code tuning} that are on. */
    CpuBackend(List<LinearModel> initial, double[] lambdas, int batch, int threads, boolean vectorApi,
               Tuning tuning) {
        LinearModel first = initial.getFirst();
        if (first.dim() != Dataset.DIM) {
            throw new IllegalArgumentException("the CPU backend trains on " + Dataset.DIM + "-feature images, not "
                    + first.dim());
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        if (lambdas.length != initial.size()) {
            throw new IllegalArgumentException(initial.size() + " models but " + lambdas.length + " λ");
        }
        this.classes = first.classCount();
        this.d = first.dim();
        this.batch = batch;
        this.products = Simd.products(vectorApi);
        this.halves = tuning.byHalves() && byHalves(products, threads, classes, d, batch);
        this.split = halves ? products.scoreSplit(d) : 0;
        for (int m = 0; m < initial.size(); m++) {
            LinearModel model = initial.get(m);
            if (!model.classNames().equals(first.classNames()) || !model.stats().equals(first.stats())) {
                throw new IllegalArgumentException("models trained together must share classes and normalization");
            }
            models.add(new Model(model, (float) lambdas[m]));
        }
        this.centeredMean = first.stats().mean().clone();
        for (int j = 0; j < d; j++) {
            centeredMean[j] -= 128;
        }
        this.invStd = first.stats().invStd();
        this.pool = new WorkerPool(threads);
        this.featureChunk = featureChunk(d, products.alignment(), threads);
        this.pixelUpdates = tuning.pixelUpdates() && readsPixels(products, classes, d, batch);
        this.x = products.rows(batch, d);
        this.xSecond = halves ? products.rows(batch, d) : null;
        int rows = Math.max(EVAL_CHUNK, sampleChunk(batch, threads));
        this.workers = new Worker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker(rows);
        }
        this.idleReads = halves && tuning.idleReads();
        this.vectorLoss = tuning.vectorLoss();
        if (this.idleReads) {
            pool.whileWaiting(this::touchAhead);
        }
    }

    /** Whether the update reads the pixels (in epochs without shifts). */
    boolean pixelUpdates() {
        return pixelUpdates;
    }

    /** Whether two threads go by halves of the features (in epochs without shifts). */
    boolean byHalves() {
        return halves;
    }

    /** Whether a thread that waits reads its half of the next step's pixels (by halves only). */
    boolean idleReads() {
        return idleReads;
    }

    @Override
    public String description() {
        return "cpu (" + pool.parts() + (pool.parts() == 1 ? " thread, " : " threads, ") + products.describe() + ")";
    }

    @Override
    public int models() {
        return models.size();
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public Progress trainSteps(EpochPlan epoch, float[][] etas, int fromStep, StepListener listener,
                               BooleanSupplier stop) {
        if (epoch.data().classCount() != classes) {
            throw new IllegalArgumentException("data has " + epoch.data().classCount() + " classes, models " + classes);
        }
        int n = epoch.size();
        int steps = epoch.steps(batch);
        double[] lossSums = new double[models.size()];
        int samples = 0;
        int step = fromStep;
        plan = epoch;
        if (halves && epoch.dx() == null) {
            try {
                return trainByHalves(steps, etas, fromStep, listener, stop);
            } finally {
                plan = null;
            }
        }
        try {
            for (; step < steps && !stop.getAsBoolean(); step++) {
                stepStart = step * batch;
                stepSize = Math.min(batch, n - stepStart);
                setRates(etas, step);
                sampleChunk = sampleChunk(stepSize, pool.parts());
                fromPixels = pixelUpdates && epoch.dx() == null;
                pool.runChunks((stepSize + sampleChunk - 1) / sampleChunk, samplePhase);
                double firstLoss = stepBiases(lossSums);
                pool.runChunks((d + featureChunk - 1) / featureChunk, weightPhase);
                samples += stepSize;
                listener.onStep(step, steps, firstLoss / stepSize);
            }
        } finally {
            plan = null;
        }
        return new Progress(step, lossSums, samples);
    }

    /**
     * Steps with two threads, each owning half of the features ({@link Products#scoreSplit}) for
     * the whole epoch: it gathers its half of every sample of the batch, computes its partial sums
     * of the scores, and updates its half of W. Only the partial sums and the coefficients cross
     * between the cores; W and the gathered rows stay where they are. Two hand-offs per step:
     * <ol>
     *   <li>each thread does the last step's update of its half ({@link Products#update}), then
     *       gathers its half of this step's samples and computes their partial sums
     *       ({@link Products#partialScores});</li>
     *   <li>each thread takes half of the samples: the sum of the two partial sums, which is the
     *       score {@link Products#scores} gives, then the loss and the coefficients.</li>
     * </ol>
     * The weights are the same bit for bit as with the steps of {@link #trainSteps} on any number of
     * threads. Each step's update of W waits for the next step, so the listener is called while W
     * is one update behind b; the update of the last step is done before returning, also when the
     * listener or the loss phase fails.
     */
    private Progress trainByHalves(int steps, float[][] etas, int fromStep, StepListener listener,
                                   BooleanSupplier stop) {
        int n = plan.size();
        double[] lossSums = new double[models.size()];
        int samples = 0;
        int step = fromStep;
        updatePending = false;
        try {
            for (; step < steps && !stop.getAsBoolean(); step++) {
                stepStart = step * batch;
                stepSize = Math.min(batch, n - stepStart);
                try {
                    pool.run(halfPhase);
                } finally {
                    updatePending = false; // done, or not to be done twice where it failed half-way
                }
                setRates(etas, step); // the last step's β, which the update above used, is no longer needed
                pool.run(lossPhase);
                double firstLoss = stepBiases(lossSums);
                updatePending = true;
                updateSize = stepSize;
                samples += stepSize;
                listener.onStep(step, steps, firstLoss / stepSize);
            }
        } finally {
            if (updatePending) {
                stepSize = 0;
                try {
                    pool.run(halfPhase);
                } finally {
                    updatePending = false;
                }
            }
        }
        return new Progress(step, lossSums, samples);
    }

    /**
     * A thread's half of the features: the pending update, then (unless {@code stepSize} is 0) the
     * gather and the partial sums of this step's samples.
     */
    private void halfPhase(int part, int parts) {
        int j0 = part == 0 ? 0 : split;
        int j1 = part == 0 ? split : d;
        float[][] rows = part == 0 ? x : xSecond;
        EpochPlan p = plan;
        Worker wk = workers[part];
        wk.aheadEnd = 0;
        wk.aheadPixels = null; // not kept from the garbage collector past their use
        wk.aheadRows = null;
        if (updatePending) {
            for (Model model : models) {
                products.update(model.w, classes, rows, updateSize, model.c, model.beta, j0, j1);
            }
        }
        if (stepSize == 0) {
            return;
        }
        byte[] u = p.data().centeredPixels();
        wk.touched = products.gatherFeatures(u, d, p.order(), p.flip(), stepStart, centeredMean, invStd, rows, 0,
                stepSize, j0, j1);
        for (Model model : models) {
            products.partialScores(model.w, classes, d, rows, 0, stepSize, model.partial[part], wk.halfScratch,
                    part == 1);
        }
        if (stepStart + stepSize < p.size()) {
            wk.aheadPixels = u;
            wk.aheadRows = p.order();
            wk.aheadNext = stepStart + stepSize;
            wk.aheadEnd = Math.min(p.size(), wk.aheadNext + batch);
            wk.aheadFrom = j0;
            wk.aheadTo = j1;
        }
    }

    /**
     * Idle work of thread {@code part}, training by halves: reads one byte of each cache line of
     * its half of the next image that the next step gathers, so that the memory system fetches
     * them while the thread would only wait (for the other thread, or for the next step). The
     * gather then finds them in the core's cache. One image per call.
     */
    private boolean touchAhead(int part) {
        Worker wk = workers[part];
        if (wk.aheadNext >= wk.aheadEnd) {
            return false;
        }
        wk.touched += Products.touchLines(wk.aheadPixels, wk.aheadRows[wk.aheadNext++] * d, wk.aheadFrom, wk.aheadTo);
        if (wk.aheadNext < wk.aheadEnd) {
            return true;
        }
        wk.aheadPixels = null;
        wk.aheadRows = null;
        return false;
    }

    /** Half of the step's samples: their scores from the two partial sums, losses and coefficients. */
    private void lossPhase(int part, int parts) {
        int half = (stepSize + 1) / 2;
        int i0 = part == 0 ? 0 : half;
        int i1 = part == 0 ? half : stepSize;
        Worker wk = workers[part];
        int[] labels = plan.data().labels();
        int[] order = plan.order();
        for (Model model : models) {
            lossAndCoefficients(model.loss, model.partial[0], model.partial[1], 0, model.b, labels, order, stepStart,
                    i0, i1, model.coefficient, model.c, model.sampleLoss, wk);
        }
    }

    /** {@link Products#lossAndCoefficients} by the kernels, or one sample at a time where {@link Tuning#vectorLoss} is off. */
    private void lossAndCoefficients(Loss loss, float[][] first, float[][] second, int off, float[] b, int[] labels,
                                     int[] order, int start, int i0, int i1, float coefficient, float[][] c,
                                     double[] sampleLoss, Worker wk) {
        if (vectorLoss) {
            products.lossAndCoefficients(loss, first, second, off, b, labels, order, start, i0, i1, coefficient, c,
                    sampleLoss, wk.scores, wk.grad);
        } else {
            Products.lossPerSample(loss, first, second, off, b, labels, order, start, i0, i1, coefficient, c,
                    sampleLoss, wk.scores, wk.grad);
        }
    }

    /** Each model's rates for the step: its coefficient −η/m and its β = 1 − 2ηλ. */
    private void setRates(float[][] etas, int step) {
        for (int m = 0; m < models.size(); m++) {
            Model model = models.get(m);
            float eta = etas[m][step];
            model.coefficient = -eta / stepSize;
            model.beta = 1.0f - 2.0f * eta * model.lambda;
        }
    }

    /** Steps every model's b ({@link #stepBias}), adds each batch loss to its sum and returns the first model's. */
    private double stepBiases(double[] lossSums) {
        double firstLoss = 0;
        for (int m = 0; m < models.size(); m++) {
            double batchLoss = stepBias(models.get(m));
            lossSums[m] += batchLoss;
            if (m == 0) {
                firstLoss = batchLoss;
            }
        }
        return firstLoss;
    }

    /**
     * Steps a model's b by the sum of the step's coefficients and returns the batch's summed loss.
     * A method of its own, so that it runs compiled even while the step loop around it, which runs
     * for a whole epoch, waits to be compiled again.
     */
    private double stepBias(Model model) {
        double batchLoss = 0;
        for (int i = 0; i < stepSize; i++) {
            batchLoss += model.sampleLoss[i];
        }
        for (int k = 0; k < classes; k++) {
            double sum = 0;
            float[] ck = model.c[k];
            for (int i = 0; i < stepSize; i++) {
                sum += ck[i];
            }
            model.b[k] = (float) (model.b[k] + sum);
        }
        return batchLoss;
    }

    /**
     * Whether training on this many threads goes by halves of the features (in epochs without
     * shifts): on two, with batches whose half of the gathered rows stays in a core's cache (up to
     * 170 CIFAR images). With larger ones it was no faster than chunks, or slower.
     */
    static boolean byHalves(Products products, int threads, int classes, int d, int batch) {
        return threads == 2 && products.splitsScores(classes, d)
                && (long) batch * d * Float.BYTES / 2 <= HALF_ROWS_BYTES;
    }

    /** Whether the update of a batch of this shape reads the pixels (in epochs without shifts). */
    static boolean readsPixels(Products products, int classes, int d, int batch) {
        return products.updatesFromPixels(classes, d) && (long) batch * d <= PIXEL_UPDATE_BYTES;
    }

    /** Samples per chunk of the first phase: about four chunks per thread, in whole blocks of four. */
    static int sampleChunk(int stepSize, int threads) {
        return Math.max(8, stepSize / (4 * threads) / 4 * 4);
    }

    /** Features per chunk of the update: about six chunks per thread, in whole kernel alignments. */
    static int featureChunk(int d, int align, int threads) {
        return Math.max(1, (d + align - 1) / align / (6 * threads)) * align;
    }

    /** Gather once, then scores, loss and coefficients of every model for one chunk of samples. */
    private void samplePhase(int chunk, int worker) {
        int i0 = chunk * sampleChunk;
        int i1 = Math.min(stepSize, i0 + sampleChunk);
        EpochPlan p = plan;
        Worker wk = workers[worker];
        // Rows of the thread's own when the update reads the pixels, else the batch's own rows.
        float[][] rows = fromPixels ? wk.own : x;
        int r0 = fromPixels ? 0 : i0;
        products.gather(p.data().centeredPixels(), d, p.order(), p.flip(), p.dx(), p.dy(), stepStart + i0 - r0,
                centeredMean, invStd, rows, r0, r0 + i1 - i0, wk.row);
        int[] labels = p.data().labels();
        int[] order = p.order();
        for (Model model : models) {
            products.scores(model.w, classes, d, rows, r0, r0 + i1 - i0, wk.s, wk.scratch);
            lossAndCoefficients(model.loss, wk.s, null, i0, model.b, labels, order, stepStart, i0, i1,
                    model.coefficient, model.c, model.sampleLoss, wk);
        }
    }

    /** The weight update of every model for one chunk of columns. */
    private void weightPhase(int chunk, int worker) {
        int j0 = chunk * featureChunk;
        int j1 = Math.min(d, j0 + featureChunk);
        EpochPlan p = plan;
        for (Model model : models) {
            if (fromPixels) {
                products.updateFromPixels(model.w, classes, p.data().centeredPixels(), d, p.order(), p.flip(),
                        stepStart, centeredMean, invStd, stepSize, model.c, model.beta, j0, j1);
            } else {
                products.update(model.w, classes, x, stepSize, model.c, model.beta, j0, j1);
            }
        }
    }

    @Override
    public List<Evaluation> evaluate(Subset subset) {
        int n = subset.size();
        int count = models.size();
        int[] rows = subset.rows();
        byte[] u = subset.data().centeredPixels();
        int[] labels = subset.data().labels();
        double[][] losses = new double[count][n];
        int[][] predicted = new int[count][n];
        float[][] trueProb = new float[count][n];
        // Chunks dealt to whichever thread is free, as in training: one slowed core does not hold
        // the other up. Each sample's results depend on its own chunk only.
        pool.runChunks((n + EVAL_CHUNK - 1) / EVAL_CHUNK, (chunk, worker) -> {
            int first = chunk * EVAL_CHUNK;
            int m = Math.min(EVAL_CHUNK, n - first);
            Worker wk = workers[worker];
            products.gather(u, d, rows, null, null, null, first, centeredMean, invStd, wk.own, 0, m, wk.row);
            for (int mi = 0; mi < count; mi++) {
                Model model = models.get(mi);
                products.scores(model.w, classes, d, wk.own, 0, m, wk.s, wk.scratch);
                lossAndCoefficients(model.loss, wk.s, null, first, model.b, labels, rows, 0, first, first + m, 0, null,
                        losses[mi], wk);
                for (int i = 0; i < m; i++) {
                    int y = labels[rows[first + i]];
                    for (int k = 0; k < classes; k++) {
                        wk.scores[k] = wk.s[k][i] + model.b[k];
                    }
                    double l = losses[mi][first + i];
                    predicted[mi][first + i] = Loss.predictedClass(wk.scores);
                    trueProb[mi][first + i] = (float) model.loss.trueClassProbability(wk.scores, y, l);
                }
            }
        });
        List<Evaluation> out = new ArrayList<>();
        int[] subsetLabels = new int[n];
        for (int i = 0; i < n; i++) {
            subsetLabels[i] = labels[rows[i]];
        }
        for (int mi = 0; mi < count; mi++) {
            double lossSum = 0;
            int correct = 0;
            long[] confusion = new long[classes * classes];
            for (int i = 0; i < n; i++) {
                int y = labels[rows[i]];
                lossSum += losses[mi][i];
                if (predicted[mi][i] == y) {
                    correct++;
                }
                confusion[y * classes + predicted[mi][i]]++;
            }
            out.add(new Evaluation(n, lossSum, correct, confusion, trueProb[mi], predicted[mi], subsetLabels));
        }
        return out;
    }

    @Override
    public LinearModel snapshot(int index) {
        Model model = models.get(index);
        float[] flat = new float[classes * d];
        for (int k = 0; k < classes; k++) {
            System.arraycopy(model.w[k], products.rowOffset(), flat, k * d, d);
        }
        return new LinearModel(model.loss, model.template.classNames(), model.template.stats(), flat, model.b.clone());
    }

    @Override
    public void close() {
        pool.close();
    }
}
