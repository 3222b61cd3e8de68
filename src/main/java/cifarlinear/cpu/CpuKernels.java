package cifarlinear.cpu;

import cifarlinear.data.Dataset;
import cifarlinear.data.Flip;

/**
 * The CPU backend's arithmetic in plain Java, written so that HotSpot's C2 compiler turns the
 * inner loops into SIMD code by itself (the fallback where the Vector API is not available;
 * see {@link VectorKernels}). Two rules make that happen: every inner loop is an element-wise update of
 * contiguous floats, and every float array in a loop is indexed by the same loop variable with
 * no offset (matrices are arrays of rows), so C2 can vectorize without proving that arrays do
 * not overlap. Fused multiply-add chains over four inputs save loads and stores of the output
 * ({@link Simd#fma}).
 *
 * <p>Each output element is computed in an order fixed by the shapes alone, so results are
 * bitwise identical for any split of the work between threads.
 *
 * <p>Shapes (matrices are arrays of rows):
 * <pre>
 * u    : n × d    centered pixels (p − 128 as signed bytes), row-major in one array
 * x    : m × d    normalized batch, sample-major (x[i] = sample i)
 * xt   : d × m    the same batch, feature-major (xt[j][i] = x[i][j])
 * w    : K × d    weights
 * s    : K × m    scores (s[k][i] = score of class k for sample i)
 * c    : K × m    update coefficients, c[k][i] = −(η/m) ∂ℓ_i/∂s_k
 * </pre>
 * {@link CpuReference} holds a plain version of each kernel for the tests.
 */
public final class CpuKernels {
    private CpuKernels() {
    }

