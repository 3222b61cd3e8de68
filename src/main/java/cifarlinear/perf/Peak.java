package cifarlinear.perf;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The fused multiply-add loop of {@link MachineLimits} at the widest vector; only loaded with the Vector API. */
final class Peak {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private Peak() {
    }

    static double vectorFlops(int threads, long iters) {
        return MachineLimits.rate(threads, part -> {
            FloatVector a0 = FloatVector.broadcast(SPECIES, 1f);
            FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0,
                    a11 = a0;
            FloatVector m = FloatVector.broadcast(SPECIES, 0.9999f);
            FloatVector c = FloatVector.broadcast(SPECIES, 0.0001f);
            for (long i = 0; i < iters; i++) {
                a0 = a0.fma(m, c);
                a1 = a1.fma(m, c);
                a2 = a2.fma(m, c);
                a3 = a3.fma(m, c);
                a4 = a4.fma(m, c);
                a5 = a5.fma(m, c);
                a6 = a6.fma(m, c);
                a7 = a7.fma(m, c);
                a8 = a8.fma(m, c);
                a9 = a9.fma(m, c);
                a10 = a10.fma(m, c);
                a11 = a11.fma(m, c);
            }
            sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                    .reduceLanes(VectorOperators.ADD);
            return 2.0 * 12 * SPECIES.length() * iters;
        });
    }
}
