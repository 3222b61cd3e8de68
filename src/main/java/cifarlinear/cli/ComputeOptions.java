package cifarlinear.cli;

import cifarlinear.UserError;
import cifarlinear.cpu.CpuBackend;
import cifarlinear.cpu.Simd;
import cifarlinear.model.LinearModel;
import cifarlinear.train.Backend;
import cifarlinear.train.Device;
import picocli.CommandLine.Option;

/** Options that choose where to compute, shared by every command that computes. */
public final class ComputeOptions {
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "Where to compute: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; auto is the CPU "
                    + "for now).")
    Device device;

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

    /** Checks the options before any work starts. */
    void validate() {
        threads();
        useVectorApi();
    }

    boolean useVectorApi() {
        return switch (vectorApi) {
            case AUTO -> Simd.vectorApiAvailable();
            case OFF -> false;
            case ON -> {
                if (!Simd.vectorApiAvailable()) {
                    throw UserError.usage("--vector-api on: this Java runtime was started without the Vector API "
                            + "(run through ./cifar-linear, or add --add-modules jdk.incubator.vector)");
                }
                yield true;
            }
        };
    }

    /** The backend for a model; batch and λ are fixed for its lifetime. */
    Backend backend(LinearModel model, int batch, double lambda) {
        return backend(java.util.List.of(model), new double[] {lambda}, batch);
    }

    /** The backend for models that train side by side, each with its λ. */
    Backend backend(java.util.List<LinearModel> models, double[] lambdas, int batch) {
        return switch (device) {
            case AUTO, CPU -> new CpuBackend(models, lambdas, batch, threads(), useVectorApi());
        };
    }
}
