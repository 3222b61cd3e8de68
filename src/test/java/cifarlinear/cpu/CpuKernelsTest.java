package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast kernels against the plain ones, on shapes that are neither square nor round. */
class CpuKernelsTest {

    private static float[][] matrix(int rows, int cols, long seed) {
        float[][] a = new float[rows][];
        for (int r = 0; r < rows; r++) {
            a[r] = TestData.randomFloats(cols, seed + r, 1.0);
        }
        return a;
    }

    /** {@code a} as rows of W or of a batch for {@code p} ({@link Products#rows}). */
    private static float[][] rowsOf(Products p, float[][] a) {
        float[][] rows = p.rows(a.length, a.length == 0 ? 0 : a[0].length);
        for (int r = 0; r < a.length; r++) {
            System.arraycopy(a[r], 0, rows[r], p.rowOffset(), a[r].length);
        }
        return rows;
    }

    /** The features of rows made by {@code p}: the offset before them left out. */
    private static float[][] features(Products p, float[][] rows) {
        float[][] a = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            a[r] = java.util.Arrays.copyOfRange(rows[r], p.rowOffset(), rows[r].length);
        }
        return a;
    }

    /** The coefficients {@code c} of {@code m} samples sample by sample, as the update also takes them. */
    private static float[] bySample(float[][] c, int m) {
        float[] s = new float[m * c.length];
        Products.bySample(c, c.length, 0, m, s);
        return s;
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int r = 0; r < a.length; r++) {
            c[r] = a[r].clone();
        }
        return c;
    }

    private static float[][] abs(float[][] a) {
        float[][] r = copy(a);
        for (float[] row : r) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.abs(row[j]);
            }
        }
        return r;
    }

    /** |a − b| ≤ 1e-5 + 1e-4 · |b| everywhere. */
    private static void assertClose(float[][] fast, float[][] ref) {
        for (int r = 0; r < ref.length; r++) {
            for (int c = 0; c < ref[r].length; c++) {
                float tol = 1e-5f + 1e-4f * Math.abs(ref[r][c]);
                if (Math.abs(fast[r][c] - ref[r][c]) > tol) {
                    throw new AssertionError("element [" + r + "][" + c + "]: fast " + fast[r][c] + ", reference "
                            + ref[r][c]);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"37, 0", "5, 3", "1, 8", "100, 1"})
    void gatherMatchesReference(int m, int maxShift) {
        Dataset data = TestData.random(60, 2, m);
        SplittableRandom rng = new SplittableRandom(m);
        int[] rows = new int[m + 3];
        boolean[] flip = new boolean[m + 3];
        byte[] dx = new byte[m + 3];
        byte[] dy = new byte[m + 3];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rng.nextInt(60);
            flip[i] = rng.nextBoolean();
            dx[i] = (byte) rng.nextInt(-maxShift, maxShift + 1);
            dy[i] = (byte) rng.nextInt(-maxShift, maxShift + 1);
        }
        float[] mean = TestData.randomFloats(Dataset.DIM, 1, 100);
        float[] inv = TestData.randomFloats(Dataset.DIM, 2, 0.05);
        float[][] fast = new float[m][Dataset.DIM];
        float[][] ref = new float[m][Dataset.DIM];
        float[] scratch = new float[Dataset.DIM];
        for (boolean[] f : new boolean[][] {flip, null}) {
            for (boolean shifted : new boolean[] {true, false}) {
                byte[] x = shifted ? dx : null;
                byte[] y = shifted ? dy : null;
                CpuKernels.gather(data.centeredPixels(), Dataset.DIM, rows, f, x, y, 3, mean, inv, fast, 0, m, scratch);
                CpuReference.gather(data.centeredPixels(), Dataset.DIM, rows, f, x, y, 3, mean, inv, ref, 0, m);
                assertClose(fast, ref);
                for (boolean vector : Simd.vectorApiAvailable() ? new boolean[] {false, true} : new boolean[] {false}) {
                    Products p = Simd.products(vector);
                    float[][] rowsOut = p.rows(m, Dataset.DIM);
                    p.gather(data.centeredPixels(), Dataset.DIM, rows, f, x, y, 3, mean, inv, rowsOut, 0, m, scratch);
                    float[][] viaProducts = features(p, rowsOut);
                    for (int r = 0; r < m; r++) {
                        assertThat(viaProducts[r]).as("vector %s, row %d", vector, r).containsExactly(fast[r]);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aShiftMovesThePictureAndFillsWithZeros() {
        float[] in = new float[Dataset.DIM];
        for (int j = 0; j < Dataset.DIM; j++) {
            in[j] = j + 1;
        }
        float[] out = new float[Dataset.DIM];
        CpuKernels.shift(in, out, 2, -1);
        // Pixel (c, r, x) comes from (c, r + 1, x - 2).
        assertThat(out[5 * 32 + 7]).isEqualTo(in[6 * 32 + 5]);
        assertThat(out[1024 + 31 * 32 + 7]).isZero(); // the bottom row comes from below the image
        assertThat(out[2048 + 4 * 32 + 1]).isZero(); // the two left columns come from the left of it
        assertThat(out[2048 + 4 * 32 + 2]).isEqualTo(in[2048 + 5 * 32]);
        CpuKernels.shift(in, out, 0, 0);
        assertThat(out).containsExactly(in);
    }

    @ParameterizedTest
    @CsvSource({"7, 37, 3072, 0, 3072", "10, 100, 3072, 128, 256", "3, 1, 200, 4, 199", "13, 50, 130, 0, 130"})
    void forwardMatchesReference(int k, int m, int d, int j0, int j1) {
        float[][] w = matrix(k, d, 1);
        float[][] xt = matrix(d, m, 2);
        float[][] fast = new float[k][m];
        float[][] ref = new float[k][m];
        CpuKernels.forward(w, k, xt, m, fast, j0, j1);
        CpuReference.forward(w, k, xt, m, ref, j0, j1);
        float[][] magnitude = new float[k][m];
        CpuReference.forward(abs(w), k, abs(xt), m, magnitude, j0, j1);
        for (int kk = 0; kk < k; kk++) {
            for (int i = 0; i < m; i++) {
                assertThat(Math.abs(fast[kk][i] - ref[kk][i])).as("score [%d][%d]", kk, i)
                        .isLessThanOrEqualTo(1e-5f * magnitude[kk][i]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"7, 37, 3072, 0, 3072, 0.998", "10, 100, 3072, 128, 384, 1", "3, 1, 200, 4, 199, 0.5",
            "100, 6, 64, 0, 64, 0.9"})
    void updateMatchesReference(int k, int m, int d, int j0, int j1, float beta) {
        float[][] x = matrix(m, d, 3);
        float[][] c = matrix(k, m, 4);
        float[][] fast = matrix(k, d, 5);
        float[][] ref = copy(fast);
        CpuKernels.update(fast, k, x, m, c, beta, j0, j1);
        CpuReference.update(ref, k, x, m, c, beta, j0, j1);
        assertClose(fast, ref);
        if (j0 > 0) {
            assertThat(fast[0][j0 - 1]).isEqualTo(matrix(k, d, 5)[0][j0 - 1]);
        }
    }

    @ParameterizedTest
    @CsvSource({"10, 100, 0, 100", "3, 7, 2, 5", "100, 5, 4, 5"})
    void coefficientsBySampleAreTheClassesOfEachSampleSideBySide(int k, int m, int i0, int i1) {
        float[][] c = matrix(k, m, 9);
        float[] s = new float[m * k];
        java.util.Arrays.fill(s, Float.NaN);
        Products.bySample(c, k, i0, i1, s);
        for (int i = 0; i < m; i++) {
            for (int kk = 0; kk < k; kk++) {
                if (i >= i0 && i < i1) {
                    assertThat(s[i * k + kk]).as("sample %d, class %d", i, kk).isEqualTo(c[kk][i]);
                } else {
                    assertThat(s[i * k + kk]).as("sample %d outside [%d, %d)", i, i0, i1).isNaN();
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 37, 0, 3072", "3, 4, 32, 64", "5, 100, 128, 256"})
    void transposeTransposes(int i0, int i1, int j0, int j1) {
        float[][] x = matrix(i1, 3072, 6);
        float[][] xt = new float[3072][i1 - i0];
        CpuKernels.transpose(x, i0, i1, xt, j0, j1);
        for (int j = j0; j < j1; j++) {
            for (int i = i0; i < i1; i++) {
                assertThat(xt[j][i - i0]).isEqualTo(x[i][j]);
            }
        }
    }

    /** Both implementations of the products, against the plain loops. */
    @ParameterizedTest
    @CsvSource({"7, 37, 3072, 0, 37", "10, 100, 3072, 13, 61", "3, 5, 200, 1, 5", "100, 9, 64, 0, 9",
            "1, 4, 3071, 0, 4", "2, 6, 16, 2, 6", "10, 7, 3072, 0, 7", "20, 3, 3070, 1, 3", "5, 1, 48, 0, 1",
            "20, 11, 3070, 0, 11", "100, 13, 1100, 2, 13", "15, 9, 600, 1, 8", "10, 50, 3072, 0, 50"})
    void productsMatchReference(int k, int m, int d, int i0, int i1) {
        float[][] w = matrix(k, d, 1);
        float[][] x = matrix(m, d, 2);
        float[][] xt = new float[d][m];
        CpuKernels.transpose(x, 0, m, xt, 0, d);
        float[][] ref = new float[k][m];
        CpuReference.forward(w, k, xt, m, ref, 0, d);
        // Rounding error grows with Σ|w x|, not with the (possibly cancelling) sum itself.
        float[][] magnitude = new float[k][m];
        CpuReference.forward(abs(w), k, abs(xt), m, magnitude, 0, d);
        float[][] c = matrix(k, m, 4);
        float[][] refW = copy(w);
        CpuReference.update(refW, k, x, m, c, 0.97f, 0, d);
        for (Products p : new Products[] {new VectorKernels(), new Products.AutoVectorized()}) {
            float[][] out = new float[k][i1 - i0];
            float[][] pw = rowsOf(p, w);
            float[][] px = rowsOf(p, x);
            p.scores(pw, k, d, px, i0, i1, out, p.scratch(k, d, i1 - i0));
            for (int kk = 0; kk < k; kk++) {
                for (int i = i0; i < i1; i++) {
                    assertThat(Math.abs(out[kk][i - i0] - ref[kk][i])).as("%s score [%d][%d]", p.describe(), kk, i)
                            .isLessThanOrEqualTo(1e-5f * magnitude[kk][i]);
                }
            }
            float[][] fastW = copy(pw);
            int mid = Math.min(d, p.alignment() * 3);
            p.update(fastW, k, px, m, c, bySample(c, m), 0.97f, 0, mid);
            p.update(fastW, k, px, m, c, bySample(c, m), 0.97f, mid, d);
            assertClose(features(p, fastW), refW);
        }
    }

    /** The blocks for 16 vector registers against those for 32: the same scores and weights, bit for bit. */
    @ParameterizedTest
    @CsvSource({"10, 37, 3072, 0, 37", "10, 12, 3072, 0, 12", "5, 3, 3072, 0, 3", "20, 11, 3070, 1, 11",
            "100, 9, 1100, 0, 9", "7, 6, 640, 0, 6", "10, 1, 3072, 0, 1"})
    void blocksForSixteenRegistersGiveTheSameBits(int k, int m, int d, int i0, int i1) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.vectorApiAvailable(), "no Vector API here");
        Products wide = new VectorKernels(32);
        Products narrow = new VectorKernels(16);
        assertThat(narrow.describe()).endsWith(", 16 registers");
        float[][] w = rowsOf(wide, matrix(k, d, 11));
        float[][] x = rowsOf(wide, matrix(m, d, 12));
        float[][] c = matrix(k, m, 13);
        float[][] s32 = new float[k][i1 - i0];
        float[][] s16 = new float[k][i1 - i0];
        wide.scores(w, k, d, x, i0, i1, s32, wide.scratch(k, d, i1 - i0));
        narrow.scores(w, k, d, x, i0, i1, s16, narrow.scratch(k, d, i1 - i0));
        float[][] w32 = copy(w);
        float[][] w16 = copy(w);
        wide.update(w32, k, x, m, c, bySample(c, m), 0.97f, 0, d);
        narrow.update(w16, k, x, m, c, bySample(c, m), 0.97f, 0, d);
        for (int r = 0; r < k; r++) {
            assertThat(s16[r]).as("scores of class %d", r).containsExactly(s32[r]);
            assertThat(w16[r]).as("weights of class %d", r).containsExactly(w32[r]);
        }
        assertThat(narrow.updatesFromPixels(k, d)).isFalse();
    }

    /** The update from the pixels, flips included, against the gather and the update from its rows: bit for bit. */
    @ParameterizedTest
    @CsvSource({"10, 37, 0, 3072", "10, 1, 0, 3072", "20, 16, 512, 1024", "100, 5, 2048, 3072"})
    void updateFromPixelsIsTheUpdateOfTheGatheredRows(int k, int m, int j0, int j1) {
        Products p = Simd.products(Simd.vectorApiAvailable());
        org.junit.jupiter.api.Assumptions.assumeTrue(p.updatesFromPixels(k, Dataset.DIM), "no update from pixels here");
        Dataset data = TestData.random(30, 2, m + k);
        SplittableRandom rng = new SplittableRandom(m);
        int[] rows = new int[m + 2];
        boolean[] flip = new boolean[m + 2];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rng.nextInt(30);
            flip[i] = rng.nextBoolean();
        }
        float[] mean = TestData.randomFloats(Dataset.DIM, 5, 100);
        float[] inv = TestData.randomFloats(Dataset.DIM, 6, 0.05);
        float[][] x = p.rows(m, Dataset.DIM);
        p.gather(data.centeredPixels(), Dataset.DIM, rows, flip, null, null, 2, mean, inv, x, 0, m, new float[Dataset.DIM]);
        float[][] c = matrix(k, m, 7);
        float[][] fromRows = rowsOf(p, matrix(k, Dataset.DIM, 8));
        float[][] fromPixels = copy(fromRows);
        p.update(fromRows, k, x, m, c, bySample(c, m), 0.99f, j0, j1);
        p.updateFromPixels(fromPixels, k, data.centeredPixels(), Dataset.DIM, rows, flip, 2, mean, inv, m, c,
                bySample(c, m), 0.99f, j0, j1);
        for (int r = 0; r < k; r++) {
            assertThat(fromPixels[r]).as("class %d", r).containsExactly(fromRows[r]);
        }
    }

    /**
     * The two partial sums of the scores, added, against the scores; and the gather of each half of
     * the features against the whole gather, flips included: bit for bit.
     */
    @ParameterizedTest
    @CsvSource({"10, 37, 0, 37", "10, 100, 13, 61", "20, 7, 0, 7", "100, 9, 1, 9", "5, 3, 0, 3", "10, 1, 0, 1"})
    void partialScoresAddUpToTheScores(int k, int m, int i0, int i1) {
        Products p = Simd.products(Simd.vectorApiAvailable());
        org.junit.jupiter.api.Assumptions.assumeTrue(p.splitsScores(k, Dataset.DIM), "no partial scores here");
        int d = Dataset.DIM;
        int split = p.scoreSplit(d);
        assertThat(split % Dataset.SIDE).isZero();
        assertThat(split).isBetween(d / 4, d / 2);
        Dataset data = TestData.random(30, 2, m + k);
        SplittableRandom rng = new SplittableRandom(m + k);
        int[] rows = new int[m + 2];
        boolean[] flip = new boolean[m + 2];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rng.nextInt(30);
            flip[i] = rng.nextBoolean();
        }
        float[] mean = TestData.randomFloats(d, 5, 100);
        float[] inv = TestData.randomFloats(d, 6, 0.05);
        float[][] whole = p.rows(m, d);
        p.gather(data.centeredPixels(), d, rows, flip, null, null, 2, mean, inv, whole, 0, m, new float[d]);
        float[][] halves = p.rows(m, d);
        p.gatherFeatures(data.centeredPixels(), d, rows, flip, 2, mean, inv, halves, 0, m, split, d);
        p.gatherFeatures(data.centeredPixels(), d, rows, flip, 2, mean, inv, halves, 0, m, 0, split);
        for (int i = 0; i < m; i++) {
            assertThat(halves[i]).as("row %d", i).containsExactly(whole[i]);
        }
        float[][] w = rowsOf(p, matrix(k, d, 9));
        float[][] scores = new float[k][i1 - i0];
        float[][] first = new float[k][i1 - i0];
        float[][] second = new float[k][i1 - i0];
        p.scores(w, k, d, whole, i0, i1, scores, p.scratch(k, d, i1 - i0));
        p.partialScores(w, k, d, whole, i0, i1, first, p.scratch(k, d, i1 - i0), false);
        p.partialScores(w, k, d, whole, i0, i1, second, p.scratch(k, d, i1 - i0), true);
        for (int r = 0; r < k; r++) {
            for (int i = 0; i < i1 - i0; i++) {
                assertThat(first[r][i] + second[r][i]).as("score [%d][%d]", r, i).isEqualTo(scores[r][i]);
            }
            assertThat(first[r]).as("class %d: the first half is not the whole", r).isNotEqualTo(scores[r]);
        }
    }

    /**
     * The reads ahead of a gather stay within the features asked for of the images asked for, and
     * reach every cache line of them: each image's first and last byte twice (once to look its pages
     * up, once after its lines) and one byte of each 64.
     */
    @ParameterizedTest
    @CsvSource({"0, 3072", "0, 1536", "1536, 3072", "64, 65", "32, 200"})
    void readsAheadEveryLineOfTheAskedFeaturesOfTheAskedImagesAndNothingElse(int j0, int j1) {
        int d = Dataset.DIM;
        int[] rows = {9, 4, 7, 4, 0, 2};
        byte[] u = new byte[10 * d];
        Arrays.fill(u, (byte) 100);
        for (int image : new int[] {7, 4, 0}) { // rows[1 + 1 .. 1 + 4)
            Arrays.fill(u, image * d + j0, image * d + j1, (byte) 1);
        }
        int perImage = 2 + (j1 - j0 + 63) / 64 + 1;
        assertThat(Products.touchImages(u, d, rows, 1, 1, 4, j0, j1)).isEqualTo(3 * perImage);
    }
}
