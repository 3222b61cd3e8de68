package cifarlinear.gpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The fatbin in the jar is the one built from the kernels in the tree, and says so. */
class KernelBinaryTest {
    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void packedFatbinMatchesItsRecordAndTheSources() throws Exception {
        Properties record = Kernels.record();
        assertThat(record.getProperty("sources")).isEqualTo("kernels/linear.cu");
        assertThat(sha256(Kernels.fatbin())).isEqualTo(record.getProperty("fatbin.sha256"));
        assertThat(sha256(Files.readAllBytes(Path.of("kernels/linear.cu")))).isEqualTo(record.getProperty("sources.sha256"));
        // a fatbin starts with its magic number 0xBA55ED50, little-endian
        byte[] fatbin = Kernels.fatbin();
        assertThat(new byte[] {fatbin[0], fatbin[1], fatbin[2], fatbin[3]})
                .containsExactly((byte) 0x50, (byte) 0xED, (byte) 0x55, (byte) 0xBA);
    }

    @Test
    void everyEntryPointTheBackendLaunchesIsInTheSources() throws Exception {
        String cu = Files.readString(Path.of("kernels/linear.cu"));
        for (String kernel : new String[] {"gather", "activate", "bias_step", "evaluate", "fma_peak"}) {
            assertThat(cu).contains("extern \"C\" __global__ void " + kernel + "(");
        }
    }

    @Test
    void saysWhetherTheDriverTookSassOrCompiledPtx() {
        Properties record = new Properties();
        record.setProperty("sass", "75,80,86,89,90,100,120");
        record.setProperty("ptx", "75");
        record.setProperty("nvcc", "13.0.88");
        // From the loaded kernel's binary and PTX versions.
        assertThat(Kernels.describeLoad(record, device(9, 0), 90, 90)).isEqualTo("SASS for sm_90 (built by nvcc 13.0.88)");
        assertThat(Kernels.describeLoad(record, device(8, 7), 86, 86)).startsWith("SASS for sm_86");
        assertThat(Kernels.describeLoad(record, device(9, 0), 90, 75))
                .isEqualTo("PTX compute_75 compiled by the driver for sm_90 (built by nvcc 13.0.88)");
        assertThat(Kernels.describeLoad(record, device(11, 0), 110, 75))
                .isEqualTo("PTX compute_75 compiled by the driver for sm_110 (built by nvcc 13.0.88)");
        // Without a PTX version, from the record.
        assertThat(Kernels.describeLoad(record, device(10, 3), 100, 0)).startsWith("SASS for sm_100");
        assertThat(Kernels.describeLoad(record, device(8, 7), 0, 0)).startsWith("SASS for sm_86");
        assertThat(Kernels.describeLoad(record, device(11, 0), 110, 0))
                .isEqualTo("PTX compute_75 compiled by the driver for sm_110 (built by nvcc 13.0.88)");
    }

    private static Cuda.Device device(int major, int minor) {
        return new Cuda.Device(0, "test", 1L << 30, major, minor, 1);
    }
}
