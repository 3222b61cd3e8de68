package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.model.Loss;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products with explicit SIMD through the Vector API ({@code jdk.incubator.vector}),
 * at the machine's widest vector (16 floats with AVX-512, 8 with AVX2, 4 with NEON). Both keep
 * a block of results in registers across the inner loop: scores for 4 samples × 5 classes (4 × 2
 * when the class count is not a multiple of five), swept over the features in L1-sized tiles, in
 * two partial sums by features for multiples of five ({@link #partialScores}); the
 * update for 10 (or 5) classes × 2 vectors of features, feature blocks outermost, reading the
 * gathered rows or, for class counts that are multiples of ten, the pixels themselves
 * ({@link #updateFromPixels}).
 *
 * <p>The update's block of 10 classes holds twenty accumulators, which fit the 32 vector
 * registers of AVX-512, NEON and SVE. A sample's ten coefficients are ten floats side by side
 * ({@link Products#bySample}), broadcast from one array: with ten rows of C, one array each, the
 * compiler keeps some of their addresses in memory and loads them again on every iteration. With
 * 16 vector registers (x86 without AVX-512: AVX2, most laptops) the compiler keeps half of the
 * accumulators in memory, loading and storing each on every iteration; there the
 * update goes 5 classes at a time (ten accumulators) and reads the gathered rows, since the update
 * from pixels needs more registers still. The block shape does not change a single bit of the
 * results. The scores keep their blocks of 4 × 5 there: blocks of 2 × 5 were not clearly faster,
 * as the compiler loads all seven vectors of an iteration before its ten multiply-adds and so
 * still keeps some sums in memory.
 *
 * <p>The rows of W and of the batch hold their features after {@link Simd#rowOffset} floats, which
 * put feature 0 (so every L-th feature) on a 64-byte boundary where objects are aligned to 64
 * bytes: there no load or store of a whole 512-bit vector spans two cache lines.
 *
 * <p>Lanes are summed in a fixed tree rather than with {@code reduceLanes}, whose order is
 * unspecified, so results do not depend on whether a method has been compiled yet; every score
 * is summed in the same order whichever block computes it, so the split of samples between
 * threads does not change them.
 *
 * <p>No vector crosses a call that the compiler may decline to inline: C2 boxes such a vector,
 * which allocates on every call and costs more than the arithmetic.
 *
 * <p>Only loaded when the module is present ({@link Simd}); {@link CpuKernels} is the fallback.
 */
final class VectorKernels extends Products {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Floats before feature 0 of every row of W and of a batch ({@link Simd#rowOffset}). */
    private static final int OFFSET = Simd.rowOffset();
    /**
     * L bytes, widened to L floats; null with 4 lanes (128-bit vectors), where there is no vector of
     * 4 bytes and the gather takes the plain path.
     */
    private static final VectorSpecies<Byte> BYTES = 8 * L >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    /** Lane i takes lane L − 1 − i. */
    private static final VectorShuffle<Float> REVERSE = VectorShuffle.fromOp(SPECIES, i -> L - 1 - i);
    /** Whether a block of 2L features is a whole image row (16 lanes), which a flip maps onto itself. */
    private static final boolean ROW_BLOCK = 2 * L == Dataset.SIDE;

    /** Features per tile of the scores: ten classes' tile of W is 20 KB. */
    private static final int TILE = Math.max(L, 512 / L * L);

    /** The update five classes at a time (ten accumulators, not twenty): for 16 vector registers. */
    private final boolean fewRegisters;

    /** Blocks for this machine's vector registers ({@link Simd#vectorRegisters}). */
    VectorKernels() {
        this(Simd.vectorRegisters());
    }

    /** Blocks for {@code registers} vector registers: the smaller ones below 32. */
    VectorKernels(int registers) {
        this.fewRegisters = registers < 32;
    }

    /** Accumulators of the score blocks waiting between tiles or for their sums, from {@link #OFFSET} on, as rows. */
    @Override
    Object scratch(int classes, int d, int rows) {
        return new float[OFFSET + Math.max(1, (rows + 3) / 4) * 2 * 20 * L];
    }

    @Override
    int alignment() {
        return 2 * L;
    }

    @Override
    int rowOffset() {
        return OFFSET;
    }

    @Override
    String describe() {
        return "Vector API, " + L + " floats" + (fewRegisters ? ", 16 registers" : "");
    }

    /**
     * Widens L bytes at a time and normalizes them; a flipped sample's 32-pixel rows are written
     * block by block with each block's lanes reversed. Shifted samples take the plain path.
     */
    @Override
    void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff, float[] centeredMean,
                float[] invStd, float[][] x, int i0, int i1, float[] scratch) {
        if (!gathersVectors(d)) {
            super.gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, i0, i1, scratch);
            return;
        }
        gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, i0, i1, scratch, 0, d);
    }

    private static boolean gathersVectors(int d) {
        return d == Dataset.DIM && Dataset.SIDE % L == 0 && BYTES != null;
    }

    /** First reads the samples' halves ({@link #touchImages}), then gathers them from the cache. */
    @Override
    int gatherFeatures(byte[] u, int d, int[] rows, boolean[] flip, int rowOff, float[] centeredMean,
                       float[] invStd, float[][] x, int i0, int i1, int j0, int j1) {
        int touched = touchImages(u, d, rows, rowOff, i0, i1, j0, j1);
        gather(u, d, rows, flip, null, null, rowOff, centeredMean, invStd, x, i0, i1, null, j0, j1);
        return touched;
    }

    /** Features {@code [j0, j1)} (whole image rows) of the gather, as {@link #gather} computes them. */
    private void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff,
                        float[] centeredMean, float[] invStd, float[][] x, int i0, int i1, float[] scratch,
                        int j0, int j1) {
        int blocks = Dataset.SIDE / L;
        for (int i = i0; i < i1; i++) {
            int p = rowOff + i;
            if (dx != null && (dx[p] != 0 || dy[p] != 0)) {
                super.gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, i, i + 1, scratch);
                continue;
            }
            int src = rows[p] * d;
            float[] xi = x[i];
            if (flip == null || !flip[p]) {
                for (int j = j0; j < j1; j += L) {
                    normalized(u, src, j, centeredMean, invStd).intoArray(xi, OFFSET + j);
                }
            } else {
                for (int row = j0; row < j1; row += Dataset.SIDE) {
                    for (int q = 0; q < blocks; q++) {
                        int j = row + q * L;
                        normalized(u, src, j, centeredMean, invStd).rearrange(REVERSE)
                                .intoArray(xi, OFFSET + row + (blocks - 1 - q) * L);
                    }
                }
            }
        }
    }

    /** (u[src + j ..] − mean[j ..]) · inv[j ..] for L features. */
    private static FloatVector normalized(byte[] u, int src, int j, float[] centeredMean, float[] invStd) {
        FloatVector v = (FloatVector) ByteVector.fromArray(BYTES, u, src + j).convertShape(VectorOperators.B2F, SPECIES, 0);
        return v.sub(FloatVector.fromArray(SPECIES, centeredMean, j)).mul(FloatVector.fromArray(SPECIES, invStd, j));
    }

    @Override
    double[] lossScratch(int classes) {
        return new double[VectorLoss.scratchLength(classes)];
    }

    /** A vector of samples at a time ({@link VectorLoss}); the samples past the last whole vector one by one. */
    @Override
    void lossAndCoefficients(Loss loss, float[][] first, float[][] second, int off, float[] b, int[] labels,
                             int[] order, int start, int i0, int i1, float coefficient, float[][] c,
                             double[] sampleLoss, double[] s, double[] g) {
        int i = i0;
        if (VectorLoss.applies()) {
            i = VectorLoss.lossAndCoefficients(loss, first, second, off, b, labels, order, start, i0, i1, coefficient, c,
                    sampleLoss, g);
        }
        lossPerSample(loss, first, second, off, b, labels, order, start, i, i1, coefficient, c, sampleLoss, s, g);
    }

    /** Lane i takes lane i xor s (for s < L; the identity otherwise). */
    private static VectorShuffle<Float> butterfly(int s) {
        return VectorShuffle.fromOp(SPECIES, i -> (i ^ s) & (L - 1));
    }

    private static final VectorShuffle<Float> X1 = butterfly(1);
    private static final VectorShuffle<Float> X2 = butterfly(2);
    private static final VectorShuffle<Float> X4 = butterfly(4);
    private static final VectorShuffle<Float> X8 = butterfly(8);
    private static final VectorShuffle<Float> X16 = butterfly(16);
    private static final VectorShuffle<Float> X32 = butterfly(32);

    /**
     * Σ of the lanes of v as a fixed tree: lanes L/2 apart are added, then L/4 apart, and so on
     * down to lane 0. Every addition is an ordinary lane-wise one, so the result is the same
     * compiled or interpreted.
     */
    private static float sum(FloatVector v) {
        if (L > 32) {
            v = v.add(v.rearrange(X32));
        }
        if (L > 16) {
            v = v.add(v.rearrange(X16));
        }
        if (L > 8) {
            v = v.add(v.rearrange(X8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(X4));
        }
        if (L > 2) {
            v = v.add(v.rearrange(X2));
        }
        if (L > 1) {
            v = v.add(v.rearrange(X1));
        }
        return v.lane(0);
    }

    @Override
    void scores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch) {
        float[] acc = (float[]) scratch;
        if (classes % 5 == 0) {
            scoresByFive(w, classes, d, x, i0, i1, out, acc);
            return;
        }
        int dv = d - d % L;
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            float[] x0 = x[i];
            float[] x1 = x[i + 1];
            float[] x2 = x[i + 2];
            float[] x3 = x[i + 3];
            int k = 0;
            for (; k + 2 <= classes; k += 2) {
                float[] w0 = w[k];
                float[] w1 = w[k + 1];
                FloatVector a00 = FloatVector.zero(SPECIES);
                FloatVector a01 = a00;
                FloatVector a02 = a00;
                FloatVector a03 = a00;
                FloatVector a10 = a00;
                FloatVector a11 = a00;
                FloatVector a12 = a00;
                FloatVector a13 = a00;
                for (int j = 0; j < dv; j += L) {
                    FloatVector v0 = FloatVector.fromArray(SPECIES, w0, OFFSET + j);
                    FloatVector v1 = FloatVector.fromArray(SPECIES, w1, OFFSET + j);
                    FloatVector y0 = FloatVector.fromArray(SPECIES, x0, OFFSET + j);
                    FloatVector y1 = FloatVector.fromArray(SPECIES, x1, OFFSET + j);
                    FloatVector y2 = FloatVector.fromArray(SPECIES, x2, OFFSET + j);
                    FloatVector y3 = FloatVector.fromArray(SPECIES, x3, OFFSET + j);
                    a00 = v0.fma(y0, a00);
                    a01 = v0.fma(y1, a01);
                    a02 = v0.fma(y2, a02);
                    a03 = v0.fma(y3, a03);
                    a10 = v1.fma(y0, a10);
                    a11 = v1.fma(y1, a11);
                    a12 = v1.fma(y2, a12);
                    a13 = v1.fma(y3, a13);
                }
                a00.intoArray(acc, OFFSET);
                a01.intoArray(acc, OFFSET + L);
                a02.intoArray(acc, OFFSET + 2 * L);
                a03.intoArray(acc, OFFSET + 3 * L);
                a10.intoArray(acc, OFFSET + 4 * L);
                a11.intoArray(acc, OFFSET + 5 * L);
                a12.intoArray(acc, OFFSET + 6 * L);
                a13.intoArray(acc, OFFSET + 7 * L);
                finish(w, k, 2, d, dv, Part.WHOLE, x, i, 4, out, i - i0, acc, OFFSET);
            }
            for (; k < classes; k++) {
                for (int q = 0; q < 4; q++) {
                    out[k][i + q - i0] = dot(w[k], x[i + q], 0, dv) + tail(w[k], x[i + q], dv, d);
                }
            }
        }
        for (; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                out[k][i - i0] = dot(w[k], x[i], 0, dv) + tail(w[k], x[i], dv, d);
            }
        }
    }

    /**
     * Where the two partial sums of a score meet: half of the whole vectors of features, on a whole
     * image row so that a flipped sample's half is gathered from its own half.
     */
    static int splitPoint(int d) {
        int q = Math.max(L, Dataset.SIDE);
        return (d - d % L) / 2 / q * q;
    }

    @Override
    boolean splitsScores(int classes, int d) {
        return classes % 5 == 0 && gathersVectors(d);
    }

    @Override
    int scoreSplit(int d) {
        return splitPoint(d);
    }

    @Override
    void partialScores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch,
                       boolean second) {
        int h = splitPoint(d);
        scoresByFive(w, classes, d, x, i0, i1, out, (float[]) scratch, second ? h : 0, second ? d - d % L : h,
                second ? Part.SECOND : Part.FIRST);
    }

    /**
     * Scores for class counts that are multiples of five (CIFAR-10's 10, CIFAR-100's 20 and 100):
     * blocks of 4 samples × 5 classes (twenty accumulators: nine loads per twenty FMAs), swept
     * over the features in tiles of {@link #TILE} so that the tile of W for up to ten classes
     * stays in the L1 cache while every block of samples passes over it. Between tiles each
     * block's accumulators wait in {@code acc}, so every lane sums its features in the same order
     * as without tiles. Two samples past the last block of four go in blocks of 2 × 5, tile by tile
     * as well ({@link #twoByFive}); a last one alone.
     * Every score is the sum of two partial sums, the features before {@link #splitPoint} and those
     * after, so that two threads can compute them apart ({@link #partialScores}) with the same result.
     */
    private static void scoresByFive(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out,
                                     float[] acc) {
        int dv = d - d % L;
        int h = splitPoint(d);
        scoresByFive(w, classes, d, x, i0, i1, out, acc, 0, h, Part.FIRST);
        scoresByFive(w, classes, d, x, i0, i1, out, acc, h, dv, Part.SECOND_ADDED);
    }

    /** The features of one of the two partial sums, {@code [f0, f1)}; {@link Part} says where it goes. */
    private static void scoresByFive(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out,
                                     float[] acc, int f0, int f1, Part part) {
        int dv = d - d % L;
        int groups = f1 == f0 ? 0 : (i1 - i0) / 4;
        boolean pair = f1 > f0 && (i1 - i0) % 4 >= 2;
        for (int kb = 0; kb < classes; kb += 10) {
            int ke = Math.min(classes, kb + 10);
            for (int t0 = f0; t0 < f1; t0 += TILE) {
                int t1 = Math.min(f1, t0 + TILE);
                for (int g = 0; g < groups; g++) {
                    for (int k = kb; k < ke; k += 5) {
                        fourByFive(w, k, d, dv, t0 == f0, t1 == f1, part, t0, t1, x, i0 + 4 * g, out, 4 * g, acc,
                                OFFSET + (2 * g + (k - kb) / 5) * 20 * L);
                    }
                }
                for (int k = kb; pair && k < ke; k += 5) {
                    twoByFive(w, k, d, dv, t0 == f0, t1 == f1, part, t0, t1, x, i0 + 4 * groups, out, 4 * groups,
                            acc, OFFSET + (2 * groups + (k - kb) / 5) * 20 * L);
                }
            }
        }
        int i = i0 + 4 * groups + (pair ? 2 : 0);
        for (; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                out[k][i - i0] = part.of(dot(w[k], x[i], f0, f1), out[k][i - i0], w[k], x[i], dv, d);
            }
        }
    }

    /**
     * Features {@code [t0, t1)} of the scores of samples {@code [i, i + 4)} for classes
     * {@code [k, k + 5)}. The twenty accumulators start at zero on a partial sum's first tile
     * ({@code first}), else from {@code acc[at ..]}; after its last tile ({@code done}) they are
     * summed into {@code out[.][o ..]} ({@link #finish}), else stored back.
     */
    private static void fourByFive(float[][] w, int k, int d, int dv, boolean first, boolean done, Part part,
                                   int t0, int t1, float[][] x, int i, float[][] out, int o, float[] acc, int at) {
        float[] x0 = x[i];
        float[] x1 = x[i + 1];
        float[] x2 = x[i + 2];
        float[] x3 = x[i + 3];
        float[] w0 = w[k];
        float[] w1 = w[k + 1];
        float[] w2 = w[k + 2];
        float[] w3 = w[k + 3];
        float[] w4 = w[k + 4];
        FloatVector a00;
        FloatVector a01;
        FloatVector a02;
        FloatVector a03;
        FloatVector a10;
        FloatVector a11;
        FloatVector a12;
        FloatVector a13;
        FloatVector a20;
        FloatVector a21;
        FloatVector a22;
        FloatVector a23;
        FloatVector a30;
        FloatVector a31;
        FloatVector a32;
        FloatVector a33;
        FloatVector a40;
        FloatVector a41;
        FloatVector a42;
        FloatVector a43;
        if (first) {
            a00 = FloatVector.zero(SPECIES);
            a01 = a00;
            a02 = a00;
            a03 = a00;
            a10 = a00;
            a11 = a00;
            a12 = a00;
            a13 = a00;
            a20 = a00;
            a21 = a00;
            a22 = a00;
            a23 = a00;
            a30 = a00;
            a31 = a00;
            a32 = a00;
            a33 = a00;
            a40 = a00;
            a41 = a00;
            a42 = a00;
            a43 = a00;
        } else {
            a00 = FloatVector.fromArray(SPECIES, acc, at);
            a01 = FloatVector.fromArray(SPECIES, acc, at + L);
            a02 = FloatVector.fromArray(SPECIES, acc, at + 2 * L);
            a03 = FloatVector.fromArray(SPECIES, acc, at + 3 * L);
            a10 = FloatVector.fromArray(SPECIES, acc, at + 4 * L);
            a11 = FloatVector.fromArray(SPECIES, acc, at + 5 * L);
            a12 = FloatVector.fromArray(SPECIES, acc, at + 6 * L);
            a13 = FloatVector.fromArray(SPECIES, acc, at + 7 * L);
            a20 = FloatVector.fromArray(SPECIES, acc, at + 8 * L);
            a21 = FloatVector.fromArray(SPECIES, acc, at + 9 * L);
            a22 = FloatVector.fromArray(SPECIES, acc, at + 10 * L);
            a23 = FloatVector.fromArray(SPECIES, acc, at + 11 * L);
            a30 = FloatVector.fromArray(SPECIES, acc, at + 12 * L);
            a31 = FloatVector.fromArray(SPECIES, acc, at + 13 * L);
            a32 = FloatVector.fromArray(SPECIES, acc, at + 14 * L);
            a33 = FloatVector.fromArray(SPECIES, acc, at + 15 * L);
            a40 = FloatVector.fromArray(SPECIES, acc, at + 16 * L);
            a41 = FloatVector.fromArray(SPECIES, acc, at + 17 * L);
            a42 = FloatVector.fromArray(SPECIES, acc, at + 18 * L);
            a43 = FloatVector.fromArray(SPECIES, acc, at + 19 * L);
        }
        for (int j = t0; j < t1; j += L) {
            FloatVector y0 = FloatVector.fromArray(SPECIES, x0, OFFSET + j);
            FloatVector y1 = FloatVector.fromArray(SPECIES, x1, OFFSET + j);
            FloatVector y2 = FloatVector.fromArray(SPECIES, x2, OFFSET + j);
            FloatVector y3 = FloatVector.fromArray(SPECIES, x3, OFFSET + j);
            FloatVector v = FloatVector.fromArray(SPECIES, w0, OFFSET + j);
            a00 = v.fma(y0, a00);
            a01 = v.fma(y1, a01);
            a02 = v.fma(y2, a02);
            a03 = v.fma(y3, a03);
            v = FloatVector.fromArray(SPECIES, w1, OFFSET + j);
            a10 = v.fma(y0, a10);
            a11 = v.fma(y1, a11);
            a12 = v.fma(y2, a12);
            a13 = v.fma(y3, a13);
            v = FloatVector.fromArray(SPECIES, w2, OFFSET + j);
            a20 = v.fma(y0, a20);
            a21 = v.fma(y1, a21);
            a22 = v.fma(y2, a22);
            a23 = v.fma(y3, a23);
            v = FloatVector.fromArray(SPECIES, w3, OFFSET + j);
            a30 = v.fma(y0, a30);
            a31 = v.fma(y1, a31);
            a32 = v.fma(y2, a32);
            a33 = v.fma(y3, a33);
            v = FloatVector.fromArray(SPECIES, w4, OFFSET + j);
            a40 = v.fma(y0, a40);
            a41 = v.fma(y1, a41);
            a42 = v.fma(y2, a42);
            a43 = v.fma(y3, a43);
        }
        a00.intoArray(acc, at);
        a01.intoArray(acc, at + L);
        a02.intoArray(acc, at + 2 * L);
        a03.intoArray(acc, at + 3 * L);
        a10.intoArray(acc, at + 4 * L);
        a11.intoArray(acc, at + 5 * L);
        a12.intoArray(acc, at + 6 * L);
        a13.intoArray(acc, at + 7 * L);
        a20.intoArray(acc, at + 8 * L);
        a21.intoArray(acc, at + 9 * L);
        a22.intoArray(acc, at + 10 * L);
        a23.intoArray(acc, at + 11 * L);
        a30.intoArray(acc, at + 12 * L);
        a31.intoArray(acc, at + 13 * L);
        a32.intoArray(acc, at + 14 * L);
        a33.intoArray(acc, at + 15 * L);
        a40.intoArray(acc, at + 16 * L);
        a41.intoArray(acc, at + 17 * L);
        a42.intoArray(acc, at + 18 * L);
        a43.intoArray(acc, at + 19 * L);
        if (done) {
            finish(w, k, 5, d, dv, part, x, i, 4, out, o, acc, at);
        }
    }

    /**
     * {@link #fourByFive} for the two samples {@code [i, i + 2)} past the last block of four: ten
     * accumulators, carried between tiles as theirs are, so that a batch such as 50 (48 + 2) sweeps
     * W tile by tile for these two as well, rather than all of its half (more than the L1 cache)
     * for them alone.
     */
    private static void twoByFive(float[][] w, int k, int d, int dv, boolean first, boolean done, Part part,
                                  int t0, int t1, float[][] x, int i, float[][] out, int o, float[] acc, int at) {
        float[] x0 = x[i];
        float[] x1 = x[i + 1];
        float[] w0 = w[k];
        float[] w1 = w[k + 1];
        float[] w2 = w[k + 2];
        float[] w3 = w[k + 3];
        float[] w4 = w[k + 4];
        FloatVector a00;
        FloatVector a01;
        FloatVector a10;
        FloatVector a11;
        FloatVector a20;
        FloatVector a21;
        FloatVector a30;
        FloatVector a31;
        FloatVector a40;
        FloatVector a41;
        if (first) {
            a00 = FloatVector.zero(SPECIES);
            a01 = a00;
            a10 = a00;
            a11 = a00;
            a20 = a00;
            a21 = a00;
            a30 = a00;
            a31 = a00;
            a40 = a00;
            a41 = a00;
        } else {
            a00 = FloatVector.fromArray(SPECIES, acc, at);
            a01 = FloatVector.fromArray(SPECIES, acc, at + L);
            a10 = FloatVector.fromArray(SPECIES, acc, at + 2 * L);
            a11 = FloatVector.fromArray(SPECIES, acc, at + 3 * L);
            a20 = FloatVector.fromArray(SPECIES, acc, at + 4 * L);
            a21 = FloatVector.fromArray(SPECIES, acc, at + 5 * L);
            a30 = FloatVector.fromArray(SPECIES, acc, at + 6 * L);
            a31 = FloatVector.fromArray(SPECIES, acc, at + 7 * L);
            a40 = FloatVector.fromArray(SPECIES, acc, at + 8 * L);
            a41 = FloatVector.fromArray(SPECIES, acc, at + 9 * L);
        }
        for (int j = t0; j < t1; j += L) {
            FloatVector y0 = FloatVector.fromArray(SPECIES, x0, OFFSET + j);
            FloatVector y1 = FloatVector.fromArray(SPECIES, x1, OFFSET + j);
            FloatVector v = FloatVector.fromArray(SPECIES, w0, OFFSET + j);
            a00 = v.fma(y0, a00);
            a01 = v.fma(y1, a01);
            v = FloatVector.fromArray(SPECIES, w1, OFFSET + j);
            a10 = v.fma(y0, a10);
            a11 = v.fma(y1, a11);
            v = FloatVector.fromArray(SPECIES, w2, OFFSET + j);
            a20 = v.fma(y0, a20);
            a21 = v.fma(y1, a21);
            v = FloatVector.fromArray(SPECIES, w3, OFFSET + j);
            a30 = v.fma(y0, a30);
            a31 = v.fma(y1, a31);
            v = FloatVector.fromArray(SPECIES, w4, OFFSET + j);
            a40 = v.fma(y0, a40);
            a41 = v.fma(y1, a41);
        }
        a00.intoArray(acc, at);
        a01.intoArray(acc, at + L);
        a10.intoArray(acc, at + 2 * L);
        a11.intoArray(acc, at + 3 * L);
        a20.intoArray(acc, at + 4 * L);
        a21.intoArray(acc, at + 5 * L);
        a30.intoArray(acc, at + 6 * L);
        a31.intoArray(acc, at + 7 * L);
        a40.intoArray(acc, at + 8 * L);
        a41.intoArray(acc, at + 9 * L);
        if (done) {
            finish(w, k, 5, d, dv, part, x, i, 2, out, o, acc, at);
        }
    }

    /**
     * The scores of classes {@code [k, k + classes)} × samples {@code [i, i + samples)} from their
     * accumulators in {@code acc[at ..]} (class-major, one vector each), as {@code part} says. Sums
     * are kept out of the block kernels: those are too big for the compiler to inline a sum into,
     * and an accumulator passed to a call that is not inlined is boxed.
     */
    private static void finish(float[][] w, int k, int classes, int d, int dv, Part part, float[][] x, int i,
                               int samples, float[][] out, int o, float[] acc, int at) {
        for (int c = 0, q = 0; c < classes; c++) {
            float[] outc = out[k + c];
            float[] wc = w[k + c];
            for (int s = 0; s < samples; s++, q++) {
                outc[o + s] = part.of(sum(FloatVector.fromArray(SPECIES, acc, at + q * L)), outc[o + s], wc, x[i + s],
                        dv, d);
            }
        }
    }

    /** What a sum of lanes over some features makes of a score. */
    private enum Part {
        /** All whole vectors: the score with the features past them. */
        WHOLE,
        /** The first partial sum: written as it is. */
        FIRST,
        /** The second partial sum with the features past the last whole vector, written alone. */
        SECOND,
        /** The second, added to the first, already written: the score. */
        SECOND_ADDED;

        float of(float lanes, float written, float[] w, float[] x, int dv, int d) {
            return switch (this) {
                case WHOLE, SECOND -> lanes + tail(w, x, dv, d);
                case FIRST -> lanes;
                case SECOND_ADDED -> written + (lanes + tail(w, x, dv, d));
            };
        }
    }

    /** Σ a[j] b[j] over the whole vectors {@code [j0, j1)}. */
    private static float dot(float[] a, float[] b, int j0, int j1) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int j = j0; j < j1; j += L) {
            acc = FloatVector.fromArray(SPECIES, a, OFFSET + j).fma(FloatVector.fromArray(SPECIES, b, OFFSET + j), acc);
        }
        return sum(acc);
    }

    /** Σ a[j] b[j] over the features past the last whole vector. */
    private static float tail(float[] a, float[] b, int from, int d) {
        float s = 0;
        for (int j = from; j < d; j++) {
            s = Math.fma(a[OFFSET + j], b[OFFSET + j], s);
        }
        return s;
    }

    @Override
    void update(float[][] w, int classes, float[][] x, int m, float[][] c, float[] bySample, float beta, int j0,
                int j1) {
        int jv = j0 + (j1 - j0) / (2 * L) * (2 * L);
        int tens = fewRegisters ? 0 : classes / 10 * 10;
        int fives = classes / 5 * 5;
        // Feature blocks outermost: a block's 2L features of all m samples (8 KB at m = 100)
        // stay in the L1 cache while every group of classes passes over them.
        for (int j = j0; j < jv; j += 2 * L) {
            int k = 0;
            for (; k < tens; k += 10) {
                updateTen(w, k, classes, x, m, bySample, beta, j);
            }
            for (; k < fives; k += 5) {
                updateFive(w, k, classes, x, m, bySample, beta, j);
            }
            for (; k < classes; k++) {
                float[] wk = w[k];
                float[] ck = c[k];
                FloatVector a0 = FloatVector.fromArray(SPECIES, wk, OFFSET + j).mul(beta);
                FloatVector a1 = FloatVector.fromArray(SPECIES, wk, OFFSET + j + L).mul(beta);
                for (int i = 0; i < m; i++) {
                    FloatVector b0 = FloatVector.broadcast(SPECIES, ck[i]);
                    a0 = FloatVector.fromArray(SPECIES, x[i], OFFSET + j).fma(b0, a0);
                    a1 = FloatVector.fromArray(SPECIES, x[i], OFFSET + j + L).fma(b0, a1);
                }
                a0.intoArray(wk, OFFSET + j);
                a1.intoArray(wk, OFFSET + j + L);
            }
        }
        if (jv < j1) {
            // Features past the last whole pair of vectors: the same arithmetic, one lane at a time.
            for (int kk = 0; kk < classes; kk++) {
                float[] wk = w[kk];
                float[] ck = c[kk];
                for (int j = jv; j < j1; j++) {
                    float a = wk[OFFSET + j] * beta;
                    for (int i = 0; i < m; i++) {
                        a = Math.fma(x[i][OFFSET + j], ck[i], a);
                    }
                    wk[OFFSET + j] = a;
                }
            }
        }
    }

    /**
     * Classes {@code [k, k + 10)}, features {@code [j, j + 2L)}: twenty accumulators in
     * registers, two loads of x and ten broadcasts (of the sample's coefficients, side by side in
     * {@code bySample}) per twenty FMAs.
     */
    private static void updateTen(float[][] w, int k, int classes, float[][] x, int m, float[] bySample, float beta,
                                  int j) {
        FloatVector a00 = FloatVector.fromArray(SPECIES, w[k], OFFSET + j).mul(beta);
        FloatVector a01 = FloatVector.fromArray(SPECIES, w[k], OFFSET + j + L).mul(beta);
        FloatVector a10 = FloatVector.fromArray(SPECIES, w[k + 1], OFFSET + j).mul(beta);
        FloatVector a11 = FloatVector.fromArray(SPECIES, w[k + 1], OFFSET + j + L).mul(beta);
        FloatVector a20 = FloatVector.fromArray(SPECIES, w[k + 2], OFFSET + j).mul(beta);
        FloatVector a21 = FloatVector.fromArray(SPECIES, w[k + 2], OFFSET + j + L).mul(beta);
        FloatVector a30 = FloatVector.fromArray(SPECIES, w[k + 3], OFFSET + j).mul(beta);
        FloatVector a31 = FloatVector.fromArray(SPECIES, w[k + 3], OFFSET + j + L).mul(beta);
        FloatVector a40 = FloatVector.fromArray(SPECIES, w[k + 4], OFFSET + j).mul(beta);
        FloatVector a41 = FloatVector.fromArray(SPECIES, w[k + 4], OFFSET + j + L).mul(beta);
        FloatVector a50 = FloatVector.fromArray(SPECIES, w[k + 5], OFFSET + j).mul(beta);
        FloatVector a51 = FloatVector.fromArray(SPECIES, w[k + 5], OFFSET + j + L).mul(beta);
        FloatVector a60 = FloatVector.fromArray(SPECIES, w[k + 6], OFFSET + j).mul(beta);
        FloatVector a61 = FloatVector.fromArray(SPECIES, w[k + 6], OFFSET + j + L).mul(beta);
        FloatVector a70 = FloatVector.fromArray(SPECIES, w[k + 7], OFFSET + j).mul(beta);
        FloatVector a71 = FloatVector.fromArray(SPECIES, w[k + 7], OFFSET + j + L).mul(beta);
        FloatVector a80 = FloatVector.fromArray(SPECIES, w[k + 8], OFFSET + j).mul(beta);
        FloatVector a81 = FloatVector.fromArray(SPECIES, w[k + 8], OFFSET + j + L).mul(beta);
        FloatVector a90 = FloatVector.fromArray(SPECIES, w[k + 9], OFFSET + j).mul(beta);
        FloatVector a91 = FloatVector.fromArray(SPECIES, w[k + 9], OFFSET + j + L).mul(beta);
        int at = k;
        for (int i = 0; i < m; i++, at += classes) {
            float[] xi = x[i];
            FloatVector y0 = FloatVector.fromArray(SPECIES, xi, OFFSET + j);
            FloatVector y1 = FloatVector.fromArray(SPECIES, xi, OFFSET + j + L);
            FloatVector b = FloatVector.broadcast(SPECIES, bySample[at]);
            a00 = y0.fma(b, a00);
            a01 = y1.fma(b, a01);
            b = FloatVector.broadcast(SPECIES, bySample[at + 1]);
            a10 = y0.fma(b, a10);
            a11 = y1.fma(b, a11);
            b = FloatVector.broadcast(SPECIES, bySample[at + 2]);
            a20 = y0.fma(b, a20);
            a21 = y1.fma(b, a21);
            b = FloatVector.broadcast(SPECIES, bySample[at + 3]);
            a30 = y0.fma(b, a30);
            a31 = y1.fma(b, a31);
            b = FloatVector.broadcast(SPECIES, bySample[at + 4]);
            a40 = y0.fma(b, a40);
            a41 = y1.fma(b, a41);
            b = FloatVector.broadcast(SPECIES, bySample[at + 5]);
            a50 = y0.fma(b, a50);
            a51 = y1.fma(b, a51);
            b = FloatVector.broadcast(SPECIES, bySample[at + 6]);
            a60 = y0.fma(b, a60);
            a61 = y1.fma(b, a61);
            b = FloatVector.broadcast(SPECIES, bySample[at + 7]);
            a70 = y0.fma(b, a70);
            a71 = y1.fma(b, a71);
            b = FloatVector.broadcast(SPECIES, bySample[at + 8]);
            a80 = y0.fma(b, a80);
            a81 = y1.fma(b, a81);
            b = FloatVector.broadcast(SPECIES, bySample[at + 9]);
            a90 = y0.fma(b, a90);
            a91 = y1.fma(b, a91);
        }
        a00.intoArray(w[k], OFFSET + j);
        a01.intoArray(w[k], OFFSET + j + L);
        a10.intoArray(w[k + 1], OFFSET + j);
        a11.intoArray(w[k + 1], OFFSET + j + L);
        a20.intoArray(w[k + 2], OFFSET + j);
        a21.intoArray(w[k + 2], OFFSET + j + L);
        a30.intoArray(w[k + 3], OFFSET + j);
        a31.intoArray(w[k + 3], OFFSET + j + L);
        a40.intoArray(w[k + 4], OFFSET + j);
        a41.intoArray(w[k + 4], OFFSET + j + L);
        a50.intoArray(w[k + 5], OFFSET + j);
        a51.intoArray(w[k + 5], OFFSET + j + L);
        a60.intoArray(w[k + 6], OFFSET + j);
        a61.intoArray(w[k + 6], OFFSET + j + L);
        a70.intoArray(w[k + 7], OFFSET + j);
        a71.intoArray(w[k + 7], OFFSET + j + L);
        a80.intoArray(w[k + 8], OFFSET + j);
        a81.intoArray(w[k + 8], OFFSET + j + L);
        a90.intoArray(w[k + 9], OFFSET + j);
        a91.intoArray(w[k + 9], OFFSET + j + L);
    }

    @Override
    boolean updatesFromPixels(int classes, int d) {
        return !fewRegisters && BYTES != null && d == Dataset.DIM && classes % 10 == 0 && Dataset.SIDE % (2 * L) == 0;
    }

    @Override
    void updateFromPixels(float[][] w, int classes, byte[] u, int d, int[] rows, boolean[] flip, int rowOff,
                          float[] centeredMean, float[] invStd, int m, float[][] c, float[] bySample, float beta,
                          int j0, int j1) {
        if (!updatesFromPixels(classes, d) || j0 % (2 * L) != 0 || j1 % (2 * L) != 0) {
            throw new IllegalArgumentException("no update from pixels for " + classes + " classes, features [" + j0
                    + ", " + j1 + ")");
        }
        for (int j = j0; j < j1; j += 2 * L) {
            for (int k = 0; k < classes; k += 10) {
                updateTenFromPixels(w, k, classes, u, d, rows, flip, rowOff, centeredMean, invStd, m, bySample, beta,
                        j);
            }
        }
    }

    /**
     * {@link #updateTen} with each sample's features {@code [j, j + 2L)} made from its bytes: widened,
     * normalized and, when it is flipped, taken from the mirror block of its image row with the
     * lanes reversed, exactly as {@link #gather} makes them.
     */
    private static void updateTenFromPixels(float[][] w, int k, int classes, byte[] u, int d, int[] rows,
                                            boolean[] flip, int rowOff, float[] centeredMean, float[] invStd, int m,
                                            float[] bySample, float beta, int j) {
        // A flipped sample's features [j, j + 2L) come from [mj, mj + 2L) of its image row, reversed.
        int rowStart = j - j % Dataset.SIDE;
        int mj = rowStart + Dataset.SIDE - 2 * L - (j - rowStart);
        FloatVector m0 = FloatVector.fromArray(SPECIES, centeredMean, j);
        FloatVector m1 = FloatVector.fromArray(SPECIES, centeredMean, j + L);
        FloatVector v0 = FloatVector.fromArray(SPECIES, invStd, j);
        FloatVector v1 = FloatVector.fromArray(SPECIES, invStd, j + L);
        // With 16 lanes a block is a whole row, its own mirror block: no more registers needed.
        FloatVector fm0 = ROW_BLOCK ? m0 : FloatVector.fromArray(SPECIES, centeredMean, mj);
        FloatVector fm1 = ROW_BLOCK ? m1 : FloatVector.fromArray(SPECIES, centeredMean, mj + L);
        FloatVector fv0 = ROW_BLOCK ? v0 : FloatVector.fromArray(SPECIES, invStd, mj);
        FloatVector fv1 = ROW_BLOCK ? v1 : FloatVector.fromArray(SPECIES, invStd, mj + L);
        FloatVector a00 = FloatVector.fromArray(SPECIES, w[k], OFFSET + j).mul(beta);
        FloatVector a01 = FloatVector.fromArray(SPECIES, w[k], OFFSET + j + L).mul(beta);
        FloatVector a10 = FloatVector.fromArray(SPECIES, w[k + 1], OFFSET + j).mul(beta);
        FloatVector a11 = FloatVector.fromArray(SPECIES, w[k + 1], OFFSET + j + L).mul(beta);
        FloatVector a20 = FloatVector.fromArray(SPECIES, w[k + 2], OFFSET + j).mul(beta);
        FloatVector a21 = FloatVector.fromArray(SPECIES, w[k + 2], OFFSET + j + L).mul(beta);
        FloatVector a30 = FloatVector.fromArray(SPECIES, w[k + 3], OFFSET + j).mul(beta);
        FloatVector a31 = FloatVector.fromArray(SPECIES, w[k + 3], OFFSET + j + L).mul(beta);
        FloatVector a40 = FloatVector.fromArray(SPECIES, w[k + 4], OFFSET + j).mul(beta);
        FloatVector a41 = FloatVector.fromArray(SPECIES, w[k + 4], OFFSET + j + L).mul(beta);
        FloatVector a50 = FloatVector.fromArray(SPECIES, w[k + 5], OFFSET + j).mul(beta);
        FloatVector a51 = FloatVector.fromArray(SPECIES, w[k + 5], OFFSET + j + L).mul(beta);
        FloatVector a60 = FloatVector.fromArray(SPECIES, w[k + 6], OFFSET + j).mul(beta);
        FloatVector a61 = FloatVector.fromArray(SPECIES, w[k + 6], OFFSET + j + L).mul(beta);
        FloatVector a70 = FloatVector.fromArray(SPECIES, w[k + 7], OFFSET + j).mul(beta);
        FloatVector a71 = FloatVector.fromArray(SPECIES, w[k + 7], OFFSET + j + L).mul(beta);
        FloatVector a80 = FloatVector.fromArray(SPECIES, w[k + 8], OFFSET + j).mul(beta);
        FloatVector a81 = FloatVector.fromArray(SPECIES, w[k + 8], OFFSET + j + L).mul(beta);
        FloatVector a90 = FloatVector.fromArray(SPECIES, w[k + 9], OFFSET + j).mul(beta);
        FloatVector a91 = FloatVector.fromArray(SPECIES, w[k + 9], OFFSET + j + L).mul(beta);
        int at = k;
        for (int i = 0; i < m; i++, at += classes) {
            int src = rows[rowOff + i] * d;
            FloatVector y0;
            FloatVector y1;
            if (flip == null || !flip[rowOff + i]) {
                y0 = ((FloatVector) ByteVector.fromArray(BYTES, u, src + j).convertShape(VectorOperators.B2F, SPECIES, 0))
                        .sub(m0).mul(v0);
                y1 = ((FloatVector) ByteVector.fromArray(BYTES, u, src + j + L)
                        .convertShape(VectorOperators.B2F, SPECIES, 0)).sub(m1).mul(v1);
            } else {
                y0 = ((FloatVector) ByteVector.fromArray(BYTES, u, src + mj + L)
                        .convertShape(VectorOperators.B2F, SPECIES, 0)).sub(fm1).mul(fv1).rearrange(REVERSE);
                y1 = ((FloatVector) ByteVector.fromArray(BYTES, u, src + mj)
                        .convertShape(VectorOperators.B2F, SPECIES, 0)).sub(fm0).mul(fv0).rearrange(REVERSE);
            }
            FloatVector b = FloatVector.broadcast(SPECIES, bySample[at]);
            a00 = y0.fma(b, a00);
            a01 = y1.fma(b, a01);
            b = FloatVector.broadcast(SPECIES, bySample[at + 1]);
            a10 = y0.fma(b, a10);
            a11 = y1.fma(b, a11);
            b = FloatVector.broadcast(SPECIES, bySample[at + 2]);
            a20 = y0.fma(b, a20);
            a21 = y1.fma(b, a21);
            b = FloatVector.broadcast(SPECIES, bySample[at + 3]);
            a30 = y0.fma(b, a30);
            a31 = y1.fma(b, a31);
            b = FloatVector.broadcast(SPECIES, bySample[at + 4]);
            a40 = y0.fma(b, a40);
            a41 = y1.fma(b, a41);
            b = FloatVector.broadcast(SPECIES, bySample[at + 5]);
            a50 = y0.fma(b, a50);
            a51 = y1.fma(b, a51);
            b = FloatVector.broadcast(SPECIES, bySample[at + 6]);
            a60 = y0.fma(b, a60);
            a61 = y1.fma(b, a61);
            b = FloatVector.broadcast(SPECIES, bySample[at + 7]);
            a70 = y0.fma(b, a70);
            a71 = y1.fma(b, a71);
            b = FloatVector.broadcast(SPECIES, bySample[at + 8]);
            a80 = y0.fma(b, a80);
            a81 = y1.fma(b, a81);
            b = FloatVector.broadcast(SPECIES, bySample[at + 9]);
            a90 = y0.fma(b, a90);
            a91 = y1.fma(b, a91);
        }
        a00.intoArray(w[k], OFFSET + j);
        a01.intoArray(w[k], OFFSET + j + L);
        a10.intoArray(w[k + 1], OFFSET + j);
        a11.intoArray(w[k + 1], OFFSET + j + L);
        a20.intoArray(w[k + 2], OFFSET + j);
        a21.intoArray(w[k + 2], OFFSET + j + L);
        a30.intoArray(w[k + 3], OFFSET + j);
        a31.intoArray(w[k + 3], OFFSET + j + L);
        a40.intoArray(w[k + 4], OFFSET + j);
        a41.intoArray(w[k + 4], OFFSET + j + L);
        a50.intoArray(w[k + 5], OFFSET + j);
        a51.intoArray(w[k + 5], OFFSET + j + L);
        a60.intoArray(w[k + 6], OFFSET + j);
        a61.intoArray(w[k + 6], OFFSET + j + L);
        a70.intoArray(w[k + 7], OFFSET + j);
        a71.intoArray(w[k + 7], OFFSET + j + L);
        a80.intoArray(w[k + 8], OFFSET + j);
        a81.intoArray(w[k + 8], OFFSET + j + L);
        a90.intoArray(w[k + 9], OFFSET + j);
        a91.intoArray(w[k + 9], OFFSET + j + L);
    }

    /** Classes {@code [k, k + 5)}, features {@code [j, j + 2L)}: ten accumulators in registers. */
    private static void updateFive(float[][] w, int k, int classes, float[][] x, int m, float[] bySample, float beta,
                                   int j) {
        float[] w0 = w[k];
        float[] w1 = w[k + 1];
        float[] w2 = w[k + 2];
        float[] w3 = w[k + 3];
        float[] w4 = w[k + 4];
        FloatVector a00 = FloatVector.fromArray(SPECIES, w0, OFFSET + j).mul(beta);
        FloatVector a01 = FloatVector.fromArray(SPECIES, w0, OFFSET + j + L).mul(beta);
        FloatVector a10 = FloatVector.fromArray(SPECIES, w1, OFFSET + j).mul(beta);
        FloatVector a11 = FloatVector.fromArray(SPECIES, w1, OFFSET + j + L).mul(beta);
        FloatVector a20 = FloatVector.fromArray(SPECIES, w2, OFFSET + j).mul(beta);
        FloatVector a21 = FloatVector.fromArray(SPECIES, w2, OFFSET + j + L).mul(beta);
        FloatVector a30 = FloatVector.fromArray(SPECIES, w3, OFFSET + j).mul(beta);
        FloatVector a31 = FloatVector.fromArray(SPECIES, w3, OFFSET + j + L).mul(beta);
        FloatVector a40 = FloatVector.fromArray(SPECIES, w4, OFFSET + j).mul(beta);
        FloatVector a41 = FloatVector.fromArray(SPECIES, w4, OFFSET + j + L).mul(beta);
        int at = k;
        for (int i = 0; i < m; i++, at += classes) {
            float[] xi = x[i];
            FloatVector y0 = FloatVector.fromArray(SPECIES, xi, OFFSET + j);
            FloatVector y1 = FloatVector.fromArray(SPECIES, xi, OFFSET + j + L);
            FloatVector b = FloatVector.broadcast(SPECIES, bySample[at]);
            a00 = y0.fma(b, a00);
            a01 = y1.fma(b, a01);
            b = FloatVector.broadcast(SPECIES, bySample[at + 1]);
            a10 = y0.fma(b, a10);
            a11 = y1.fma(b, a11);
            b = FloatVector.broadcast(SPECIES, bySample[at + 2]);
            a20 = y0.fma(b, a20);
            a21 = y1.fma(b, a21);
            b = FloatVector.broadcast(SPECIES, bySample[at + 3]);
            a30 = y0.fma(b, a30);
            a31 = y1.fma(b, a31);
            b = FloatVector.broadcast(SPECIES, bySample[at + 4]);
            a40 = y0.fma(b, a40);
            a41 = y1.fma(b, a41);
        }
        a00.intoArray(w0, OFFSET + j);
        a01.intoArray(w0, OFFSET + j + L);
        a10.intoArray(w1, OFFSET + j);
        a11.intoArray(w1, OFFSET + j + L);
        a20.intoArray(w2, OFFSET + j);
        a21.intoArray(w2, OFFSET + j + L);
        a30.intoArray(w3, OFFSET + j);
        a31.intoArray(w3, OFFSET + j + L);
        a40.intoArray(w4, OFFSET + j);
        a41.intoArray(w4, OFFSET + j + L);
    }
}
