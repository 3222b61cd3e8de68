package cifarlinear.cpu;

import java.util.SplittableRandom;

/**
 * The two products of a training step on their own, split between threads as {@link CpuBackend}
 * splits them (on two threads each takes half of the features, its partial sums of the scores and
 * its half of the update; else the scores in chunks of samples, the update in chunks of features),
 * on a batch already gathered: what the kernels reach without the gather, the activations and the
 * hand-offs around them (by halves one hand-off per part of a step, where training has two; a
 * large batch goes in parts as in training, every part on the same gathered rows). Where
 * training's update reads the pixels ({@link CpuBackend#readsPixels}), so does this one,
 * normalizing them on the way.
 */
public final class ProductsBench {
    private ProductsBench() {
    }

    /** FLOPs of the two products for one step: 2Kdm for the scores, 2Kdm for the update. */
    public static double flopsPerStep(int classes, int d, int batch) {
        return 4.0 * classes * d * batch;
    }

    /**
     * Runs the products over and over for at least {@code seconds} (after as long again to
     * compile them) and returns the FLOP rate in GFLOP/s.
     */
    public static double gflops(int threads, boolean vectorApi, int classes, int d, int batch, double seconds) {
        Products products = Simd.products(vectorApi);
        SplittableRandom rng = new SplittableRandom(1);
        float[][] w = products.rows(classes, d);
        float[][] x = products.rows(batch, d);
        float[][] c = new float[classes][batch];
        int offset = products.rowOffset();
        for (float[] row : w) {
            for (int j = 0; j < d; j++) {
                row[offset + j] = (float) (rng.nextGaussian() * 0.01);
            }
        }
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[offset + j] = (float) rng.nextGaussian();
            }
        }
        for (float[] row : c) {
            for (int i = 0; i < batch; i++) {
                row[i] = (float) (rng.nextGaussian() * 1e-6);
            }
        }
        float[] cs = new float[batch * classes];
        Products.bySample(c, classes, 0, batch, cs);
        boolean halves = CpuBackend.byHalves(products, threads, classes, d);
        int pieces = halves ? CpuBackend.parts(batch, d, batch) : 1;
        int pieceSize = (batch + pieces - 1) / pieces;
        boolean fromPixels = !halves && CpuBackend.readsPixels(products, classes, d, batch);
        byte[] u = new byte[batch * d];
        rng.nextBytes(u);
        int[] order = new int[batch];
        boolean[] flip = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            order[i] = i;
            flip[i] = rng.nextInt(5) == 0;
        }
        float[] centeredMean = new float[d];
        float[] invStd = new float[d];
        java.util.Arrays.fill(invStd, 0.02f);
        int sampleChunk = CpuBackend.sampleChunk(batch, threads);
        int featureChunk = CpuBackend.featureChunk(d, products.alignment(), threads);
        int rows = halves ? pieceSize : sampleChunk;
        float[][][] s = new float[threads][classes][rows];
        Object[] scratch = new Object[threads];
        for (int t = 0; t < threads; t++) {
            scratch[t] = products.scratch(classes, d, rows);
        }
        WorkerPool.ChunkTask scores = (chunk, worker) -> {
            int i0 = chunk * sampleChunk;
            products.scores(w, classes, d, x, i0, Math.min(batch, i0 + sampleChunk), s[worker], scratch[worker]);
        };
        WorkerPool.ChunkTask update = (chunk, worker) -> {
            int j0 = chunk * featureChunk;
            int j1 = Math.min(d, j0 + featureChunk);
            if (fromPixels) {
                products.updateFromPixels(w, classes, u, d, order, flip, 0, centeredMean, invStd, batch, c, cs, 0.9999f,
                        j0, j1);
            } else {
                products.update(w, classes, x, batch, c, cs, 0.9999f, j0, j1);
            }
        };
        WorkerPool.Task byHalves = (part, parts) -> {
            int split = products.scoreSplit(d);
            int j0 = part == 0 ? 0 : split;
            int j1 = part == 0 ? split : d;
            products.update(w, classes, x, rows, c, cs, 0.9999f, j0, j1);
            products.partialScores(w, classes, d, x, 0, rows, s[part], scratch[part], part == 1);
        };
        int sampleChunks = (batch + sampleChunk - 1) / sampleChunk;
        int featureChunks = (d + featureChunk - 1) / featureChunk;
        try (WorkerPool pool = new WorkerPool(threads)) {
            double best = 0;
            for (int round = 0; round < 2; round++) {
                long start = System.nanoTime();
                long steps = 0;
                long now;
                do {
                    if (halves) {
                        for (int q = 0; q < pieces; q++) {
                            pool.run(byHalves);
                        }
                    } else {
                        pool.runChunks(sampleChunks, scores);
                        pool.runChunks(featureChunks, update);
                    }
                    steps++;
                    now = System.nanoTime();
                } while (now - start < seconds * 1e9);
                best = Math.max(best, steps * flopsPerStep(classes, d, batch) / ((now - start) / 1e9) / 1e9);
            }
            return best;
        }
    }
}
