package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products with explicit SIMD through the Vector API ({@code jdk.incubator.vector}),
 * at the machine's widest vector (16 floats with AVX-512, 8 with AVX2, 4 with NEON). Both keep
 * a block of results in registers across the inner loop: scores for 2 samples × 5 classes (4 × 2
 * when the class count is not a multiple of five), the update for 5 classes × 2 vectors of
 * features.
 *
 * <p>Lanes are summed in a fixed order rather than with {@code reduceLanes}, whose order is
 * unspecified, so results do not depend on whether a method has been compiled yet.
 *
 * <p>Only loaded when the module is present ({@link Simd}); {@link CpuKernels} is the fallback.
 */
final class VectorKernels extends Products {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** L bytes, widened to L floats. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    /** Lane i takes lane L − 1 − i. */
    private static final VectorShuffle<Float> REVERSE = VectorShuffle.fromOp(SPECIES, i -> L - 1 - i);

    @Override
    Object scratch(int classes, int d, int rows) {
        return new float[L];
    }

    @Override
    int alignment() {
        return 2 * L;
    }

    @Override
    String describe() {
        return "Vector API, " + L + " floats";
    }

    /**
     * Widens L bytes at a time and normalizes them; a flipped sample's 32-pixel rows are written
     * block by block with each block's lanes reversed. Shifted samples take the plain path.
     */
    @Override
    void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff, float[] centeredMean,
                float[] invStd, float[][] x, int i0, int i1, float[] scratch) {
        if (d != Dataset.DIM || Dataset.SIDE % L != 0 || BYTES.vectorBitSize() < 64) {
            super.gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, i0, i1, scratch);
            return;
        }
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
                for (int j = 0; j < d; j += L) {
                    normalized(u, src, j, centeredMean, invStd).intoArray(xi, j);
                }
            } else {
                for (int row = 0; row < d; row += Dataset.SIDE) {
                    for (int q = 0; q < blocks; q++) {
                        int j = row + q * L;
                        normalized(u, src, j, centeredMean, invStd).rearrange(REVERSE)
                                .intoArray(xi, row + (blocks - 1 - q) * L);
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

    /** Σ of the lanes of v, in lane order. */
    private static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (int q = 0; q < L; q++) {
            s += lanes[q];
        }
        return s;
    }

    @Override
    void scores(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out, Object scratch) {
        if (classes % 5 == 0) {
            scoresByFive(w, classes, d, x, i0, i1, out, (float[]) scratch);
            return;
        }
        float[] lanes = (float[]) scratch;
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
                    FloatVector v0 = FloatVector.fromArray(SPECIES, w0, j);
                    FloatVector v1 = FloatVector.fromArray(SPECIES, w1, j);
                    FloatVector y0 = FloatVector.fromArray(SPECIES, x0, j);
                    FloatVector y1 = FloatVector.fromArray(SPECIES, x1, j);
                    FloatVector y2 = FloatVector.fromArray(SPECIES, x2, j);
                    FloatVector y3 = FloatVector.fromArray(SPECIES, x3, j);
                    a00 = v0.fma(y0, a00);
                    a01 = v0.fma(y1, a01);
                    a02 = v0.fma(y2, a02);
                    a03 = v0.fma(y3, a03);
                    a10 = v1.fma(y0, a10);
                    a11 = v1.fma(y1, a11);
                    a12 = v1.fma(y2, a12);
                    a13 = v1.fma(y3, a13);
                }
                int o = i - i0;
                out[k][o] = sum(a00, lanes) + tail(w0, x0, dv, d);
                out[k][o + 1] = sum(a01, lanes) + tail(w0, x1, dv, d);
                out[k][o + 2] = sum(a02, lanes) + tail(w0, x2, dv, d);
                out[k][o + 3] = sum(a03, lanes) + tail(w0, x3, dv, d);
                out[k + 1][o] = sum(a10, lanes) + tail(w1, x0, dv, d);
                out[k + 1][o + 1] = sum(a11, lanes) + tail(w1, x1, dv, d);
                out[k + 1][o + 2] = sum(a12, lanes) + tail(w1, x2, dv, d);
                out[k + 1][o + 3] = sum(a13, lanes) + tail(w1, x3, dv, d);
            }
            for (; k < classes; k++) {
                for (int q = 0; q < 4; q++) {
                    out[k][i + q - i0] = dot(w[k], x[i + q], dv, d, lanes);
                }
            }
        }
        for (; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                out[k][i - i0] = dot(w[k], x[i], dv, d, lanes);
            }
        }
    }

    /**
     * Scores in blocks of 2 samples × 5 classes (ten accumulators: seven loads per ten FMAs), for
     * class counts that are multiples of five (CIFAR-10's 10, CIFAR-100's 20 and 100).
     */
    private static void scoresByFive(float[][] w, int classes, int d, float[][] x, int i0, int i1, float[][] out,
                                     float[] lanes) {
        int dv = d - d % L;
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            for (int k = 0; k < classes; k += 5) {
                fourByFive(w, k, d, dv, x, i, out, i - i0, lanes);
            }
        }
        for (; i + 2 <= i1; i += 2) {
            float[] x0 = x[i];
            float[] x1 = x[i + 1];
            int o = i - i0;
            for (int k = 0; k < classes; k += 5) {
                float[] w0 = w[k];
                float[] w1 = w[k + 1];
                float[] w2 = w[k + 2];
                float[] w3 = w[k + 3];
                float[] w4 = w[k + 4];
                FloatVector a00 = FloatVector.zero(SPECIES);
                FloatVector a01 = a00;
                FloatVector a10 = a00;
                FloatVector a11 = a00;
                FloatVector a20 = a00;
                FloatVector a21 = a00;
                FloatVector a30 = a00;
                FloatVector a31 = a00;
                FloatVector a40 = a00;
                FloatVector a41 = a00;
                for (int j = 0; j < dv; j += L) {
                    FloatVector y0 = FloatVector.fromArray(SPECIES, x0, j);
                    FloatVector y1 = FloatVector.fromArray(SPECIES, x1, j);
                    FloatVector v = FloatVector.fromArray(SPECIES, w0, j);
                    a00 = v.fma(y0, a00);
                    a01 = v.fma(y1, a01);
                    v = FloatVector.fromArray(SPECIES, w1, j);
                    a10 = v.fma(y0, a10);
                    a11 = v.fma(y1, a11);
                    v = FloatVector.fromArray(SPECIES, w2, j);
                    a20 = v.fma(y0, a20);
                    a21 = v.fma(y1, a21);
                    v = FloatVector.fromArray(SPECIES, w3, j);
                    a30 = v.fma(y0, a30);
                    a31 = v.fma(y1, a31);
                    v = FloatVector.fromArray(SPECIES, w4, j);
                    a40 = v.fma(y0, a40);
                    a41 = v.fma(y1, a41);
                }
                out[k][o] = sum(a00, lanes) + tail(w0, x0, dv, d);
                out[k][o + 1] = sum(a01, lanes) + tail(w0, x1, dv, d);
                out[k + 1][o] = sum(a10, lanes) + tail(w1, x0, dv, d);
                out[k + 1][o + 1] = sum(a11, lanes) + tail(w1, x1, dv, d);
                out[k + 2][o] = sum(a20, lanes) + tail(w2, x0, dv, d);
                out[k + 2][o + 1] = sum(a21, lanes) + tail(w2, x1, dv, d);
                out[k + 3][o] = sum(a30, lanes) + tail(w3, x0, dv, d);
                out[k + 3][o + 1] = sum(a31, lanes) + tail(w3, x1, dv, d);
                out[k + 4][o] = sum(a40, lanes) + tail(w4, x0, dv, d);
                out[k + 4][o + 1] = sum(a41, lanes) + tail(w4, x1, dv, d);
            }
        }
        for (; i < i1; i++) {
            for (int k = 0; k < classes; k++) {
                out[k][i - i0] = dot(w[k], x[i], dv, d, lanes);
            }
        }
    }

    /**
     * Scores of samples {@code [i, i + 4)} for classes {@code [k, k + 5)}: twenty accumulators, nine
     * loads per twenty FMAs. Each score sums in the same order as in the smaller blocks.
     */
    private static void fourByFive(float[][] w, int k, int d, int dv, float[][] x, int i, float[][] out, int o,
                                   float[] lanes) {
        float[] x0 = x[i];
        float[] x1 = x[i + 1];
        float[] x2 = x[i + 2];
        float[] x3 = x[i + 3];
        float[] w0 = w[k];
        float[] w1 = w[k + 1];
        float[] w2 = w[k + 2];
        float[] w3 = w[k + 3];
        float[] w4 = w[k + 4];
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        FloatVector a40 = a00;
        FloatVector a41 = a00;
        FloatVector a42 = a00;
        FloatVector a43 = a00;
        for (int j = 0; j < dv; j += L) {
            FloatVector y0 = FloatVector.fromArray(SPECIES, x0, j);
            FloatVector y1 = FloatVector.fromArray(SPECIES, x1, j);
            FloatVector y2 = FloatVector.fromArray(SPECIES, x2, j);
            FloatVector y3 = FloatVector.fromArray(SPECIES, x3, j);
            FloatVector v = FloatVector.fromArray(SPECIES, w0, j);
            a00 = v.fma(y0, a00);
            a01 = v.fma(y1, a01);
            a02 = v.fma(y2, a02);
            a03 = v.fma(y3, a03);
            v = FloatVector.fromArray(SPECIES, w1, j);
            a10 = v.fma(y0, a10);
            a11 = v.fma(y1, a11);
            a12 = v.fma(y2, a12);
            a13 = v.fma(y3, a13);
            v = FloatVector.fromArray(SPECIES, w2, j);
            a20 = v.fma(y0, a20);
            a21 = v.fma(y1, a21);
            a22 = v.fma(y2, a22);
            a23 = v.fma(y3, a23);
            v = FloatVector.fromArray(SPECIES, w3, j);
            a30 = v.fma(y0, a30);
            a31 = v.fma(y1, a31);
            a32 = v.fma(y2, a32);
            a33 = v.fma(y3, a33);
            v = FloatVector.fromArray(SPECIES, w4, j);
            a40 = v.fma(y0, a40);
            a41 = v.fma(y1, a41);
            a42 = v.fma(y2, a42);
            a43 = v.fma(y3, a43);
        }
        out[k][o] = sum(a00, lanes) + tail(w0, x0, dv, d);
        out[k][o + 1] = sum(a01, lanes) + tail(w0, x1, dv, d);
        out[k][o + 2] = sum(a02, lanes) + tail(w0, x2, dv, d);
        out[k][o + 3] = sum(a03, lanes) + tail(w0, x3, dv, d);
        out[k + 1][o] = sum(a10, lanes) + tail(w1, x0, dv, d);
        out[k + 1][o + 1] = sum(a11, lanes) + tail(w1, x1, dv, d);
        out[k + 1][o + 2] = sum(a12, lanes) + tail(w1, x2, dv, d);
        out[k + 1][o + 3] = sum(a13, lanes) + tail(w1, x3, dv, d);
        out[k + 2][o] = sum(a20, lanes) + tail(w2, x0, dv, d);
        out[k + 2][o + 1] = sum(a21, lanes) + tail(w2, x1, dv, d);
        out[k + 2][o + 2] = sum(a22, lanes) + tail(w2, x2, dv, d);
        out[k + 2][o + 3] = sum(a23, lanes) + tail(w2, x3, dv, d);
        out[k + 3][o] = sum(a30, lanes) + tail(w3, x0, dv, d);
        out[k + 3][o + 1] = sum(a31, lanes) + tail(w3, x1, dv, d);
        out[k + 3][o + 2] = sum(a32, lanes) + tail(w3, x2, dv, d);
        out[k + 3][o + 3] = sum(a33, lanes) + tail(w3, x3, dv, d);
        out[k + 4][o] = sum(a40, lanes) + tail(w4, x0, dv, d);
        out[k + 4][o + 1] = sum(a41, lanes) + tail(w4, x1, dv, d);
        out[k + 4][o + 2] = sum(a42, lanes) + tail(w4, x2, dv, d);
        out[k + 4][o + 3] = sum(a43, lanes) + tail(w4, x3, dv, d);
    }

    private static float dot(float[] a, float[] b, int dv, int d, float[] lanes) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int j = 0; j < dv; j += L) {
            acc = FloatVector.fromArray(SPECIES, a, j).fma(FloatVector.fromArray(SPECIES, b, j), acc);
        }
        return sum(acc, lanes) + tail(a, b, dv, d);
    }

    /** Σ a[j] b[j] over the features past the last whole vector. */
    private static float tail(float[] a, float[] b, int from, int d) {
        float s = 0;
        for (int j = from; j < d; j++) {
            s = Math.fma(a[j], b[j], s);
        }
        return s;
    }

    @Override
    void update(float[][] w, int classes, float[][] x, int m, float[][] c, float beta, int j0, int j1) {
        int jv = j0 + (j1 - j0) / (2 * L) * (2 * L);
        int k = 0;
        for (; k + 5 <= classes; k += 5) {
            updateFive(w, k, x, m, c, beta, j0, jv);
        }
        for (; k < classes; k++) {
            float[] wk = w[k];
            float[] ck = c[k];
            for (int j = j0; j < jv; j += 2 * L) {
                FloatVector a0 = FloatVector.fromArray(SPECIES, wk, j).mul(beta);
                FloatVector a1 = FloatVector.fromArray(SPECIES, wk, j + L).mul(beta);
                for (int i = 0; i < m; i++) {
                    FloatVector b0 = FloatVector.broadcast(SPECIES, ck[i]);
                    a0 = FloatVector.fromArray(SPECIES, x[i], j).fma(b0, a0);
                    a1 = FloatVector.fromArray(SPECIES, x[i], j + L).fma(b0, a1);
                }
                a0.intoArray(wk, j);
                a1.intoArray(wk, j + L);
            }
        }
        if (jv < j1) {
            // Features past the last whole pair of vectors: the same arithmetic, one lane at a time.
            for (int kk = 0; kk < classes; kk++) {
                float[] wk = w[kk];
                float[] ck = c[kk];
                for (int j = jv; j < j1; j++) {
                    float a = wk[j] * beta;
                    for (int i = 0; i < m; i++) {
                        a = Math.fma(x[i][j], ck[i], a);
                    }
                    wk[j] = a;
                }
            }
        }
    }

    /** Classes {@code [k, k + 5)}, two vectors of features at a time: ten accumulators in registers. */
    private static void updateFive(float[][] w, int k, float[][] x, int m, float[][] c, float beta, int j0, int j1) {
        float[] w0 = w[k];
        float[] w1 = w[k + 1];
        float[] w2 = w[k + 2];
        float[] w3 = w[k + 3];
        float[] w4 = w[k + 4];
        float[] c0 = c[k];
        float[] c1 = c[k + 1];
        float[] c2 = c[k + 2];
        float[] c3 = c[k + 3];
        float[] c4 = c[k + 4];
        for (int j = j0; j < j1; j += 2 * L) {
            FloatVector a00 = FloatVector.fromArray(SPECIES, w0, j).mul(beta);
            FloatVector a01 = FloatVector.fromArray(SPECIES, w0, j + L).mul(beta);
            FloatVector a10 = FloatVector.fromArray(SPECIES, w1, j).mul(beta);
            FloatVector a11 = FloatVector.fromArray(SPECIES, w1, j + L).mul(beta);
            FloatVector a20 = FloatVector.fromArray(SPECIES, w2, j).mul(beta);
            FloatVector a21 = FloatVector.fromArray(SPECIES, w2, j + L).mul(beta);
            FloatVector a30 = FloatVector.fromArray(SPECIES, w3, j).mul(beta);
            FloatVector a31 = FloatVector.fromArray(SPECIES, w3, j + L).mul(beta);
            FloatVector a40 = FloatVector.fromArray(SPECIES, w4, j).mul(beta);
            FloatVector a41 = FloatVector.fromArray(SPECIES, w4, j + L).mul(beta);
            for (int i = 0; i < m; i++) {
                float[] xi = x[i];
                FloatVector y0 = FloatVector.fromArray(SPECIES, xi, j);
                FloatVector y1 = FloatVector.fromArray(SPECIES, xi, j + L);
                FloatVector b = FloatVector.broadcast(SPECIES, c0[i]);
                a00 = y0.fma(b, a00);
                a01 = y1.fma(b, a01);
                b = FloatVector.broadcast(SPECIES, c1[i]);
                a10 = y0.fma(b, a10);
                a11 = y1.fma(b, a11);
                b = FloatVector.broadcast(SPECIES, c2[i]);
                a20 = y0.fma(b, a20);
                a21 = y1.fma(b, a21);
                b = FloatVector.broadcast(SPECIES, c3[i]);
                a30 = y0.fma(b, a30);
                a31 = y1.fma(b, a31);
                b = FloatVector.broadcast(SPECIES, c4[i]);
                a40 = y0.fma(b, a40);
                a41 = y1.fma(b, a41);
            }
            a00.intoArray(w0, j);
            a01.intoArray(w0, j + L);
            a10.intoArray(w1, j);
            a11.intoArray(w1, j + L);
            a20.intoArray(w2, j);
            a21.intoArray(w2, j + L);
            a30.intoArray(w3, j);
            a31.intoArray(w3, j + L);
            a40.intoArray(w4, j);
            a41.intoArray(w4, j + L);
        }
    }
}
