package cifarlinear.cpu;

import cifarlinear.model.Loss;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The loss and coefficients of {@link Products#lossAndCoefficients}, softmax or sigmoid, with one
 * sample per lane of a vector of doubles: every operation of {@link Loss#lossAndGradient} and
 * {@link Loss#exp}, in the same order, lane by lane, so the same bits as one sample at a time; only
 * the one logarithm of each sample's loss is taken one lane at a time ({@link Math#log},
 * {@link Math#log1p}). The scores are read class by class, where a step keeps them (class-major),
 * so no transpose is needed.
 *
 * <p>No vector crosses a call (see {@link VectorKernels}): the methods pass what they compute in
 * the working memory.
 */
final class VectorLoss {
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** Samples at once. */
    static final int LANES = DOUBLES.length();
    /** As many floats as {@link #DOUBLES} has lanes; null below 4 lanes, where this class is not used. */
    private static final VectorSpecies<Float> FLOATS = LANES >= 4
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2)) : null;
    private static final double[] A = Loss.expTaylor();
    private static final long SHIFTER_BITS = Double.doubleToRawLongBits(Loss.SHIFTER);

    private VectorLoss() {
    }

    /** Whether the losses go by lanes here: with at least 4 doubles per vector. */
    static boolean applies() {
        return LANES >= 4;
    }

    /** Length of the working memory {@code g} of {@link #lossAndCoefficients}: more than {@code classes}. */
    static int scratchLength(int classes) {
        return (2 * classes + 2) * LANES;
    }

    /**
     * {@link Products#lossAndCoefficients}, where {@code [i0, i1)} holds at least
     * {@link #LANES} samples (returns {@code i1}; else {@code i0}, having done nothing). Where the
     * count is not a multiple of the lanes, the last vector overlaps the one before it and writes
     * its overlap again with the same bits. Without {@code c} only the losses.
     *
     * <p>Each vector of samples goes through small methods that pass their results in {@code g}:
     * the scores, then the softmax or the sigmoid, each with {@link #exp}. One method with both
     * losses grows, once the compiler has seen both, past what it inlines, and the vector
     * operations left out fall back to code that allocates.
     */
    static int lossAndCoefficients(Loss loss, float[][] first, float[][] second, int off, float[] b, int[] labels,
                                   int[] order, int start, int i0, int i1, float coefficient, float[][] c,
                                   double[] sampleLoss, double[] g) {
        if (i1 - i0 < LANES) {
            return i0;
        }
        for (int next = i0; next < i1; next += LANES) {
            int i = Math.min(next, i1 - LANES);
            scores(first, second, off, b, labels, order, start, i, g);
            if (loss == Loss.SIGMOID) {
                sigmoid(b.length, i, coefficient, c, sampleLoss, g);
            } else {
                softmax(b.length, i, coefficient, c, sampleLoss, g);
            }
        }
        return i1;
    }

    /** Where {@code g} keeps, after the scores ({@code classes} vectors): the exponentials, the labels, the losses. */
    private static int exponentialsAt(int classes) {
        return classes * LANES;
    }

    private static int labelsAt(int classes) {
        return 2 * classes * LANES;
    }

    private static int lossesAt(int classes) {
        return (2 * classes + 1) * LANES;
    }

    /** The scores of samples {@code [i, i + LANES)} as doubles, class by class, and their labels, into {@code g}. */
    private static void scores(float[][] first, float[][] second, int off, float[] b, int[] labels, int[] order,
                               int start, int i, double[] g) {
        int classes = b.length;
        for (int k = 0; k < classes; k++) {
            FloatVector f = FloatVector.fromArray(FLOATS, first[k], i - off);
            if (second != null) {
                f = f.add(FloatVector.fromArray(FLOATS, second[k], i - off));
            }
            ((DoubleVector) f.add(b[k]).convertShape(VectorOperators.F2D, DOUBLES, 0)).intoArray(g, k * LANES);
        }
        for (int l = 0; l < LANES; l++) {
            g[labelsAt(classes) + l] = labels[order[start + i + l]];
        }
    }

    /** Softmax: e^(s − max), their sum, the coefficients of p − y and the loss log Σ e − (s_y − max). */
    private static void softmax(int classes, int i, float coefficient, float[][] c, double[] sampleLoss, double[] g) {
        int eAt = exponentialsAt(classes);
        DoubleVector max = DoubleVector.broadcast(DOUBLES, Double.NEGATIVE_INFINITY);
        for (int k = 0; k < classes; k++) {
            max = max.max(DoubleVector.fromArray(DOUBLES, g, k * LANES));
        }
        for (int k = 0; k < classes; k++) {
            DoubleVector.fromArray(DOUBLES, g, k * LANES).sub(max).intoArray(g, eAt + k * LANES);
        }
        exp(g, eAt, classes);
        DoubleVector zero = DoubleVector.zero(DOUBLES);
        DoubleVector y = DoubleVector.fromArray(DOUBLES, g, labelsAt(classes));
        DoubleVector sum = zero;
        DoubleVector trueScore = zero;
        for (int k = 0; k < classes; k++) {
            trueScore = trueScore.blend(DoubleVector.fromArray(DOUBLES, g, k * LANES), y.eq(k));
            sum = sum.add(DoubleVector.fromArray(DOUBLES, g, eAt + k * LANES));
        }
        DoubleVector coef = DoubleVector.broadcast(DOUBLES, coefficient);
        for (int k = 0; c != null && k < classes; k++) {
            VectorMask<Double> isTrue = y.eq(k);
            DoubleVector grad = DoubleVector.fromArray(DOUBLES, g, eAt + k * LANES).div(sum).sub(zero.blend(1.0, isTrue));
            ((FloatVector) grad.mul(coef).convertShape(VectorOperators.D2F, FLOATS, 0)).intoArray(c[k], i);
        }
        int lossAt = lossesAt(classes);
        sum.intoArray(sampleLoss, i);
        trueScore.sub(max).intoArray(g, lossAt);
        for (int l = 0; l < LANES; l++) {
            sampleLoss[i + l] = Math.log(sampleLoss[i + l]) - g[lossAt + l];
        }
    }

    /**
     * Sigmoid: e = e^−|s|; Σ max(s, 0), the t of 1 + t = Π (1 + e), the coefficients of
     * (σ(s) − y) / K with σ(s) = 1 / (1 + e) where s ≥ 0, else e / (1 + e), and the loss
     * (Σ max(s, 0) − s_y + log1p(t)) / K.
     */
    private static void sigmoid(int classes, int i, float coefficient, float[][] c, double[] sampleLoss, double[] g) {
        int eAt = exponentialsAt(classes);
        for (int k = 0; k < classes; k++) {
            DoubleVector.fromArray(DOUBLES, g, k * LANES).abs().neg().intoArray(g, eAt + k * LANES);
        }
        exp(g, eAt, classes);
        DoubleVector zero = DoubleVector.zero(DOUBLES);
        DoubleVector y = DoubleVector.fromArray(DOUBLES, g, labelsAt(classes));
        DoubleVector coef = DoubleVector.broadcast(DOUBLES, coefficient);
        DoubleVector positive = zero;
        DoubleVector sum = zero;
        DoubleVector trueScore = zero;
        for (int k = 0; k < classes; k++) {
            DoubleVector s = DoubleVector.fromArray(DOUBLES, g, k * LANES);
            DoubleVector e = DoubleVector.fromArray(DOUBLES, g, eAt + k * LANES);
            trueScore = trueScore.blend(s, y.eq(k));
            positive = positive.add(s.max(0.0));
            sum = sum.add(e).add(sum.mul(e));
            if (c != null) {
                DoubleVector grad = e.blend(1.0, s.compare(VectorOperators.GE, 0.0)).div(e.add(1.0))
                        .sub(zero.blend(1.0, y.eq(k))).div(classes);
                ((FloatVector) grad.mul(coef).convertShape(VectorOperators.D2F, FLOATS, 0)).intoArray(c[k], i);
            }
        }
        int lossAt = lossesAt(classes);
        sum.intoArray(sampleLoss, i);
        positive.sub(trueScore).intoArray(g, lossAt);
        for (int l = 0; l < LANES; l++) {
            sampleLoss[i + l] = (g[lossAt + l] + Math.log1p(sampleLoss[i + l])) / classes;
        }
    }

    /** {@link Loss#exp} of {@code count} vectors of {@code g} from {@code at} on, in place. */
    private static void exp(double[] g, int at, int count) {
        for (int k = 0; k < count; k++) {
            DoubleVector x = DoubleVector.fromArray(DOUBLES, g, at + k * LANES).max(Loss.EXP_MIN).min(Loss.EXP_MAX);
            DoubleVector t = x.mul(Loss.LOG2_E).add(Loss.SHIFTER);
            DoubleVector n = t.sub(Loss.SHIFTER);
            DoubleVector r = x.sub(n.mul(Loss.LN2_HI)).sub(n.mul(Loss.LN2_LO));
            DoubleVector r2 = r.mul(r);
            DoubleVector r4 = r2.mul(r2);
            DoubleVector r8 = r4.mul(r4);
            DoubleVector s0 = r.mul(A[3]).add(A[2]).mul(r2).add(r);
            DoubleVector s1 = r.mul(A[7]).add(A[6]).mul(r2).add(r.mul(A[5]).add(A[4]));
            DoubleVector s2 = r.mul(A[11]).add(A[10]).mul(r2).add(r.mul(A[9]).add(A[8]));
            DoubleVector t0 = s1.mul(r4).add(s0);
            DoubleVector t1 = r.mul(A[13]).add(A[12]).mul(r4).add(s2);
            DoubleVector p = t1.mul(r8).add(t0).add(1.0);
            LongVector power = ((LongVector) t.viewAsIntegralLanes()).sub(SHIFTER_BITS);
            LongVector half = power.add(2048).lanewise(VectorOperators.LSHR, 1).sub(1024);
            DoubleVector scale1 = (DoubleVector) half.add(1023).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
            DoubleVector scale2 = (DoubleVector) power.sub(half).add(1023).lanewise(VectorOperators.LSHL, 52)
                    .viewAsFloatingLanes();
            p.mul(scale1).mul(scale2).intoArray(g, at + k * LANES);
        }
    }
}
