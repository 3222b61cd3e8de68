package cifarlinear.perf;

import cifarlinear.cpu.Simd;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * What this machine can do at most, measured: the floating-point rate of a tight loop of
 * independent fused multiply-adds on every thread (with the Vector API's widest vectors when the
 * runtime has it), and the memory bandwidth of a STREAM-style copy of arrays far larger than the
 * caches (bytes read plus bytes written, per second). Best of several tries.
 */
public record MachineLimits(double peakGflops, double streamGBps, int threads, boolean simd) {

    /** The figures as {@link Limits}, with the line {@code bench} prints. */
    public Limits limits() {
        String device = threads + (threads == 1 ? " thread" : " threads");
        return new Limits(device, peakGflops, streamGBps,
                String.format(java.util.Locale.ROOT, "%s: peak %.1f GFLOP/s (%s%s), memory %.1f GB/s (copy)",
                        device, peakGflops, Simd.hardwareFma() ? "fused multiply-adds" : "multiplies and adds",
                        simd ? ", widest vectors" : ", scalar", streamGBps));
    }

    /** The higher peak and the higher bandwidth of two measurements of the same threads. */
    public MachineLimits orHigher(MachineLimits other) {
        if (other.threads != threads || other.simd != simd) {
            throw new IllegalArgumentException("measurements of different things: " + this + " and " + other);
        }
        return new MachineLimits(Math.max(peakGflops, other.peakGflops), Math.max(streamGBps, other.streamGBps),
                threads, simd);
    }

    public static MachineLimits measure(int threads) {
        boolean simd = Simd.vectorKernelsByDefault();
        // Short runs first, so that the loops are compiled before they are timed.
        for (int t = 0; t < 3; t++) {
            if (simd) {
                Peak.vectorFlops(1, 100_000);
            } else {
                scalarFlops(1, 100_000);
            }
        }
        double flops = 0;
        for (int t = 0; t < 5; t++) {
            flops = Math.max(flops, simd ? Peak.vectorFlops(threads, 10_000_000) : scalarFlops(threads, 20_000_000));
        }
        double bytes = 0;
        for (int t = 0; t < 5; t++) {
            bytes = Math.max(bytes, copyBytesPerSecond(threads));
        }
        return new MachineLimits(flops / 1e9, bytes / 1e9, threads, simd);
    }

    /** Runs {@code work} on every thread at once and returns the sum of what they report divided by the wall time. */
    static double rate(int threads, java.util.function.IntToDoubleFunction work) {
        DoubleAdder total = new DoubleAdder();
        List<Thread> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int part = t;
            all.add(Thread.ofPlatform().start(() -> total.add(work.applyAsDouble(part))));
        }
        for (Thread t : all) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return total.sum() / ((System.nanoTime() - t0) / 1e9);
    }

    private static volatile float sink;

    private static double scalarFlops(int threads, long iters) {
        return rate(threads, part -> {
            float a0 = 1, a1 = 1, a2 = 1, a3 = 1, a4 = 1, a5 = 1, a6 = 1, a7 = 1;
            float m = 0.9999f;
            float c = 0.0001f;
            for (long i = 0; i < iters; i++) {
                a0 = Simd.fma(a0, m, c);
                a1 = Simd.fma(a1, m, c);
                a2 = Simd.fma(a2, m, c);
                a3 = Simd.fma(a3, m, c);
                a4 = Simd.fma(a4, m, c);
                a5 = Simd.fma(a5, m, c);
                a6 = Simd.fma(a6, m, c);
                a7 = Simd.fma(a7, m, c);
            }
            sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
            return 2.0 * 8 * iters;
        });
    }

    private static double copyBytesPerSecond(int threads) {
        int n = 1 << 25; // 128 MiB of floats per array
        float[] a = new float[n];
        float[] b = new float[n];
        java.util.Arrays.fill(b, 1f);
        return rate(threads, part -> {
            int from = (int) ((long) n * part / threads);
            int to = (int) ((long) n * (part + 1) / threads);
            for (int rep = 0; rep < 4; rep++) {
                System.arraycopy(b, from, a, from, to - from);
            }
            return 4.0 * 2 * 4 * (to - from);
        });
    }
}
