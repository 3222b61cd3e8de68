package cifarlinear.cli;

import cifarlinear.gpu.Cuda;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** --device and doctor, on a machine with a GPU and on one without. */
class DeviceTest {
    @TempDir
    Path dir;

    private CliRun train(String device, Path out) {
        return CliRun.of("train", "--data", "synthetic", "--synthetic-size", "2000", "--val", "200", "--epochs", "2",
                "--no-progress", "--device", device, "--out", out.toString());
    }

    @Test
    void withoutGpuDeviceGpuIsOneLineAndLeavesNothing() {
        Cuda.Probe probe = Cuda.probe();
        assumeThat(probe.usable()).isFalse();
        Path out = dir.resolve("run");
        CliRun r = train("gpu", out);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).containsExactly("cifar-linear train: --device gpu: no usable GPU: " + probe.problem());
        assertThat(r.out()).doesNotContain("Data:");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void withoutGpuAutoSaysWhyOnceAndTrainsOnTheCpu() {
        assumeThat(Cuda.probe().usable()).isFalse();
        CliRun r = train("auto", dir.resolve("run"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.errLines()).containsExactly("note: no usable GPU: " + Cuda.probe().problem()
                + "; computing on the CPU");
        assertThat(r.out()).contains("Trained 2 epochs").contains("on cpu (");
    }

    @Test
    void doctorWithoutGpuSaysSoAndExitsZeroUnlessAGpuIsRequired() {
        assumeThat(Cuda.probe().usable()).isFalse();
        CliRun r = CliRun.of("doctor");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Java: " + Runtime.version()).contains("NVIDIA driver: ")
                .contains("; kernels: " + cifarlinear.cpu.Simd.defaultKernels() + "\n")
                .contains("No usable GPU: " + Cuda.probe().problem() + ". Training runs on the CPU.");
        cifarlinear.cpu.MemoryPages.describe().ifPresent(line -> assertThat(r.out()).contains(line + "\n"));
        if (cifarlinear.cpu.Simd.vectorKernelsByDefault()) {
            // The tests run as the launcher runs the program, with objects aligned to 64 bytes.
            assertThat(r.out()).contains("Rows of W and of batches: on 64-byte cache lines (objects aligned to 64 bytes)\n");
        }
        CliRun required = CliRun.of("doctor", "--require-gpu");
        assertThat(required.exitCode()).isEqualTo(1);
        assertThat(required.errLines()).containsExactly("cifar-linear doctor: --require-gpu: no usable GPU: "
                + Cuda.probe().problem());
    }

    @Test
    void badDeviceIsAUsageError() {
        CliRun r = CliRun.of("train", "--device", "tpu");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).contains("--device").contains("tpu");
    }

    @Tag("gpu")
    @Test
    void withGpuDoctorPassesAndTrainingRunsThere() {
        assumeThat(Cuda.probe().usable()).as("usable GPU").isTrue();
        CliRun doctor = CliRun.of("doctor", "--require-gpu");
        assertThat(doctor.exitCode()).as(doctor.out() + doctor.err()).isZero();
        assertThat(doctor.out()).contains("All ").contains(" checks passed.").contains("kernels: ").contains("cuBLAS: ");
        CliRun gpu = train("gpu", dir.resolve("gpu"));
        assertThat(gpu.exitCode()).as(gpu.err()).isZero();
        assertThat(gpu.out()).contains("on gpu (");
        CliRun auto = train("auto", dir.resolve("auto"));
        assertThat(auto.exitCode()).as(auto.err()).isZero();
        // Nothing to say about the device (a machine without fonts adds its note on the figures).
        assertThat(auto.err().lines().filter(l -> !l.startsWith("note: figures left out: "))).isEmpty();
        assertThat(auto.out()).contains("on gpu (");
    }
}
