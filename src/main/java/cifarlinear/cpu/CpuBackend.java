package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 * ({@link Products#splitsScores}), in epochs without shifts, each thread keeps half of the
 * features instead ({@link #stepByHalves}; batches larger than a core's cache keeps of them in
 * parts):
 * the scores of {@link Products#scores} are the sum of those two partial sums in every case, so
 * this gives the same weights bit for bit, and W's halves and the gathered halves of the rows
 * stay on their cores (but for the one cache line of each row of W where the halves meet). While a
 * thread waits for the other, it reads its half of the next step's pixels, so that the gather finds
 * them in the core's cache ({@link #touchAhead}).
 *
 * <p>Where other programs keep the cores busy, a thread that waits for a core holds up the others at
 * every hand-off, and the steps go over to the calling thread alone for a while where a trial shows
 * that faster ({@link SerialFallback}): the same pieces, one after the other, so the same bits.
 */
public final class CpuBackend implements Backend {
    private static final int EVAL_CHUNK = 64;
    /** Largest batch, in bytes of pixels, whose update reads the pixels rather than the gathered rows. */
    private static final long PIXEL_UPDATE_BYTES = 3L << 19;
    /**
     * Largest half of a batch's gathered rows, in bytes, that training by halves takes in one piece:
     * they stay in a core's cache (up to 170 CIFAR images). Larger batches go in parts of at most
     * {@link #PART} samples.
     */
    private static final long HALF_ROWS_BYTES = 1L << 20;
    /**
     * Most samples in a part of a larger batch, training by halves: about the batch that by halves
     * runs fastest here: against parts of up to 128, epochs at batches 500 and 1000 were 2–4 %
     * shorter, at 256 the same (bench/results/revision-pairs-fed6d08-701e296.md).
     */
    static final int PART = 100;

    private final int classes;
    private final int d;
    private final int batch;
    private final float[] centeredMean;
    private final float[] invStd;
    private final WorkerPool pool;
    /** Whether steps run on the threads or on the calling thread for now; null on one thread. */
    private final SerialFallback fallback;
    /** Steps trained, and how many of them stayed on the calling thread ({@link SerialFallback#staying}). */
    private long stepsTaken;
    private long stepsOnCaller;
    /** The first and the longest time that steps stay on the calling thread ({@link SerialFallback}). */
    static final long FIRST_STAY_NANOS = 50_000_000L;
    static final long LONGEST_STAY_NANOS = 1_600_000_000L;
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

    /** Two threads, each with half of the features for good (see {@link #stepByHalves}). */
    private final boolean halves;
    private final boolean idleReads;
    private final boolean vectorLoss;
    private final int split;
    /**
     * The second thread's gathered rows, of which it uses its half: apart from {@link #x}, so that
     * the two halves of a row never share a cache line that both threads write.
     */
    private final float[][] xSecond;
    /** Samples in a part of a batch, training by halves: the whole batch where it is small enough. */
    private final int partSize;
    /**
     * The weight update still to be done, training by halves: of the part of {@code pendingSize}
     * samples (0: none) just scored, the first and/or the last of its step. A step in one part
     * updates W in place; one in several sums the next W apart ({@link Model#next}), which replaces W
     * after the last part.
     */
    private int pendingSize;
    private boolean pendingFirst;
    private boolean pendingLast;
    private boolean pendingInParts;
    private final WorkerPool.Task halfPhase = this::halfPhase;
    private final WorkerPool.Task lossPhase = this::lossPhase;

    /** One model's parameters and per-step buffers. */
    private final class Model {
        final LinearModel template;
        final Loss loss;
        final float lambda;
        /** W; and, for batches in parts, the next W, summed part by part while every part is scored with W. */
        float[][] w;
        float[][] next;
        final float[] b;
        final float[][] c;
        /** The same coefficients sample by sample ({@link Products#bySample}), as the update reads them. */
        final float[] bySample;
        final double[] sampleLoss;
        /** Each half's partial sums of the scores (two threads by halves only). */
        final float[][][] partial;
        float coefficient;
        float beta;
        /** The β of the step whose update (of a part) is pending, training by halves. */
        float pendingBeta;
        /** The step's summed loss and, per class, summed coefficients so far: what {@link #stepBias} adds up. */
        double lossSum;
        final double[] coefficientSums;

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
            this.bySample = new float[batch * classes];
            this.sampleLoss = new double[batch];
            this.partial = halves ? new float[2][classes][partSize] : null;
            this.next = halves && partSize < batch ? products.rows(classes, d) : null;
            this.coefficientSums = new double[classes];
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
        /** What {@link Products#touchImages} and {@link #touchAhead} read, kept. */
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
            halfScratch = halves ? products.scratch(classes, d, partSize) : null;
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
     * @param fallBack     run the steps on the calling thread alone for a while where that proves
     *                     faster than the threads, as on a machine busy with other work
     *                     ({@link SerialFallback})
     * @param takeOver     let the calling thread, done with its piece of a step, run the pieces
     *                     that their threads have not begun ({@link WorkerPool#takesOver})
     */
    record Tuning(boolean pixelUpdates, boolean byHalves, boolean idleReads, boolean vectorLoss, boolean fallBack,
                  boolean takeOver) {
        static final Tuning DEFAULT = new Tuning(true, true, true, true, true, true);
    }

    /** Models that train side by side, with the ways of {@code tuning} that are on. */
    CpuBackend(List<LinearModel> initial, double[] lambdas, int batch, int threads, boolean vectorApi,
               Tuning tuning) {
        this(initial, lambdas, batch, threads, vectorApi, tuning, false);
    }

    /**
     * One model, trained as on {@code threads} threads but with every step's pieces run one after
     * the other on the calling thread ({@link WorkerPool#serial}): the same code, for
     * {@link KernelWarmup}, which has the JIT compile it while other threads keep the cores busy.
     */
    static CpuBackend serial(LinearModel initial, int batch, float lambda, int threads, boolean vectorApi) {
        return new CpuBackend(List.of(initial), new double[] {lambda}, batch, threads, vectorApi, Tuning.DEFAULT, true);
    }

    private CpuBackend(List<LinearModel> initial, double[] lambdas, int batch, int threads, boolean vectorApi,
                       Tuning tuning, boolean serial) {
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
        this.halves = tuning.byHalves() && byHalves(products, threads, classes, d);
        this.split = halves ? products.scoreSplit(d) : 0;
        this.partSize = halves && parts(batch) > 1 ? PART : batch;
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
        this.pool = serial ? WorkerPool.serial(threads) : new WorkerPool(threads, tuning.takeOver());
        this.fallback = !serial && threads > 1 && tuning.fallBack()
                ? new SerialFallback(FIRST_STAY_NANOS, LONGEST_STAY_NANOS) : null;
        this.featureChunk = featureChunk(d, products.alignment(), threads);
        this.pixelUpdates = tuning.pixelUpdates() && readsPixels(products, classes, d, batch);
        this.x = products.rows(batch, d);
        this.xSecond = halves ? products.rows(partSize, d) : null;
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

    /**
     * Runs the next steps' pieces on the calling thread, or on the threads again, as the fallback
     * does ({@link SerialFallback}; which, where it is on, decides again after each step).
     */
    void runOnCaller(boolean on) {
        pool.runOnCaller(on);
    }

    /** Whether a thread that waits reads its half of the next step's pixels (by halves only). */
    boolean idleReads() {
        return idleReads;
    }

    @Override
    public String description() {
        return "cpu (" + pool.parts() + (pool.parts() == 1 ? " thread, " : " threads, ") + products.describe()
                + busyNote(stepsTaken, stepsOnCaller) + ")";
    }

    @Override
    public long stepsOnOneThread() {
        return stepsOnCaller;
    }

    /** What the description adds where {@code stayed} of {@code steps} stayed on the calling thread (0.5 % or more). */
    static String busyNote(long steps, long stayed) {
        long percent = steps == 0 ? 0 : Math.round(100.0 * stayed / steps);
        return percent == 0 ? "" : String.format(Locale.ROOT,
                "; %d %% of the steps on one thread, faster there while other work kept the cores busy", percent);
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
        boolean byHalves = halves && epoch.dx() == null;
        plan = epoch;
        pendingSize = 0;
        try {
            for (; step < steps && !stop.getAsBoolean(); step++) {
                int size = Math.min(batch, n - step * batch);
                long start = System.nanoTime();
                long guessed = pool.serialGuessNanos();
                long takenOver = pool.runsTakenOver();
                stepsTaken++;
                stepsOnCaller += fallback != null && fallback.staying() ? 1 : 0;
                double firstLoss = byHalves ? stepByHalves(etas, step, size, lossSums)
                        : stepInChunks(etas, step, size, lossSums);
                if (fallback != null && size == batch) {
                    long end = System.nanoTime();
                    fallback.step(end - start, pool.serialGuessNanos() - guessed,
                            pool.runsTakenOver() > takenOver, end);
                    pool.runOnCaller(fallback.onCaller());
                }
                samples += size;
                listener.onStep(step, steps, firstLoss / size);
            }
        } finally {
            try {
                finishByHalves();
            } finally {
                plan = null;
            }
        }
        return new Progress(step, lossSums, samples);
    }

    /**
     * One step of {@code size} samples in chunks (see {@link #trainSteps}); returns the first
     * model's summed loss. A method of its own, as {@link #stepByHalves} is.
     */
    private double stepInChunks(float[][] etas, int step, int size, double[] lossSums) {
        stepStart = step * batch;
        stepSize = size;
        setRates(etas, step, size);
        clearSums();
        sampleChunk = sampleChunk(size, pool.parts());
        fromPixels = pixelUpdates && plan.dx() == null;
        pool.runChunks((size + sampleChunk - 1) / sampleChunk, samplePhase);
        for (int m = 0; m < models.size(); m++) {
            addSums(models.get(m), size);
        }
        double firstLoss = stepBiases(lossSums);
        pool.runChunks((d + featureChunk - 1) / featureChunk, weightPhase);
        return firstLoss;
    }

    /**
     * One step of {@code size} samples by two threads, its update left pending; returns the first
     * model's summed loss. Each thread owns half of the features ({@link Products#scoreSplit}) for
     * the whole epoch: it gathers its half of every sample of the batch, computes its partial sums
     * of the scores, and updates its half of W. Only the partial sums and the coefficients cross
     * between the cores; W and the gathered rows stay where they are, but for the pieces that the
     * calling thread takes over where the other thread has not begun them ({@link WorkerPool#takesOver}).
     * Two hand-offs per step:
     * <ol>
     *   <li>each thread does the last step's update of its half ({@link Products#update}), then
     *       gathers its half of this step's samples and computes their partial sums
     *       ({@link Products#partialScores});</li>
     *   <li>each thread takes half of the samples: the sum of the two partial sums, which is the
     *       score {@link Products#scores} gives, then the loss and the coefficients.</li>
     * </ol>
     * A batch larger than what a core's cache keeps of it goes so in parts of up to {@link #PART}
     * samples, in order, every part scored with the step's W: the update of each part adds its
     * samples' terms to the next W ({@link Model#next}), starting from β W, in the order of the
     * samples, which gives the bits of the update of the whole batch at once; after the last part
     * the next W replaces W. The gathered rows of a part stay in the cache, as a small batch's do.
     * The weights are the same bit for bit as with the steps of {@link #stepInChunks} on any number
     * of threads. Each update waits for the next part, so the listener is called while W is one update
     * behind b; {@link #finishByHalves} does the update of the last whole step.
     *
     * <p>A method of its own, so that the JIT compiles it once, from the calls, where it would
     * otherwise compile the epoch's loop around it again for each loop it enters (on-stack
     * replacement), each time with all that the step calls, while the training threads wait for a
     * core.
     */
    private double stepByHalves(float[][] etas, int step, int size, double[] lossSums) {
        int start = step * batch;
        int parts = parts(size);
        clearSums();
        setRates(etas, step, size); // the pending update takes its own β (Model#pendingBeta)
        for (int q = 0; q < parts; q++) {
            stepStart = start + (int) ((long) size * q / parts);
            stepSize = start + (int) ((long) size * (q + 1) / parts) - stepStart;
            try {
                pool.run(halfPhase);
            } finally {
                finishPending(); // done, or not to be done twice where it failed half-way
            }
            pool.run(lossPhase);
            for (int m = 0; m < models.size(); m++) {
                Model model = models.get(m);
                addSums(model, stepSize);
                model.pendingBeta = model.beta;
            }
            pendingSize = stepSize;
            pendingFirst = q == 0;
            pendingLast = q == parts - 1;
            pendingInParts = parts > 1;
        }
        return stepBiases(lossSums);
    }

    /**
     * The update of the last whole step by halves, which waited for a next one: done at the end of
     * the steps of {@link #trainSteps}, also when the listener or the loss phase failed; nothing
     * where none is pending.
     */
    private void finishByHalves() {
        if (pendingSize > 0 && pendingLast) {
            stepSize = 0;
            try {
                pool.run(halfPhase);
            } finally {
                finishPending();
            }
        }
        pendingSize = 0;
    }

    /** Parts of a step of this many samples, training by halves. */
    private int parts(int size) {
        return parts(batch, d, size);
    }

    /**
     * Parts of a step of {@code size} samples, training by halves with batches of {@code batch}: one
     * where half of a batch's gathered rows stays in a core's cache, else parts of up to {@link #PART}.
     */
    static int parts(int batch, int d, int size) {
        return (long) batch * d * Float.BYTES / 2 <= HALF_ROWS_BYTES ? 1 : (size + PART - 1) / PART;
    }

    /** Whether the pending update is the last part of a step in parts: after it, the next W replaces W. */
    private boolean pendingReplacesW() {
        return pendingSize > 0 && pendingInParts && pendingLast;
    }

    /** After the threads did the pending update: the next W replaces W where that was the last of its step's parts. */
    private void finishPending() {
        if (pendingReplacesW()) {
            for (int m = 0; m < models.size(); m++) {
                Model model = models.get(m);
                float[][] w = model.w;
                model.w = model.next;
                model.next = w;
            }
        }
        pendingSize = 0;
    }

    /**
     * A thread's half of the features: the pending update, then (unless {@code stepSize} is 0) the
     * gather and the partial sums of this part's samples, with the W that the update left.
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
        boolean replaced = pendingReplacesW();
        for (int m = 0; pendingSize > 0 && m < models.size(); m++) {
            Model model = models.get(m);
            if (!pendingInParts) {
                products.update(model.w, classes, rows, pendingSize, model.c, model.bySample, model.pendingBeta, j0,
                        j1);
                continue;
            }
            if (pendingFirst) {
                scale(model.w, model.next, model.pendingBeta, j0, j1);
            }
            products.update(model.next, classes, rows, pendingSize, model.c, model.bySample, 1.0f, j0, j1);
        }
        if (stepSize == 0) {
            return;
        }
        byte[] u = p.data().centeredPixels();
        wk.touched = products.gatherFeatures(u, d, p.order(), p.flip(), stepStart, centeredMean, invStd, rows, 0,
                stepSize, j0, j1);
        for (Model model : models) {
            products.partialScores(replaced ? model.next : model.w, classes, d, rows, 0, stepSize, model.partial[part],
                    wk.halfScratch, part == 1);
        }
        if (stepStart + stepSize < p.size()) {
            wk.aheadPixels = u;
            wk.aheadRows = p.order();
            wk.aheadNext = stepStart + stepSize;
            wk.aheadEnd = Math.min(p.size(), wk.aheadNext + stepSize);
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

    /** to[k][j] = β · from[k][j] for features {@code [j0, j1)}: where the next W starts, β W. */
    private void scale(float[][] from, float[][] to, float beta, int j0, int j1) {
        int o = products.rowOffset();
        for (int k = 0; k < classes; k++) {
            float[] f = from[k];
            float[] t = to[k];
            for (int j = o + j0; j < o + j1; j++) {
                t[j] = f[j] * beta;
            }
        }
    }

    /** Half of the part's samples: their scores from the two partial sums, losses and coefficients. */
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
            Products.bySample(model.c, classes, i0, i1, model.bySample);
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
    private void setRates(float[][] etas, int step, int size) {
        for (int m = 0; m < models.size(); m++) {
            Model model = models.get(m);
            float eta = etas[m][step];
            model.coefficient = -eta / size;
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

    /** Sets every model's sums of {@link #addSums} to zero, also where a step failed half-way. */
    private void clearSums() {
        for (int m = 0; m < models.size(); m++) {
            models.get(m).lossSum = 0;
            Arrays.fill(models.get(m).coefficientSums, 0);
        }
    }

    /**
     * Adds the first {@code n} samples' losses and coefficients (of the step, or of its part) to the
     * model's sums, in their order, as {@link #stepBias} takes them.
     */
    private static void addSums(Model model, int n) {
        for (int i = 0; i < n; i++) {
            model.lossSum += model.sampleLoss[i];
        }
        for (int k = 0; k < model.coefficientSums.length; k++) {
            double sum = model.coefficientSums[k];
            float[] ck = model.c[k];
            for (int i = 0; i < n; i++) {
                sum += ck[i];
            }
            model.coefficientSums[k] = sum;
        }
    }

    /**
     * Steps a model's b by the sum of the step's coefficients and returns the batch's summed loss
     * (the sums of {@link #addSums}, which {@link #clearSums} sets to zero before every step). A
     * method of its own, so that it runs compiled even while the step around it waits to be.
     */
    private double stepBias(Model model) {
        for (int k = 0; k < classes; k++) {
            model.b[k] = (float) (model.b[k] + model.coefficientSums[k]);
        }
        return model.lossSum;
    }

    /**
     * Whether training on this many threads goes by halves of the features (in epochs without
     * shifts): on two, where the kernels split the scores; batches larger than a core's cache keeps
     * of them (170 CIFAR images) in parts ({@link #stepByHalves}).
     */
    static boolean byHalves(Products products, int threads, int classes, int d) {
        return threads == 2 && products.splitsScores(classes, d);
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
        wk.touched += Products.touchImages(p.data().centeredPixels(), d, p.order(), stepStart, i0, i1, 0, d);
        products.gather(p.data().centeredPixels(), d, p.order(), p.flip(), p.dx(), p.dy(), stepStart + i0 - r0,
                centeredMean, invStd, rows, r0, r0 + i1 - i0, wk.row);
        int[] labels = p.data().labels();
        int[] order = p.order();
        for (Model model : models) {
            products.scores(model.w, classes, d, rows, r0, r0 + i1 - i0, wk.s, wk.scratch);
            lossAndCoefficients(model.loss, wk.s, null, i0, model.b, labels, order, stepStart, i0, i1,
                    model.coefficient, model.c, model.sampleLoss, wk);
            Products.bySample(model.c, classes, i0, i1, model.bySample);
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
                        stepStart, centeredMean, invStd, stepSize, model.c, model.bySample, model.beta, j0, j1);
            } else {
                products.update(model.w, classes, x, stepSize, model.c, model.bySample, model.beta, j0, j1);
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
            wk.touched += Products.touchImages(u, d, rows, first, 0, m, 0, d);
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
