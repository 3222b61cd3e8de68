package cifarlinear.cpu;

import cifarlinear.model.Loss;

/**
 * The gather and the two matrix products of a training step, S = W X and W ← β W + C Xᵀ, in one of two
 * implementations: {@link VectorKernels} (explicit SIMD through the Vector API) or
 * {@link CpuKernels} (loops that C2 vectorizes). X is sample-major (x[i] = sample i). In the rows of
 * W and X that these methods take, feature j is at index {@link #rowOffset()} + j: make them with
 * {@link #rows}.
 */
abstract sealed class Products permits Products.AutoVectorized, VectorKernels {

    /** Floats before feature 0 in every row of W and of a batch (0 unless {@link Simd#rowOffset} says otherwise). */
    int rowOffset() {
        return 0;
    }

    /** Zeros for W or a batch: {@code n} rows of {@code d} features, after {@link #rowOffset} floats each. */
    final float[][] rows(int n, int d) {
        return new float[n][rowOffset() + d];
    }

    /** Per-thread working memory, sized for at most {@code rows} samples at once. */
    abstract Object scratch(int classes, int d, int rows);

    /** out[k][i − i0] = Σ_j w[k][j] · x[i][j] for samples {@code [i0, i1)}. */
    abstract void scores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch);

    /**
     * Whether {@link #partialScores} can split this shape's scores in two by features: then
     * {@link #scores} computes every score as the sum of the two partial sums, the first plus the
     * second, which two threads can compute apart with the same result.
     */
    boolean splitsScores(int classes, int d) {
        return false;
    }

    /** The feature where the second partial sum starts (whole image rows before it); when {@link #splitsScores}. */
    int scoreSplit(int d) {
        throw new UnsupportedOperationException("scores are not split by " + describe());
    }

    /**
     * The first partial sum of the scores of {@link #scores}, features {@code [0, scoreSplit(d))},
     * or the second, the rest; {@code out[k][i − i0]} of the first plus that of the second is
     * exactly the score. Only when {@link #splitsScores} holds.
     */
    void partialScores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch,
                       boolean second) {
        throw new UnsupportedOperationException("scores are not split by " + describe());
    }

    /**
     * Features {@code [j0, j1)} (whole image rows) of {@link #gather} for samples without shifts,
     * with the same results bit for bit; only where {@link #splitsScores} holds. Returns a number
     * made from the bytes that the caller keeps, so that no read of them is left out as unused.
     */
    int gatherFeatures(byte[] u, int d, int[] rows, boolean[] flip, int rowOff, float[] centeredMean, float[] invStd,
                       float[][] x, int i0, int i1, int j0, int j1) {
        throw new UnsupportedOperationException("the gather is not split by " + describe());
    }

    /**
     * Reads one byte of each cache line of {@code u[src + j0 .. src + j1)}, the last line too where
     * the range does not start on one, so that the memory system fetches them all at once; returns
     * their sum, for the caller to keep where the JIT cannot drop the reads.
     */
    static int touchLines(byte[] u, int src, int j0, int j1) {
        int touched = 0;
        for (int j = j0; j < j1; j += 64) {
            touched += u[src + j];
        }
        return touched + u[src + j1 - 1];
    }

    /**
     * Reads features {@code [j0, j1)} of the images {@code rows[rowOff + i]}, {@code i} in
     * {@code [i0, i1)}, so that the memory system fetches them all at once, ahead of a gather that
     * would otherwise wait for each image's first lines in turn, behind the arithmetic of the one
     * before: first the first and the last byte of each, so that the memory pages of all the images
     * are looked up at once rather than one image after the other, then one byte of every cache
     * line. On one thread, a gather of 100 random images out of 49,000 took 55 µs so against 75 µs
     * without (bench/results/read-ahead.md), and half of each image 10–20 % less than with the
     * second pass alone.
     * Returns the sum of the bytes read, for the caller to keep where the JIT cannot drop the reads.
     */
    static int touchImages(byte[] u, int d, int[] rows, int rowOff, int i0, int i1, int j0, int j1) {
        int touched = 0;
        for (int i = i0; i < i1; i++) {
            int src = rows[rowOff + i] * d;
            touched += u[src + j0] + u[src + j1 - 1];
        }
        for (int i = i0; i < i1; i++) {
            touched += touchLines(u, rows[rowOff + i] * d, j0, j1);
        }
        return touched;
    }

    /**
     * w[k][j] ← β · w[k][j] + Σ_{i < m} c[k][i] · x[i][j] for features {@code [j0, j1)}. {@code bySample}
     * holds the same coefficients sample by sample ({@link #bySample}); each implementation reads
     * whichever suits its loops.
     */
    abstract void update(float[][] w, int classes, float[][] x, int m, float[][] c, float[] bySample, float beta,
                         int j0, int j1);

    /**
     * Copies the coefficients of samples {@code [i0, i1)} sample by sample, as {@link #update} also
     * takes them: {@code bySample[i · classes + k] = c[k][i]}.
     */
    static void bySample(float[][] c, int classes, int i0, int i1, float[] bySample) {
        for (int k = 0; k < classes; k++) {
            float[] ck = c[k];
            for (int i = i0; i < i1; i++) {
                bySample[i * classes + k] = ck[i];
            }
        }
    }

    /** Whether {@link #updateFromPixels} can do the update for this shape. */
    boolean updatesFromPixels(int classes, int d) {
        return false;
    }

    /**
     * The update of {@link #update} for features {@code [j0, j1)} (whole multiples of
     * {@link #alignment()}), reading each sample from the centered bytes and normalizing and
     * flipping it on the way, as {@link #gather} does, instead of from the gathered batch: the
     * same arithmetic, so the same weights bit for bit, from a quarter of the bytes, which no one
     * writes. Flip may be null; shifted samples are not supported. Only when
     * {@link #updatesFromPixels} holds.
     */
    void updateFromPixels(float[][] w, int classes, byte[] u, int d, int[] rows, boolean[] flip, int rowOff,
                          float[] centeredMean, float[] invStd, int m, float[][] c, float[] bySample, float beta,
                          int j0, int j1) {
        throw new UnsupportedOperationException("the update from pixels is not implemented by " + describe());
    }

    /**
     * The batch gathered from the centered bytes, flipped, shifted and normalized: the contract of
     * {@link CpuKernels#gather}, with the same results bit for bit.
     */
    void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff, float[] centeredMean,
                float[] invStd, float[][] x, int i0, int i1, float[] scratch) {
        CpuKernels.gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, rowOffset(), i0, i1, scratch);
    }

    /** Working memory of {@link #lossAndCoefficients} (its {@code g}), at least {@code classes} long. */
    double[] lossScratch(int classes) {
        return new double[classes];
    }

    /**
     * The per-sample arithmetic of a step, for samples {@code [i0, i1)}: the score of class k is
     * (first[k][i − off] + second[k][i − off]) + b[k] in float (first[k][i − off] + b[k] where
     * {@code second} is null); then, in double, ℓ_i = {@link Loss#lossAndGradient}(s, y_i, g) into
     * {@code sampleLoss[i]} and c[k][i] = (float) (coefficient · g_k), where y_i =
     * labels[order[start + i]]; only the losses where {@code c} is null. {@code s} is
     * {@code classes} long; {@code g} comes from {@link #lossScratch}. Every implementation gives
     * the same bits.
     */
    void lossAndCoefficients(Loss loss, float[][] first, float[][] second, int off, float[] b, int[] labels,
                             int[] order, int start, int i0, int i1, float coefficient, float[][] c,
                             double[] sampleLoss, double[] s, double[] g) {
        lossPerSample(loss, first, second, off, b, labels, order, start, i0, i1, coefficient, c, sampleLoss, s, g);
    }

    /** {@link #lossAndCoefficients} one sample at a time, through {@link Loss#lossAndGradient}. */
    static void lossPerSample(Loss loss, float[][] first, float[][] second, int off, float[] b, int[] labels,
                              int[] order, int start, int i0, int i1, float coefficient, float[][] c,
                              double[] sampleLoss, double[] s, double[] g) {
        int classes = s.length;
        for (int i = i0; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                float score = second == null ? first[k][i - off] : first[k][i - off] + second[k][i - off];
                s[k] = score + b[k];
            }
            sampleLoss[i] = loss.lossAndGradient(s, labels[order[start + i]], c == null ? null : g);
            for (int k = 0; c != null && k < classes; k++) {
                c[k][i] = (float) (coefficient * g[k]);
            }
        }
    }

    /** Features per piece of the update, so that pieces start on whole vectors. */
    abstract int alignment();

    abstract String describe();

    /** The C2-vectorized kernels: scores transpose the samples first. */
    static final class AutoVectorized extends Products {
        @Override
        Object scratch(int classes, int d, int rows) {
            return new float[d][rows];
        }

        @Override
        void scores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch) {
            float[][] xt = (float[][]) scratch;
            CpuKernels.transpose(x, i0, i1, xt, 0, d);
            CpuKernels.forward(w, classes, xt, i1 - i0, out, 0, d);
        }

        @Override
        void update(float[][] w, int classes, float[][] x, int m, float[][] c, float[] bySample, float beta, int j0,
                    int j1) {
            CpuKernels.update(w, classes, x, m, c, beta, j0, j1);
        }

        @Override
        int alignment() {
            return 16;
        }

        @Override
        String describe() {
            return "auto-vectorized";
        }
    }
}
