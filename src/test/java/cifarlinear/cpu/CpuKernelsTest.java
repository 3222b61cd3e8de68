package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int r = 0; r < a.length; r++) {
            c[r] = a[r].clone();
        }
        return c;
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
    @CsvSource({"37, 0, 3072", "5, 1024, 2048", "1, 0, 3072", "100, 128, 384"})
    void gatherMatchesReference(int m, int j0, int j1) {
        Dataset data = TestData.random(60, 2, m);
        SplittableRandom rng = new SplittableRandom(m);
        int[] rows = new int[m + 3];
        boolean[] flip = new boolean[m + 3];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rng.nextInt(60);
            flip[i] = rng.nextBoolean();
        }
        float[] mean = TestData.randomFloats(Dataset.DIM, 1, 100);
        float[] inv = TestData.randomFloats(Dataset.DIM, 2, 0.05);
        float[][] fast = new float[m][Dataset.DIM];
        float[][] ref = new float[m][Dataset.DIM];
        for (boolean[] f : new boolean[][] {flip, null}) {
            CpuKernels.gather(data.centeredPixels(), Dataset.DIM, rows, f, 3, m, mean, inv, fast, j0, j1);
            CpuReference.gather(data.centeredPixels(), Dataset.DIM, rows, f, 3, m, mean, inv, ref, j0, j1);
            assertClose(fast, ref);
        }
        // Features outside [j0, j1) are left alone.
        if (j0 > 0) {
            assertThat(fast[0][j0 - 1]).isZero();
        }
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
        assertClose(fast, ref);
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
    @CsvSource({"37, 0, 3072", "1, 32, 64", "100, 128, 256"})
    void transposeTransposes(int m, int j0, int j1) {
        float[][] x = matrix(m, 3072, 6);
        float[][] xt = new float[3072][m];
        CpuKernels.transpose(x, m, xt, j0, j1);
        for (int j = j0; j < j1; j++) {
            for (int i = 0; i < m; i++) {
                assertThat(xt[j][i]).isEqualTo(x[i][j]);
            }
        }
    }
}
