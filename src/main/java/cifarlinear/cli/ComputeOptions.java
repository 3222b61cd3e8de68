package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.CpuBackend;
import cifarlinear.cpu.KernelWarmup;
import cifarlinear.cpu.Simd;
import cifarlinear.gpu.Cuda;
import cifarlinear.gpu.GpuBackend;
import cifarlinear.gpu.GpuException;
import cifarlinear.model.LinearModel;
import cifarlinear.train.Backend;
import cifarlinear.train.Device;
import cifarlinear.train.TrainConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options that choose where to compute, shared by every command that computes. */
public final class ComputeOptions {
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "Where to compute: auto (the GPU when one is usable, else the CPU, saying why), cpu, or gpu "
                    + "(an error without a usable GPU) (default: ${DEFAULT-VALUE}).")
    Device device;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Whether this command printed its note about falling back to the CPU (once is enough). */
    private boolean fallbackNoted;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads (default: one per core).")
    Integer threads;

    @Option(names = "--vector-api", paramLabel = "WHEN", defaultValue = "auto",
            description = "CPU kernels with explicit SIMD through Java's Vector API: auto (when the runtime has it; the "
                    + "cifar-linear launcher adds it), on, or off for the plain-Java kernels (default: ${DEFAULT-VALUE}).")
    VectorApi vectorApi;

    /** When to use the Vector API kernels. */
    enum VectorApi { AUTO, ON, OFF }

    int threads() {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1) {
            throw UserError.usage("--threads must be ≥ 1, got " + threads);
        }
        return threads;
    }

    /** Checks the options before any work starts, including that {@code --device gpu} has a GPU to use. */
    void validate() {
        threads();
        useVectorApi();
        if (device == Device.GPU) {
            Cuda.Probe probe = Cuda.probe();
            if (!probe.usable()) {
                throw new GpuException("--device gpu: no usable GPU: " + probe.problem());
            }
        }
    }

    boolean useVectorApi() {
        return switch (vectorApi) {
            case AUTO -> Simd.vectorKernelsByDefault();
            case OFF -> false;
            case ON -> {
                if (!Simd.vectorApiAvailable()) {
                    throw UserError.usage("--vector-api on: this Java runtime was started without the Vector API "
                            + "(run through ./cifar-linear, or add --add-modules jdk.incubator.vector)");
                }
                if (!Simd.hardwareFma()) {
                    throw UserError.usage("--vector-api on: this CPU has no fused multiply-add instructions, which "
                            + "the Vector API kernels are made of; leave --vector-api at auto");
                }
                yield true;
            }
        };
    }

    /** The backend for a model; batch and λ are fixed for its lifetime. */
    Backend backend(LinearModel model, int batch, double lambda) {
        return backend(java.util.List.of(model), new double[] {lambda}, batch);
    }

    /**
     * The backend for models that train side by side, each with its λ. With {@code --device auto}
     * a GPU that is missing or fails to start leaves one line on standard error and the work to
     * the CPU; with {@code --device gpu} it is an error.
     */
    Backend backend(java.util.List<LinearModel> models, double[] lambdas, int batch) {
        return switch (device) {
            case CPU -> cpu(models, lambdas, batch);
            case GPU -> new GpuBackend(models, lambdas, batch, true);
            case AUTO -> {
                Cuda.Probe probe = Cuda.probe();
                if (!probe.usable()) {
                    noteFallback("no usable GPU: " + probe.problem());
                    yield cpu(models, lambdas, batch);
                }
                try {
                    yield new GpuBackend(models, lambdas, batch, true);
                } catch (GpuException e) {
                    noteFallback(e.getMessage());
                    yield cpu(models, lambdas, batch);
                }
            }
        };
    }

    /**
     * Compiles the CPU kernels in the background while the data loads ({@link KernelWarmup}), when
     * the run will train on the CPU: with {@code --device cpu}, or with {@code auto} and no usable GPU.
     */
    KernelWarmup warmUp(TrainConfig config) {
        boolean cpu = device == Device.CPU || device == Device.AUTO && !Cuda.probe().usable();
        return cpu ? KernelWarmup.start(config.loss(), config.batch(), config.flip(), config.shift(), threads(),
                useVectorApi()) : KernelWarmup.none();
    }

    /**
     * With {@code --device auto} and no usable GPU, says so now (once), before the command prints
     * its table, rather than between the table's lines when the backend is made.
     */
    void noteDevice() {
        if (device == Device.AUTO && !Cuda.probe().usable()) {
            noteFallback("no usable GPU: " + Cuda.probe().problem());
        }
    }

    private Backend cpu(java.util.List<LinearModel> models, double[] lambdas, int batch) {
        return new CpuBackend(models, lambdas, batch, threads(), useVectorApi());
    }

    private void noteFallback(String why) {
        if (fallbackNoted) {
            return;
        }
        fallbackNoted = true;
        java.io.PrintWriter err = command != null ? command.commandLine().getErr() : new java.io.PrintWriter(System.err);
        err.println("note: " + why + "; computing on the CPU");
        err.flush();
    }
}
