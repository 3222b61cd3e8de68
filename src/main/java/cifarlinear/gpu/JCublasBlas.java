package cifarlinear.gpu;

import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasPointerMode;
import jcuda.runtime.cudaStream_t;

/** cuBLAS 12 through JCublas. Constructing it throws a LinkageError where JCublas's native library cannot load. */
final class JCublasBlas implements Blas {
    private final cublasHandle handle = new cublasHandle();
    private final String version;

    JCublasBlas(GpuContext gpu, DevicePtr workspace) {
        JCublas2.setExceptionsEnabled(true);
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
