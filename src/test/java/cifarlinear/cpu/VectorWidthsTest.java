package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Vector API kernels at the vector widths other machines have: 128-bit (ARM's NEON, x86 without
 * AVX) and 256-bit (AVX2), besides this machine's own, each in a JVM told to use no wider vectors.
 * Without AVX the JVM has no fused multiply-add either, as on CPUs that lack it.
 */
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class VectorWidthsTest {

    @ParameterizedTest
    @CsvSource({"0, 4, false", "2, 8, true"})
    void trainsAsThePlainKernelsDoAtEveryWidth(int useAvx, int lanes, boolean fma)
            throws IOException, InterruptedException {
        Run r = run(useAvx, Check.class.getName());
        assertThat(r.exit).as(r.out).isZero();
        assertThat(r.out).contains("lanes " + lanes + ", 16 registers, hardware fma " + fma + ": the same weights");
    }

    @Test
    void withoutFusedMultiplyAddsTheVectorApiIsNotAskedFor() throws IOException, InterruptedException {
        Run r = run(0, "cifarlinear.Launcher", "train", "--vector-api", "on", "--epochs", "1");
        assertThat(r.exit).as(r.out).isEqualTo(2);
        assertThat(r.out.strip()).isEqualTo("cifar-linear train: --vector-api on: this CPU has no fused multiply-add "
                + "instructions, which the Vector API kernels are made of; leave --vector-api at auto");
    }

    private record Run(int exit, String out) {
    }

    private static Run run(int useAvx, String... main) throws IOException, InterruptedException {
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-XX:UseAVX=" + useAvx,
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true", "-cp",
                System.getProperty("java.class.path")));
        cmd.addAll(List.of(main));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .collect(Collectors.joining("\n")));
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
            System.out.println("lanes " + lanes + ", " + Simd.vectorRegisters() + " registers, hardware fma "
                    + Simd.hardwareFma() + ": "
                    + (rel < 1e-5 ? "the same weights" : "weights differ") + " (" + rel + ")");
            System.exit(rel < 1e-5 ? 0 : 1);
        }
    }
}
