package cifarlinear.gpu;

import cifarlinear.data.Dataset;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The kernels of kernels/linear.cu, loaded from the fatbin packed into the jar, with one typed
 * method per kernel that enqueues it on the context's stream. Shapes and semantics are documented
 * in the CUDA source; the arguments here follow it in order.
 */
final class Kernels {
    static final String FATBIN = "/cifarlinear/gpu/linear.fatbin";
    static final String RECORD = "/cifarlinear/gpu/linear.fatbin.properties";
    static final int GATHER_THREADS = 256;
    static final int SAMPLE_THREADS = 128;
    static final int BIAS_THREADS = 256;
    static final int HEAD_THREADS = 256;

    private final GpuContext gpu;
    private final CUmodule module = new CUmodule();
    private final CUfunction gather;
    private final CUfunction activate;
    private final CUfunction biasStep;
    private final CUfunction evaluate;
    private final CUfunction fmaPeak;
    private final CUfunction stepHead;
    private final String loadedAs;

    Kernels(GpuContext gpu) {
        this.gpu = gpu;
        Properties record = record();
        try {
            JCudaDriver.cuModuleLoadData(module, fatbin());
        } catch (CudaException e) {
            throw gpu.failure("loading the kernels", e);
        }
        gpu.onClose(() -> JCudaDriver.cuModuleUnload(module));
        gather = function("gather");
        activate = function("activate");
        biasStep = function("bias_step");
        evaluate = function("evaluate");
        fmaPeak = function("fma_peak");
        stepHead = function("step_head");
        loadedAs = describeLoad(record, gpu.device(), attribute(gather, CUfunction_attribute.CU_FUNC_ATTRIBUTE_BINARY_VERSION),
                attribute(gather, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PTX_VERSION));
    }

