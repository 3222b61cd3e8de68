package cifarlinear.gpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

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
        boolean loaded;
        String problem = null;
        try {
            jcuda.jcublas.JCublas2.setExceptionsEnabled(true);
            loaded = true;
        } catch (LinkageError e) {
            loaded = false;
            problem = Cuda.linkProblem(e);
        }
        assumeThat(loaded).as("JCublas loads on this machine").isFalse();
        assertThat(problem).doesNotContain("\n").endsWith("not found");
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

    @Test
    void cudaErrorsAreExplained() {
        assertThat(GpuContext.explain("CUDA_ERROR_OUT_OF_MEMORY")).isEqualTo("out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY)");
        assertThat(GpuContext.explain("CUDA_ERROR_UNSUPPORTED_PTX_VERSION")).contains("driver is too old");
        assertThat(GpuContext.explain("CUDA_ERROR_SOMETHING")).isEqualTo("CUDA_ERROR_SOMETHING");
    }
}