    /**
     * Gathers samples {@code [i0, i1)} of a batch: sample i is image {@code rows[rowOff + i]} of the
     * centered pixels {@code u} (p − 128, see {@link cifarlinear.data.Dataset}), normalized,
     * x[i][j] = (u[j] − centeredMean[j]) · invStd[j] with centeredMean = mean − 128; mirrored when
     * {@code flip[rowOff + i]} (each 32-pixel image row of the normalized sample reversed, so x[i][j]
     * takes the value of feature {@link Flip#mirror}(j)); then moved by ({@code dx}, {@code dy})
     * pixels ({@link cifarlinear.data.Shift}) when those are given. Flip, dx and dy may be null.
     *
     * @param scratch a row of d floats, used for shifted samples
     */
    public static void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff,
                              float[] centeredMean, float[] invStd, float[][] x, int i0, int i1, float[] scratch) {
        gather(u, d, rows, flip, dx, dy, rowOff, centeredMean, invStd, x, 0, i0, i1, scratch);
    }

    /**
     * {@link #gather} into rows whose feature j is at index {@code offset + j} (the rows of
     * {@link Products#rows}, see {@link Simd#rowOffset}).
     */
    static void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff,
                       float[] centeredMean, float[] invStd, float[][] x, int offset, int i0, int i1,
                       float[] scratch) {
        for (int i = i0; i < i1; i++) {
            int src = rows[rowOff + i] * d;
            int sx = dx == null ? 0 : dx[rowOff + i];
            int sy = dy == null ? 0 : dy[rowOff + i];
            boolean shifted = sx != 0 || sy != 0;
            float[] xi = shifted ? scratch : x[i];
            int o = shifted ? 0 : offset;
            for (int j = 0; j < d; j++) {
                xi[o + j] = (u[src + j] - centeredMean[j]) * invStd[j];
            }
            if (flip != null && flip[rowOff + i]) {
                for (int row = o; row < o + d; row += Dataset.SIDE) {
                    for (int a = row, b = row + Dataset.SIDE - 1; a < b; a++, b--) {
                        float t = xi[a];
                        xi[a] = xi[b];
                        xi[b] = t;
                    }
                }
            }
            if (shifted) {
                shift(scratch, x[i], offset, sx, sy);
            }
        }
    }

    /** out = in moved right by dx and down by dy pixels in every channel plane, zeros where nothing lands. */
    static void shift(float[] in, float[] out, int dx, int dy) {
        shift(in, out, 0, dx, dy);
    }

    /** {@link #shift} into {@code out[offset ..]}. */
    static void shift(float[] in, float[] out, int offset, int dx, int dy) {
        java.util.Arrays.fill(out, offset, offset + Dataset.DIM, 0f);
        int width = Dataset.SIDE - Math.abs(dx);
        if (width <= 0 || Math.abs(dy) >= Dataset.SIDE) {
            return;
        }
        int fromCol = Math.max(0, -dx);
        int toCol = Math.max(0, dx);
        for (int plane = 0; plane < Dataset.DIM; plane += Dataset.PLANE) {
            for (int r = Math.max(0, dy); r < Math.min(Dataset.SIDE, Dataset.SIDE + dy); r++) {
                System.arraycopy(in, plane + (r - dy) * Dataset.SIDE + fromCol, out,
                        offset + plane + r * Dataset.SIDE + toCol, width);
            }
        }
    }

    /**
     * xt[j][i − i0] = x[i][j] for samples {@code [i0, i1)} and features {@code [j0, j1)}. Eight
     * samples at a time, so that each row of xt is written eight values at once.
     */
    public static void transpose(float[][] x, int i0, int i1, float[][] xt, int j0, int j1) {
        int i = i0;
        for (; i + 8 <= i1; i += 8) {
            float[] x0 = x[i];
            float[] x1 = x[i + 1];
            float[] x2 = x[i + 2];
            float[] x3 = x[i + 3];
            float[] x4 = x[i + 4];
            float[] x5 = x[i + 5];
            float[] x6 = x[i + 6];
            float[] x7 = x[i + 7];
            int c = i - i0;
            for (int j = j0; j < j1; j++) {
                float[] r = xt[j];
                r[c] = x0[j];
                r[c + 1] = x1[j];
                r[c + 2] = x2[j];
                r[c + 3] = x3[j];
                r[c + 4] = x4[j];
                r[c + 5] = x5[j];
                r[c + 6] = x6[j];
                r[c + 7] = x7[j];
            }
        }
        for (; i < i1; i++) {
            float[] xi = x[i];
            for (int j = j0; j < j1; j++) {
                xt[j][i - i0] = xi[j];
            }
        }
    }

    /** s[k][i] = Σ_{j ∈ [j0, j1)} w[k][j] · xt[j][i] for samples {@code [0, m)}: the scores' share of these features. */
    public static void forward(float[][] w, int classes, float[][] xt, int m, float[][] s, int j0, int j1) {
        for (int k = 0; k < classes; k++) {
            java.util.Arrays.fill(s[k], 0, m, 0f);
        }
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            float[] x0 = xt[j];
            float[] x1 = xt[j + 1];
            float[] x2 = xt[j + 2];
            float[] x3 = xt[j + 3];
            for (int k = 0; k < classes; k++) {
                float[] wk = w[k];
                float w0 = wk[j];
                float w1 = wk[j + 1];
                float w2 = wk[j + 2];
                float w3 = wk[j + 3];
                float[] sk = s[k];
                for (int i = 0; i < m; i++) {
                    sk[i] = Simd.fma(w3, x3[i], Simd.fma(w2, x2[i], Simd.fma(w1, x1[i], Simd.fma(w0, x0[i], sk[i]))));
                }
            }
        }
        for (; j < j1; j++) {
            float[] x0 = xt[j];
            for (int k = 0; k < classes; k++) {
                float w0 = w[k][j];
                float[] sk = s[k];
                for (int i = 0; i < m; i++) {
                    sk[i] = Simd.fma(w0, x0[i], sk[i]);
                }
            }
        }
    }

    /**
     * The weight step for features {@code [j0, j1)}: w[k][j] ← β · w[k][j] + Σ_i c[k][i] · x[i][j]
     * over the batch's m samples. With β = 1 − 2ηλ and c = −(η/m) G this is
     * W ← (1 − 2ηλ) W − (η/m) G Xᵀ.
     */
    public static void update(float[][] w, int classes, float[][] x, int m, float[][] c, float beta, int j0, int j1) {
        for (int k = 0; k < classes; k++) {
            float[] wk = w[k];
            float[] ck = c[k];
            for (int j = j0; j < j1; j++) {
                wk[j] *= beta;
            }
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                float[] x0 = x[i];
                float[] x1 = x[i + 1];
                float[] x2 = x[i + 2];
                float[] x3 = x[i + 3];
                float c0 = ck[i];
                float c1 = ck[i + 1];
                float c2 = ck[i + 2];
                float c3 = ck[i + 3];
                for (int j = j0; j < j1; j++) {
                    wk[j] = Simd.fma(c3, x3[j],
                            Simd.fma(c2, x2[j], Simd.fma(c1, x1[j], Simd.fma(c0, x0[j], wk[j]))));
                }
            }
            for (; i < m; i++) {
                float[] x0 = x[i];
                float c0 = ck[i];
                for (int j = j0; j < j1; j++) {
                    wk[j] = Simd.fma(c0, x0[j], wk[j]);
                }
            }
        }
    }
}
