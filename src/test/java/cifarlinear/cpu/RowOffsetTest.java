package cifarlinear.cpu;

import cifarlinear.TestData;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The floats before each row's features ({@link Simd#rowOffset}), and that they change no result. */
class RowOffsetTest {

    @ParameterizedTest
    @CsvSource({"64, 16, 12", "64, 12, 13", "64, 20, 11", "128, 16, 12", "256, 12, 13", "8, 16, 0", "16, 16, 0",
            "32, 16, 0", "64, 64, 0", "64, 18, 0"})
    void theOffsetPutsFeatureZeroOnA64ByteBoundary(int objectAlignment, int arrayBase, int offset) {
        assertThat(Simd.rowOffset(objectAlignment, arrayBase)).isEqualTo(offset);
        if (offset > 0) {
            assertThat((arrayBase + offset * Float.BYTES) % 64).isZero();
        }
    }

    @Test
    void theTestsRunTheVectorKernelsOnRowsAtAnOffset() {
        // The build runs the tests as the launcher runs training: with -XX:ObjectAlignmentInBytes=64.
        assertThat(Simd.vmOption("ObjectAlignmentInBytes")).as("the JVM's -XX:ObjectAlignmentInBytes (pom.xml's argLine)")
                .isEqualTo("64");
        assertThat(Simd.rowOffset()).isPositive();
        assertThat(new Products.AutoVectorized().rowOffset()).isZero();
        if (Simd.vectorApiAvailable()) {
            assertThat(new VectorKernels().rowOffset()).isEqualTo(Simd.rowOffset());
        }
    }

    /** Training in a JVM whose objects are aligned to 64 bytes (rows at an offset) and in one whose are not. */
    @Test
    void theSameTrainingGivesTheSameBitsWithAndWithoutTheOffset() throws IOException, InterruptedException {
        String aligned = run(List.of("-XX:ObjectAlignmentInBytes=64"));
        String plain = run(List.of());
        assertThat(aligned).startsWith("offset " + Simd.rowOffset() + ":");
        assertThat(plain).startsWith("offset 0:");
        assertThat(aligned.substring(aligned.indexOf(':'))).isEqualTo(plain.substring(plain.indexOf(':')));
    }

    private static String run(List<String> options) throws IOException, InterruptedException {
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--add-modules=jdk.incubator.vector",
                "-Djava.awt.headless=true"));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Check.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String lines = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .collect(Collectors.joining("\n"));
        assertThat(p.exitValue()).as(lines).isZero();
        return lines;
    }

    /**
     * Trains with the Vector API kernels on one and on two threads (by halves, then in chunks for a
     * larger batch, then with shifts) and prints the row offset and a hash of every result.
     */
    public static final class Check {
        public static void main(String[] args) {
            CifarData data = TestData.randomData(400, 20, 10, 5);
            Splits s = Splits.of(data, 40, 1);
            LinearModel initial = LinearModel.initial(Loss.SOFTMAX, data.classNames(), s.stats(), 0.01, 3);
            StringBuilder out = new StringBuilder("offset " + Simd.rowOffset() + ":");
            for (int[] shape : new int[][] {{1, 37}, {2, 37}, {2, 180}}) {
                try (Backend backend = new CpuBackend(List.of(initial), new double[] {0.1}, shape[1], shape[0], true)) {
                    for (int e = 0; e < 3; e++) {
                        backend.trainEpoch(EpochPlan.draw(2, e, s.train(), 0.5, e == 2 ? 2 : 0), 0.05f,
                                Backend.StepListener.NONE);
                    }
                    LinearModel m = backend.snapshot(0);
                    out.append(' ').append(Arrays.hashCode(m.weights())).append('/').append(Arrays.hashCode(m.bias()))
                            .append('/').append(backend.evaluate(s.val()).getFirst().loss());
                }
            }
            System.out.println(out);
        }
    }
}
