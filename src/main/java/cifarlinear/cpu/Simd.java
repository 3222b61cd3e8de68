package cifarlinear.cpu;

/**
 * Chooses the CPU kernels: the Vector API ones when the {@code jdk.incubator.vector} module is
 * in the runtime (the {@code cifar-linear} launcher adds it), the C2-vectorized ones otherwise
 * or when asked.
 */
public final class Simd {
    private Simd() {
    }

    /** Whether {@code jdk.incubator.vector} was resolved at start-up (--add-modules). */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static Products products(boolean vectorApi) {
        if (vectorApi && !vectorApiAvailable()) {
            throw new IllegalStateException("the Vector API (jdk.incubator.vector) is not in this Java runtime");
        }
        return vectorApi ? new VectorKernels() : new Products.AutoVectorized();
    }
}
