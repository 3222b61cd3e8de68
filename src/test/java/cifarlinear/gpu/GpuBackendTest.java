package cifarlinear.gpu;

import cifarlinear.cpu.CpuBackend;
import cifarlinear.data.CifarData;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The GPU backend against the CPU one; skipped without a usable GPU. */
@Tag("gpu")
class GpuBackendTest {
    @BeforeAll
    static void needsGpu() {
        assumeThat(Cuda.probe().usable()).as("usable GPU: " + Cuda.probe().problem()).isTrue();
    }

    @Test
    void everyKernelGemmEpochAndResumeMatchesTheCpu() {
        SelfCheck.Report report = SelfCheck.run();
        report.environment().forEach(System.out::println);
        report.checks().forEach(r -> System.out.println((r.passed() ? "ok   " : "FAIL ") + r.name() + ": " + r.detail()));
        assertThat(report.checks()).hasSizeGreaterThanOrEqualTo(10);
        assertThat(report.checks()).allSatisfy(r -> assertThat(r.passed()).as(r.name() + ": " + r.detail()).isTrue());
    }

    private static final CifarData DATA = SyntheticData.generate(5000, 11);

    private static List<LinearModel> models(Splits splits) {
        return List.of(LinearModel.initial(Loss.SOFTMAX, DATA.classNames(), splits.stats(), 0.01, 4));
    }

    private static float[][] etas(int steps) {
        float[][] e = new float[1][steps];
        Arrays.fill(e[0], 0.02f);
        return e;
    }

    @Test
    void threeEpochsStayWithinToleranceOfTheCpu() {
        Splits splits = Splits.of(DATA, 500, 2);
        int batch = 64;
        try (GpuBackend gpu = new GpuBackend(models(splits), new double[] {0.05}, batch, true);
             Backend cpu = new CpuBackend(models(splits), new double[] {0.05}, batch, 2, false)) {
            for (int epoch = 0; epoch < 3; epoch++) {
                EpochPlan plan = EpochPlan.draw(9, epoch, splits.train(), 0.3);
                float[][] etas = etas(plan.steps(batch));
                List<Double> gpuLosses = new ArrayList<>();
                List<Double> cpuLosses = new ArrayList<>();
                Backend.Progress g = gpu.trainSteps(plan, etas, 0, (s, n, l) -> gpuLosses.add(l), () -> false);
                Backend.Progress c = cpu.trainSteps(plan, etas, 0, (s, n, l) -> cpuLosses.add(l), () -> false);
                assertThat(g.nextStep()).isEqualTo(c.nextStep()).isEqualTo(plan.steps(batch));
                assertThat(g.samples()).isEqualTo(c.samples());
                assertThat(gpuLosses).hasSameSizeAs(cpuLosses);
                for (int s = 0; s < cpuLosses.size(); s++) {
                    assertThat(gpuLosses.get(s)).as("step %d loss", s).isCloseTo(cpuLosses.get(s),
                            org.assertj.core.data.Percentage.withPercentage(0.01));
                }
            }
            assertThat(gpu.graphProblem()).as("the steps ran as CUDA graphs").isNull();
            assertThat(SelfCheck.normError(gpu.snapshot(0).weights(), cpu.snapshot(0).weights())).isLessThan(1e-4);
            Evaluation ge = gpu.evaluate(splits.test()).getFirst();
            Evaluation ce = cpu.evaluate(splits.test()).getFirst();
            assertThat(ge.count()).isEqualTo(ce.count());
            assertThat(Math.abs(ge.correct() - ce.correct())).isLessThanOrEqualTo(2);
            assertThat(ge.lossSum()).isCloseTo(ce.lossSum(), org.assertj.core.data.Percentage.withPercentage(0.01));
        }
    }
}
