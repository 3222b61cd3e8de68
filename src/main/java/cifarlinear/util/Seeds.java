package cifarlinear.util;

import java.util.SplittableRandom;

/**
 * Every random number the program draws comes from a stream named by (seed, purpose, index),
 * so each use is reproducible on its own: the permutation of epoch 7 is the same whether or not
 * epochs 0..6 ran in this process, and backends see identical draws.
 */
public final class Seeds {
    /** What a stream is used for. The ids are part of the reproducibility contract: never change them. */
    public enum Purpose {
        INIT(1), VALIDATION_SPLIT(2), EPOCH_ORDER(3), EPOCH_FLIP(4), SYNTHETIC(5), GRADCHECK(6), EPOCH_SHIFT(7);

        final long id;

        Purpose(long id) {
            this.id = id;
        }
    }

    private Seeds() {
    }

    public static SplittableRandom stream(long seed, Purpose purpose, long index) {
        long h = mix64(seed ^ 0x6A09E667F3BCC909L);
        h = mix64(h ^ purpose.id * 0x9E3779B97F4A7C15L);
        h = mix64(h ^ index * 0xBF58476D1CE4E5B9L);
        return new SplittableRandom(h);
    }

    /** SplitMix64's finalizer: a bijective, well-mixing function of 64 bits. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A standard normal draw by the Box–Muller transform with {@link StrictMath}, so the value is
     * the same on every JVM and platform (unlike {@code nextGaussian}, whose algorithm may change).
     */
    public static double gaussian(SplittableRandom rng) {
        double u1;
        do {
            u1 = rng.nextDouble();
        } while (u1 == 0.0);
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** Fisher–Yates shuffle of {@code a} in place. */
    public static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
