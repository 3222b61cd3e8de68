package cifarlinear.cli;

import cifarlinear.cpu.MemoryPages;
import cifarlinear.cpu.Simd;
import cifarlinear.gpu.Cuda;
import cifarlinear.gpu.GpuException;
import cifarlinear.gpu.SelfCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code cifar-linear doctor}: what this machine offers, and the GPU checked against the CPU. */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reports the Java runtime, the CPU, the memory pages (Linux), the NVIDIA driver and GPUs, "
                + "how the GPU kernels loaded (SASS built for this GPU or PTX compiled by the driver) and which "
                + "cuBLAS binding loaded, then checks the GPU against the CPU on random data: every kernel, both "
                + "GEMM shapes, and an epoch of training with and without CUDA graphs.",
                "Exits 0 when every check passes or there is no GPU (it says so), 1 when a check fails."})
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--require-gpu", description = "Exit 1 when there is no usable GPU.")
    boolean requireGpu;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Java: %s (%s)%n", Runtime.version(), System.getProperty("java.vendor"));
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("CPU: %d %s, %s %s; Vector API %s%s; kernels: %s%n", cores, cores == 1 ? "core" : "cores",
                System.getProperty("os.name"), System.getProperty("os.arch"),
                Simd.vectorApiAvailable() ? "available" : "not enabled (the cifar-linear launcher enables it)",
                Simd.hardwareFma() ? "" : "; no fused multiply-add instructions: the plain kernels, multiplying "
                        + "and adding", Simd.defaultKernels());
        if (Simd.vectorKernelsByDefault()) {
            out.printf("Rows of W and of batches: %s%n", Simd.describeRows());
        }
        MemoryPages.describe().ifPresent(out::println);
        Cuda.Probe probe = Cuda.probe();
        out.printf("NVIDIA driver: %s%n", probe.driverDescription());
        for (Cuda.Device d : probe.devices()) {
            out.printf("GPU %d: %s%n", d.ordinal(), d.describe());
        }
        if (!probe.usable()) {
            out.printf("No usable GPU: %s. Training runs on the CPU.%n", probe.problem());
            out.flush();
            if (requireGpu) {
                throw new GpuException("--require-gpu: no usable GPU: " + probe.problem());
            }
            return 0;
        }
        out.println("Checking GPU 0 against the CPU on random data …");
        out.flush();
        SelfCheck.Report report = SelfCheck.run();
        report.environment().stream().filter(l -> !l.startsWith("GPU:")).forEach(out::println);
        out.printf("Checks (relative error: max |gpu − cpu| / max |cpu|, limit %.0e):%n", SelfCheck.TOLERANCE);
        int width = report.checks().stream().mapToInt(r -> r.name().length()).max().orElse(10);
        for (SelfCheck.Result r : report.checks()) {
            out.printf("  %-4s  %-" + width + "s  %s%n", r.passed() ? "ok" : "FAIL", r.name(), r.detail());
        }
        long failed = report.checks().stream().filter(r -> !r.passed()).count();
        out.println(failed == 0 ? "All " + report.checks().size() + " checks passed."
                : failed + " of " + report.checks().size() + " checks failed.");
        out.flush();
        if (failed > 0) {
            throw new GpuException(failed + " GPU check" + (failed == 1 ? "" : "s") + " failed (see above)");
        }
        return 0;
    }
}
