package cifarlinear.gpu;

import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasPointerMode;
import jcuda.runtime.cudaStream_t;

/** cuBLAS 12 through JCublas, where its native library loads ({@link #loadProblem}). */
final class JCublasBlas implements Blas {
    /** Why JCublas's native library did not load ("" when it did, null before the first try). */
    private static String loadProblem;

    private final cublasHandle handle = new cublasHandle();
    private final String version;

    /** Needs {@link #loadProblem} to be null. */
    JCublasBlas(GpuContext gpu, DevicePtr workspace) {
        JCublas2.cublasCreate(handle);
        try {
            JCublas2.cublasSetStream(handle, new cudaStream_t(gpu.stream()));
            JCublas2.cublasSetPointerMode(handle, cublasPointerMode.CUBLAS_POINTER_MODE_DEVICE);
            JCublas2.cublasSetWorkspace(handle, workspace, WORKSPACE);
            int[] v = new int[1];
            JCublas2.cublasGetVersion(handle, v);
            version = v[0] / 10000 + "." + v[0] / 100 % 100 + "." + v[0] % 100;
        } catch (RuntimeException e) {
            JCublas2.cublasDestroy(handle);
            throw e;
        }
    }

    /**
     * Why JCublas's native library cannot load here (such as "libcublas.so.12 not found"), or null
     * where it loads. Tried once: after a failed try, the JVM answers every later one with a
     * NoClassDefFoundError that no longer says why.
     */
    static synchronized String loadProblem() {
        if (loadProblem == null) {
            try {
                JCublas2.setExceptionsEnabled(true);
                loadProblem = "";
            } catch (LinkageError e) {
                loadProblem = Cuda.linkProblem(e);
            }
        }
        return loadProblem.isEmpty() ? null : loadProblem;
    }

    @Override
    public String describe() {
        return "cuBLAS " + version + " through JCublas";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, DevicePtr alpha, DevicePtr a, int lda,
                      DevicePtr b, int ldb, DevicePtr beta, DevicePtr c, int ldc) {
        JCublas2.cublasSgemm(handle, op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static int op(boolean trans) {
        return trans ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
    }

    @Override
    public void close() {
        JCublas2.cublasDestroy(handle);
    }
}
