package cifarlinear.gpu;

/**
 * The two GEMMs of training through cuBLAS, with its scalars read from device memory (pointer
 * mode DEVICE, so that a captured CUDA graph picks up each step's η). Column-major, as cuBLAS
 * is: C (m × n) = α op(A) op(B) + β C, op(X) = Xᵀ when trans is set.
 *
 * <p>Two bindings: JCublas where its native library loads (it needs cuBLAS 12), else the
 * installed cuBLAS (13, then 12) called through java.lang.foreign. {@link #open} tries them in
 * that order and says why the first did not load.
 */
interface Blas extends AutoCloseable {
    /** Bytes of device workspace given to cuBLAS, so that it allocates nothing while a graph is captured. */
    long WORKSPACE = 32L << 20;

    /** Which library and binding, such as "cuBLAS 13.0.2 through java.lang.foreign (libcublas.so.13)". */
    String describe();

    void sgemm(boolean transA, boolean transB, int m, int n, int k, DevicePtr alpha, DevicePtr a, int lda, DevicePtr b,
               int ldb, DevicePtr beta, DevicePtr c, int ldc);

    @Override
    void close();

    /** The binding in use and, when JCublas did not load, why. */
    record Opened(Blas blas, String jcublasProblem) {
    }

    static Opened open(GpuContext gpu, DevicePtr workspace) {
        String jcublasProblem = JCublasBlas.loadProblem();
        if (jcublasProblem == null) {
            try {
                return new Opened(new JCublasBlas(gpu, workspace), null);
            } catch (jcuda.CudaException e) {
                jcublasProblem = e.getMessage();
            }
        }
        try {
            return new Opened(new ForeignBlas(gpu, workspace), jcublasProblem);
        } catch (GpuException e) {
            throw new GpuException("cuBLAS could not be loaded: JCublas: " + jcublasProblem + "; " + e.getMessage(), e);
        }
    }

    /** A cuBLAS status as its name. */
    static String status(int code) {
        return switch (code) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status " + code;
        };
    }
}
