package cifarlinear.cpu;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The gather's inputs for the benchmarks: random images as bytes, a long random sequence of rows
 * into them (a fifth flipped), and a normalization.
 */
final class RandomImages {
    final byte[] u;
    final int[] rows = new int[1 << 20];
    final boolean[] flip = new boolean[rows.length];
    final float[] mean;
    final float[] inv;

    RandomImages(int images, int d, SplittableRandom rng) {
        u = new byte[images * d];
        rng.nextBytes(u);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = rng.nextInt(images);
            flip[i] = rng.nextInt(5) == 0;
        }
        mean = new float[d];
        inv = new float[d];
        Arrays.fill(inv, 0.02f);
    }
}
