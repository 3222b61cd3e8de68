package cifarlinear.cpu;

import cifarlinear.data.Flip;
import cifarlinear.data.Shift;

/**
 * Plain loops computing what each {@link CpuKernels} kernel computes, with the same arguments,
 * short enough to check by eye and accumulating in double. Tests run both on random shapes and
 * compare.
 */
public final class CpuReference {
    private CpuReference() {
    }

    public static void gather(byte[] u, int d, int[] rows, boolean[] flip, byte[] dx, byte[] dy, int rowOff,
                              float[] centeredMean, float[] invStd, float[][] x, int i0, int i1) {
        for (int i = i0; i < i1; i++) {
            boolean flipped = flip != null && flip[rowOff + i];
            int sx = dx == null ? 0 : dx[rowOff + i];
            int sy = dy == null ? 0 : dy[rowOff + i];
            for (int j = 0; j < d; j++) {
                int moved = Shift.source(j, sx, sy);
                if (moved < 0) {
                    x[i][j] = 0;
                    continue;
                }
                int src = flipped ? Flip.mirror(moved) : moved;
                int pixel = u[rows[rowOff + i] * d + src] + 128;
                x[i][j] = (pixel - (centeredMean[src] + 128)) * invStd[src];
            }
        }
    }

    public static void forward(float[][] w, int classes, float[][] xt, int m, float[][] s, int j0, int j1) {
        for (int k = 0; k < classes; k++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int j = j0; j < j1; j++) {
                    sum += (double) w[k][j] * xt[j][i];
                }
                s[k][i] = (float) sum;
            }
        }
    }

    public static void update(float[][] w, int classes, float[][] x, int m, float[][] c, float beta, int j0, int j1) {
        for (int k = 0; k < classes; k++) {
            for (int j = j0; j < j1; j++) {
                double sum = (double) beta * w[k][j];
                for (int i = 0; i < m; i++) {
                    sum += (double) c[k][i] * x[i][j];
                }
                w[k][j] = (float) sum;
            }
        }
    }
}
