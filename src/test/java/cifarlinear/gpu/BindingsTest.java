package cifarlinear.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Where a CUDA library is missing, the bindings say which, in one line, instead of throwing. */
class BindingsTest {
    @Test
    void probeNeverThrowsAndExplainsAMissingGpu() {
        Cuda.Probe probe = Cuda.probe();
        assertThat(probe).isSameAs(Cuda.probe());
        if (probe.usable()) {
            assertThat(probe.devices()).isNotEmpty();
            assertThat(probe.driverVersion()).isGreaterThanOrEqualTo(Cuda.REQUIRED_DRIVER);
        } else {
            assertThat(probe.problem()).isNotBlank().doesNotContain("\n");
            assertThatThrownBy(Cuda::require).isInstanceOf(GpuException.class)
                    .hasMessage("no usable GPU: " + probe.problem());
        }
    }

    @Test
    void aMissingNativeLibraryIsNamed() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCublas2-12.6.0\"\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot "
                + "open shared object file: No such file or directory\n\tat ...");
        assertThat(Cuda.linkProblem(e)).isEqualTo("libcublas.so.12 not found");
        assertThat(Cuda.linkProblem(new UnsatisfiedLinkError("something else\nmore")))
                .isEqualTo("UnsatisfiedLinkError: something else");
    }

    @Test
    void jcublasFailsToLoadCleanlyWithoutCublas12() {
        String problem = JCublasBlas.loadProblem();
        assumeThat(problem).as("JCublas loads on this machine").isNotNull();
        assertThat(problem).doesNotContain("\n").endsWith("not found");
        // Asked again (as each backend does), the same reason, not the JVM's NoClassDefFoundError.
        assertThat(JCublasBlas.loadProblem()).isEqualTo(problem);
        assertThatThrownBy(() -> jcuda.jcublas.JCublas2.setExceptionsEnabled(true)).isInstanceOf(LinkageError.class);
    }

    @Test
    void missingCublasGivesOneLineNamingWhatWasLookedFor() {
        try (Arena arena = Arena.ofConfined()) {
            ForeignBlas.Library found;
            try {
                found = ForeignBlas.locate(arena);
            } catch (GpuException e) {
                assertThat(e.getMessage()).startsWith("no cuBLAS 13 or 12 library found (looked for ")
                        .doesNotContain("\n");
                return;
            }
            assertThat(found.name()).contains("cublas");
            assertThat(found.lookup().find("cublasSgemm_v2")).isPresent();
        }
    }

    /**
     * A cuBLAS given as a path in a folder that is not on the library path loads although it needs
     * cuBLASLt from that folder: two small libraries built here stand in for them.
     */
    @Test
    void cublasByPathLoadsItsLtFromTheSameFolder(@TempDir Path dir) throws Throwable {
        assumeThat(System.getProperty("os.name")).startsWith("Linux");
        Path lt = dir.resolve("libcublasLt.so.99");
        Path cublas = dir.resolve("libcublas.so.99");
        Files.writeString(dir.resolve("lt.c"), "int cublasLtAnswer(void) { return 42; }\n");
        Files.writeString(dir.resolve("cublas.c"),
                "int cublasLtAnswer(void);\nint cublasSgemm_v2(void) { return cublasLtAnswer(); }\n");
        assumeThat(cc(dir, "-shared", "-fPIC", "-Wl,-soname,libcublasLt.so.99", "-o", lt.toString(), "lt.c"))
                .as("a C compiler").isTrue();
        assertThat(cc(dir, "-shared", "-fPIC", "-o", cublas.toString(), "cublas.c", "-L" + dir, "-l:libcublasLt.so.99"))
                .isTrue();
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> SymbolLookup.libraryLookup(cublas, arena))
                    .as("without its Lt loaded first").isInstanceOf(IllegalArgumentException.class);
            SymbolLookup lookup = ForeignBlas.open(cublas.toString(), arena);
            MethodHandle sgemm = Linker.nativeLinker().downcallHandle(lookup.find("cublasSgemm_v2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            assertThat((int) sgemm.invokeExact()).isEqualTo(42);
        }
    }

    /** Runs the C compiler in {@code dir}; false when there is none or it fails. */
    private static boolean cc(Path dir, String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("cc"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void cudaErrorsAreExplained() {
        assertThat(GpuContext.explain("CUDA_ERROR_OUT_OF_MEMORY")).isEqualTo("out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY)");
        assertThat(GpuContext.explain("CUDA_ERROR_UNSUPPORTED_PTX_VERSION")).contains("driver is too old");
        assertThat(GpuContext.explain("CUDA_ERROR_SOMETHING")).isEqualTo("CUDA_ERROR_SOMETHING");
    }
}
