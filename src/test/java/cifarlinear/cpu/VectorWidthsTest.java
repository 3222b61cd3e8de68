package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Vector API kernels at the vector widths other machines have: 128-bit (ARM's NEON, x86 without
 * AVX) and 256-bit (AVX2), besides this machine's own, each in a JVM told to use no wider vectors.
 */
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class VectorWidthsTest {

    @ParameterizedTest
    @CsvSource({"0, 4", "2, 8"})
    void trainsAsThePlainKernelsDoAtEveryWidth(int useAvx, int lanes) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-XX:UseAVX=" + useAvx, "--add-modules=jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Check.class.getName()).redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("lanes " + lanes + ": the same weights");
    }

    /** Two epochs with the Vector API kernels and with the plain ones; exits 1 unless they agree. */
    public static final class Check {
        public static void main(String[] args) {
            CifarData data = TestData.randomData(100, 20, 10, 5);
            Splits s = Splits.of(data, 20, 1);
            LinearModel initial = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 3);
            float[][] w = new float[2][];
            for (int v = 0; v < 2; v++) {
                try (Backend backend = new CpuBackend(List.of(initial), new double[] {0.1}, 37, 2, v == 1)) {
                    for (int e = 0; e < 2; e++) {
                        backend.trainEpoch(EpochPlan.draw(2, e, s.train(), 0.5, e), 0.05f, Backend.StepListener.NONE);
                    }
                    w[v] = backend.snapshot(0).weights();
                }
            }
            double num = 0;
            double den = 0;
            for (int j = 0; j < w[0].length; j++) {
                num += (w[1][j] - w[0][j]) * (w[1][j] - w[0][j]);
                den += w[0][j] * w[0][j];
            }
            double rel = Math.sqrt(num / den);
            int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
            System.out.println("lanes " + lanes + ": " + (rel < 1e-5 ? "the same weights" : "weights differ") + " ("
                    + rel + ")");
            System.exit(rel < 1e-5 ? 0 : 1);
        }
    }
}