    /** The fatbin's bytes from the jar. */
    static byte[] fatbin() {
        try (InputStream in = Kernels.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new GpuException("the jar has no GPU kernels (" + FATBIN + "); rebuild it with ./mvnw package");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the fatbin was built from (native/linear.fatbin.properties). */
    static Properties record() {
        Properties p = new Properties();
        try (InputStream in = Kernels.class.getResourceAsStream(RECORD)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * Whether the driver took SASS from the fatbin or compiled PTX at load time, from the loaded
     * kernel's attributes: the SASS of sm_XY was built from compute_XY, so its PTX version equals
     * its binary version; code the driver compiled keeps the older PTX version of its source. Where
     * the driver reports no PTX version, from the record: SASS for sm_XY runs on GPUs of the same
     * major version and a minor version at least Y.
     */
    static String describeLoad(Properties record, Cuda.Device device, int binaryVersion, int ptxVersion) {
        int cc = device.capabilityNumber();
        String nvcc = " (built by nvcc " + record.getProperty("nvcc", "?") + ")";
        if (ptxVersion > 0 && binaryVersion > 0) {
            return ptxVersion == binaryVersion ? "SASS for sm_" + binaryVersion + nvcc
                    : "PTX compute_" + ptxVersion + " compiled by the driver for sm_" + binaryVersion + nvcc;
        }
        List<Integer> sass = new ArrayList<>();
        for (String s : record.getProperty("sass", "").split(",")) {
            if (!s.isBlank()) {
                sass.add(Integer.parseInt(s.strip()));
            }
        }
        int best = sass.stream().filter(a -> a / 10 == cc / 10 && a <= cc).max(Integer::compare).orElse(-1);
        if (best >= 0) {
            return "SASS for sm_" + best + nvcc;
        }
        return "PTX compute_" + record.getProperty("ptx", "?") + " compiled by the driver for sm_" + cc + nvcc;
    }

    /** How the kernels were loaded: SASS for this GPU, or PTX compiled by the driver. */
    String loadedAs() {
        return loadedAs;
    }

    private CUfunction function(String name) {
        CUfunction f = new CUfunction();
        try {
            JCudaDriver.cuModuleGetFunction(f, module, name);
        } catch (CudaException e) {
            throw gpu.failure("finding kernel " + name, e);
        }
        return f;
    }

    private static int attribute(CUfunction f, int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuFuncGetAttribute(v, attribute, f);
        return v[0];
    }

    // ---- launches, in the argument order of kernels/linear.cu ----

    void gather(DevicePtr u, DevicePtr order, DevicePtr flip, DevicePtr dx, DevicePtr dy, DevicePtr step, int batch,
                DevicePtr mean, DevicePtr inv, DevicePtr x) {
        launch(gather, batch, GATHER_THREADS, u, order, flip, dx, dy, step, batch, mean, inv, x);
    }

    void activate(boolean sigmoid, DevicePtr sg, DevicePtr b, DevicePtr labels, DevicePtr order, DevicePtr step,
                  int batch, int classes, DevicePtr etas, float lambda, DevicePtr alpha, DevicePtr beta,
                  DevicePtr sampleLoss) {
        launch(activate, blocks(batch, SAMPLE_THREADS), SAMPLE_THREADS, sigmoid ? 1 : 0, sg, b, labels, order, step,
                batch, classes, etas, lambda, alpha, beta, sampleLoss);
    }

    void biasStep(DevicePtr g, DevicePtr b, DevicePtr alpha, DevicePtr sampleLoss, DevicePtr step, int batch,
                  int classes, DevicePtr stepLoss, boolean advance) {
        launch(biasStep, 1, BIAS_THREADS, g, b, alpha, sampleLoss, step, batch, classes, stepLoss, advance ? 1 : 0);
    }

    /** {@link #biasStep} on another stream. */
    void biasStep(CUstream stream, DevicePtr g, DevicePtr b, DevicePtr alpha, DevicePtr sampleLoss, DevicePtr step,
                  int batch, int classes, DevicePtr stepLoss, boolean advance) {
        launchOn(stream, biasStep, 1, BIAS_THREADS, 0, g, b, alpha, sampleLoss, step, batch, classes, stepLoss,
                advance ? 1 : 0);
    }

    void evaluate(boolean sigmoid, DevicePtr s, DevicePtr b, DevicePtr labels, DevicePtr order, DevicePtr step,
                  int batch, int classes, DevicePtr sampleLoss, DevicePtr predicted, DevicePtr trueProb) {
        launch(evaluate, blocks(batch, SAMPLE_THREADS), SAMPLE_THREADS, sigmoid ? 1 : 0, s, b, labels, order, step,
                batch, classes, sampleLoss, predicted, trueProb);
    }

    /** step_head; with {@code reduce} false, without the bias and step loss of its last block (bias_step's work). */
    void stepHead(boolean sigmoid, boolean gathered, DevicePtr u, DevicePtr order, DevicePtr flip, DevicePtr dx,
                  DevicePtr dy, DevicePtr step, int batch, DevicePtr mean, DevicePtr inv, DevicePtr x, DevicePtr w,
                  int classes, DevicePtr b, DevicePtr labels, DevicePtr etas, float lambda, DevicePtr g, DevicePtr alpha,
                  DevicePtr beta, DevicePtr sampleLoss, DevicePtr stepLoss, DevicePtr done, boolean reduce,
                  boolean advance) {
        launchOn(gpu.stream(), stepHead, batch, HEAD_THREADS, 4 * (Dataset.DIM + classes), sigmoid ? 1 : 0,
                gathered ? 1 : 0, u, order, flip, dx, dy, step, batch, mean, inv, x, w, classes, b, labels, etas, lambda, g,
                alpha, beta, sampleLoss, stepLoss, done, reduce ? 1 : 0, advance ? 1 : 0);
    }

    /** 8 chains × {@code iterations} FMAs in each of {@code blocks} × 256 threads. */
    void fmaPeak(DevicePtr out, int blocks, int iterations) {
        launch(fmaPeak, blocks, 256, out, iterations, 0.999f, 0.001f);
    }

    static int blocks(int n, int threads) {
        return (n + threads - 1) / threads;
    }

    private void launch(CUfunction f, int grid, int block, Object... args) {
        launchOn(gpu.stream(), f, grid, block, 0, args);
    }

    /** A launch on {@code stream} with {@code sharedBytes} of dynamic shared memory per block. */
    private void launchOn(CUstream stream, CUfunction f, int grid, int block, int sharedBytes, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case DevicePtr p -> Pointer.to(p);
                case Integer v -> Pointer.to(new int[] {v});
                case Float v -> Pointer.to(new float[] {v});
                default -> throw new IllegalArgumentException("kernel argument " + args[i]);
            };
        }
        JCudaDriver.cuLaunchKernel(f, grid, 1, 1, block, 1, 1, sharedBytes, stream, Pointer.to(params), null);
    }
}
