package cifarlinear.gpu;

import cifarlinear.cpu.CpuBackend;
import cifarlinear.cpu.CpuKernels;
import cifarlinear.data.CifarData;
import cifarlinear.data.Dataset;
import cifarlinear.data.Splits;
import cifarlinear.data.SyntheticData;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;
import jcuda.CudaException;
import jcuda.Pointer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU checked against the CPU on random data: each kernel, each GEMM shape (non-square,
 * with a short last batch), and whole epochs of training, two models side by side, with and
 * without CUDA graphs. Errors are relative to the largest value of the reference:
 * max |gpu − cpu| / max |cpu|. Padding rows must be exactly zero.
 */
public final class SelfCheck {
    /** The largest relative error accepted, in float32. */
    public static final double TOLERANCE = 1e-4;

    private static final int D = Dataset.DIM;
    private static final int K = 10;
    private static final int B = 24;
    private static final int N_IMAGES = 37;
    /** Positions: step 1 of batch B has B − 5 samples and 5 padding rows. */
    private static final int N = 2 * B - 5;

    /** One check's outcome. */
    public record Result(String name, boolean passed, String detail) {
    }

    /**
     * What was checked and how it went.
     *
     * @param environment lines on the GPU, how the kernels loaded, the cuBLAS binding and CUDA graphs
     */
    public record Report(List<String> environment, List<Result> checks) {
        public boolean passed() {
            return checks.stream().allMatch(Result::passed);
        }
    }

    private SelfCheck() {
    }

    /** Runs every check; a check that throws counts as failed with its message. */
    public static Report run() {
        List<Result> out = new ArrayList<>();
        List<String> environment = new ArrayList<>();
        try (GpuContext gpu = new GpuContext()) {
            Kernels kernels = new Kernels(gpu);
            GpuContext.Buffer workspace = gpu.allocate(Blas.WORKSPACE, "the cuBLAS workspace");
            Blas blas = Blas.open(gpu, workspace.ptr).blas();
            gpu.onClose(blas);
            new Kernel(gpu, kernels, blas, out).run();
        } catch (GpuException | CudaException e) {
            out.add(new Result("kernels", false, e.getMessage()));
        }
        out.add(guard("one epoch, 2 models, CUDA graphs, against the CPU", () -> epoch(true, false, environment)));
        out.add(guard("one epoch, 2 models, CUDA graphs equal to plain launches", () -> epoch(true, true, null)));
        out.add(guard("an epoch stopped and resumed, equal to one run", SelfCheck::stopAndResume));
        return new Report(environment, out);
    }

    private interface Check {
        Result run();
    }

    private static Result guard(String name, Check check) {
        try {
            Result r = check.run();
            return new Result(name, r.passed(), r.detail());
        } catch (RuntimeException e) {
            return new Result(name, false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** max |a − b| / max |b| over the given range. */
    static double relativeError(float[] a, double[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < b.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static Result compare(String name, double error, String extra, boolean alsoRequired) {
        boolean ok = error <= TOLERANCE && alsoRequired;
        return new Result(name, ok, String.format(Locale.ROOT, "relative error %.2e%s", error, extra));
    }

    /** The per-kernel and per-GEMM checks, on one set of random inputs. */
    private static final class Kernel {
        final GpuContext gpu;
        final Kernels kernels;
        final Blas blas;
        final List<Result> out;
        final SplittableRandom rng = new SplittableRandom(20261127);

        final byte[] u = new byte[N_IMAGES * D];
        final int[] labels = new int[N_IMAGES];
        final int[] order = new int[N];
        final boolean[] flip = new boolean[N];
        final byte[] dx = new byte[N];
        final byte[] dy = new byte[N];
        final float[] mean = new float[D];
        final float[] inv = new float[D];

        Kernel(GpuContext gpu, Kernels kernels, Blas blas, List<Result> out) {
            this.gpu = gpu;
            this.kernels = kernels;
            this.blas = blas;
            this.out = out;
            rng.nextBytes(u);
            for (int i = 0; i < N_IMAGES; i++) {
                labels[i] = rng.nextInt(K);
            }
            for (int i = 0; i < N; i++) {
                order[i] = rng.nextInt(N_IMAGES);
                flip[i] = rng.nextBoolean();
                dx[i] = (byte) rng.nextInt(-2, 3);
                dy[i] = (byte) rng.nextInt(-2, 3);
            }
            for (int j = 0; j < D; j++) {
                mean[j] = (float) (rng.nextGaussian() * 20);
                inv[j] = (float) (0.01 + 0.04 * rng.nextDouble());
            }
        }

        GpuContext.Buffer upload(byte[] v) {
            GpuContext.Buffer b = gpu.allocate(v.length, "check data");
            b.upload(Pointer.to(v), v.length);
            return b;
        }

        GpuContext.Buffer upload(int[] v) {
            GpuContext.Buffer b = gpu.allocate(4L * v.length, "check data");
            b.upload(Pointer.to(v), 4L * v.length);
            return b;
        }

        GpuContext.Buffer upload(float[] v) {
            GpuContext.Buffer b = gpu.allocate(4L * v.length, "check data");
            b.upload(Pointer.to(v), 4L * v.length);
            return b;
        }

        float[] floats(GpuContext.Buffer b, int n) {
            gpu.synchronize();
            float[] v = new float[n];
            b.download(Pointer.to(v), 4L * n);
            return v;
        }

        double[] doubles(GpuContext.Buffer b, int n) {
            gpu.synchronize();
            double[] v = new double[n];
            b.download(Pointer.to(v), 8L * n);
            return v;
        }

        int[] ints(GpuContext.Buffer b, int n) {
            gpu.synchronize();
            int[] v = new int[n];
            b.download(Pointer.to(v), 4L * n);
            return v;
        }

        void run() {
            byte[] flipBytes = new byte[N];
            for (int i = 0; i < N; i++) {
                flipBytes[i] = (byte) (flip[i] ? 1 : 0);
            }
            GpuContext.Buffer gu = upload(u);
            GpuContext.Buffer gLabels = upload(labels);
            GpuContext.Buffer gOrder = upload(order);
            GpuContext.Buffer gFlip = upload(flipBytes);
            GpuContext.Buffer gDx = upload(dx);
            GpuContext.Buffer gDy = upload(dy);
            GpuContext.Buffer gMean = upload(mean);
            GpuContext.Buffer gInv = upload(inv);
            GpuContext.Buffer step = upload(new int[] {1, N});
            GpuContext.Buffer x = gpu.allocate(4L * B * D, "X");
            int m = N - B;

            // gather: step 1 of the plan, with flips and shifts, 5 padding rows
            kernels.gather(gu.ptr, gOrder.ptr, gFlip.ptr, gDx.ptr, gDy.ptr, step.ptr, B, gMean.ptr, gInv.ptr, x.ptr);
            float[] gx = floats(x, B * D);
            float[][] cx = new float[B][D];
            CpuKernels.gather(u, D, order, flip, dx, dy, B, mean, inv, cx, 0, m, new float[D]);
            double[] want = new double[m * D];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < D; j++) {
                    want[i * D + j] = cx[i][j];
                }
            }
            out.add(compare("gather (flip, shift, normalize)", relativeError(Arrays.copyOf(gx, m * D), want),
                    ", padding rows " + (zero(gx, m * D, B * D) ? "zero" : "NOT zero"), zero(gx, m * D, B * D)));

            // S = X Wᵀ
            float[] w = new float[K * D];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rng.nextGaussian() * 0.01);
            }
            GpuContext.Buffer gw = upload(w);
            GpuContext.Buffer one = upload(new float[] {1});
            GpuContext.Buffer zeroScalar = upload(new float[] {0});
            GpuContext.Buffer s = gpu.allocate(4L * B * K, "S");
            blas.sgemm(true, false, K, B, D, one.ptr, gw.ptr, D, x.ptr, D, zeroScalar.ptr, s.ptr, K);
            float[] gs = floats(s, B * K);
            double[] ws = new double[B * K];
            for (int i = 0; i < B; i++) {
                for (int k = 0; k < K; k++) {
                    double sum = 0;
                    for (int j = 0; j < D; j++) {
                        sum += (double) gx[i * D + j] * w[k * D + j];
                    }
                    ws[i * K + k] = sum;
                }
            }
            out.add(compare("GEMM S = X Wᵀ (" + B + " × " + D + " by " + D + " × " + K + ")", relativeError(gs, ws), "",
                    true));

            for (Loss loss : Loss.values()) {
                activateAndBias(loss, gLabels, gOrder, gs, x, gx, w, m);
            }
            for (Loss loss : Loss.values()) {
                stepHead(loss, gu, gLabels, gOrder, gFlip, gDx, gDy, gMean, gInv, gw, w, want, m);
            }
            evaluate(gLabels, gOrder);
        }

        /**
         * step_head, which training runs in place of gather, S = X Wᵀ, activate and bias_step: its X
         * as the gather's (exactly), its G and losses from the scores of that X (in double), α and
         * β exactly, b and the step loss as bias_step makes them from its G, the counter moved on and
         * its block count back at 0, padding rows zero.
         */
        void stepHead(Loss loss, GpuContext.Buffer gu, GpuContext.Buffer gLabels, GpuContext.Buffer gOrder,
                      GpuContext.Buffer gFlip, GpuContext.Buffer gDx, GpuContext.Buffer gDy, GpuContext.Buffer gMean,
                      GpuContext.Buffer gInv, GpuContext.Buffer gw, float[] w, double[] wantX, int m) {
            float[] b = new float[K];
            for (int k = 0; k < K; k++) {
                b[k] = (float) (rng.nextGaussian() * 0.01);
            }
            float eta = 0.02f;
            float lambda = 0.1f;
            GpuContext.Buffer x = gpu.allocate(4L * B * D, "X");
            GpuContext.Buffer g = gpu.allocate(4L * B * K, "G");
            GpuContext.Buffer gb = upload(b);
            GpuContext.Buffer etas = upload(new float[] {0.05f, eta});
            GpuContext.Buffer alpha = gpu.allocate(4, "α");
            GpuContext.Buffer beta = gpu.allocate(4, "β");
            GpuContext.Buffer sampleLoss = gpu.allocate(8L * B, "losses");
            GpuContext.Buffer stepLoss = gpu.allocate(16, "step losses");
            GpuContext.Buffer done = upload(new int[] {0});
            GpuContext.Buffer localStep = upload(new int[] {1, N});
            // Poison what the kernel must write, padding rows included.
            float[] nan = new float[B * D];
            Arrays.fill(nan, Float.NaN);
            x.upload(Pointer.to(nan), 4L * B * D);
            g.upload(Pointer.to(nan), 4L * B * K);
            kernels.stepHead(loss == Loss.SIGMOID, false, gu.ptr, gOrder.ptr, gFlip.ptr, gDx.ptr, gDy.ptr, localStep.ptr,
                    B, gMean.ptr, gInv.ptr, x.ptr, gw.ptr, K, gb.ptr, gLabels.ptr, etas.ptr, lambda, g.ptr, alpha.ptr,
                    beta.ptr, sampleLoss.ptr, stepLoss.ptr, done.ptr, true, true);
            float[] gx = floats(x, B * D);
            float[] gg = floats(g, B * K);
            double[] sl = doubles(sampleLoss, B);
            float a = floats(alpha, 1)[0];
            float be = floats(beta, 1)[0];
            float[] nb = floats(gb, K);
            double stepLossValue = doubles(stepLoss, 2)[1];
            int next = ints(localStep, 1)[0];
            int count = ints(done, 1)[0];

            double[] wantG = new double[m * K];
            double[] wantLoss = new double[m];
            double[] sc = new double[K];
            double[] grad = new double[K];
            double lossSum = 0;
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < K; k++) {
                    double dot = 0;
                    for (int j = 0; j < D; j++) {
                        dot += (double) gx[i * D + j] * w[k * D + j];
                    }
                    sc[k] = dot + b[k];
                }
                wantLoss[i] = loss.lossAndGradient(sc, labels[order[B + i]], grad);
                for (int k = 0; k < K; k++) {
                    wantG[i * K + k] = grad[k];
                }
                lossSum += sl[i];
            }
            float[] db = new float[K];
            double[] wantDb = new double[K];
            for (int k = 0; k < K; k++) {
                double sum = 0;
                for (int i = 0; i < m; i++) {
                    sum += gg[i * K + k];
                }
                db[k] = nb[k] - b[k];
                wantDb[k] = (double) a * sum;
            }
            double error = Math.max(relativeError(Arrays.copyOf(gx, m * D), wantX),
                    Math.max(relativeError(Arrays.copyOf(gg, m * K), wantG),
                            relativeError(toFloat(Arrays.copyOf(sl, m)), wantLoss)));
            error = Math.max(error, Math.max(relativeError(db, wantDb),
                    Math.abs(stepLossValue - lossSum) / Math.max(1e-30, Math.abs(lossSum))));
            boolean padded = zero(gx, m * D, B * D) && zero(gg, m * K, B * K) && zero(sl, m, B);
            boolean scalars = a == -eta / m && be == 1.0f - 2.0f * eta * lambda;
            out.add(compare("step_head (" + loss.id() + ": X, G, losses, α, β, b, step loss)", error,
                    ", padding rows " + (padded ? "zero" : "NOT zero") + ", α β " + (scalars ? "exact" : "differ")
                            + ", counter " + (next == 2 ? "advanced" : "NOT advanced (" + next + ")")
                            + (count == 0 ? "" : ", block count left at " + count),
                    padded && scalars && next == 2 && count == 0));
        }

        /** activate, then the update GEMM and bias_step on its output. */
        void activateAndBias(Loss loss, GpuContext.Buffer gLabels, GpuContext.Buffer gOrder, float[] scores,
                             GpuContext.Buffer x, float[] gx, float[] w, int m) {
            // A small bias, so that its change is not lost in the rounding of b itself.
            float[] b = new float[K];
            for (int k = 0; k < K; k++) {
                b[k] = (float) (rng.nextGaussian() * 0.01);
            }
            float eta = 0.02f;
            float lambda = 0.1f;
            GpuContext.Buffer sg = upload(scores);
            GpuContext.Buffer gb = upload(b);
            GpuContext.Buffer etas = upload(new float[] {0.05f, eta});
            GpuContext.Buffer alpha = gpu.allocate(4, "α");
            GpuContext.Buffer beta = gpu.allocate(4, "β");
            GpuContext.Buffer sampleLoss = gpu.allocate(8L * B, "losses");
            GpuContext.Buffer stepLoss = gpu.allocate(16, "step losses");
            GpuContext.Buffer localStep = upload(new int[] {1, N});
            kernels.activate(loss == Loss.SIGMOID, sg.ptr, gb.ptr, gLabels.ptr, gOrder.ptr, localStep.ptr, B, K, etas.ptr,
                    lambda, alpha.ptr, beta.ptr, sampleLoss.ptr);
            float[] g = floats(sg, B * K);
            double[] sl = doubles(sampleLoss, B);
            float a = floats(alpha, 1)[0];
            float be = floats(beta, 1)[0];
            double[] wantG = new double[m * K];
            double[] wantLoss = new double[m];
            double[] sc = new double[K];
            double[] grad = new double[K];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < K; k++) {
                    sc[k] = scores[i * K + k] + b[k];
                }
                wantLoss[i] = loss.lossAndGradient(sc, labels[order[B + i]], grad);
                for (int k = 0; k < K; k++) {
                    wantG[i * K + k] = grad[k];
                }
            }
            float wantAlpha = -eta / m;
            float wantBeta = 1.0f - 2.0f * eta * lambda;
            boolean padded = zero(g, m * K, B * K) && zero(sl, m, B);
            boolean scalars = a == wantAlpha && be == wantBeta;
            double error = Math.max(relativeError(Arrays.copyOf(g, m * K), wantG),
                    relativeError(toFloat(Arrays.copyOf(sl, m)), wantLoss));
            out.add(compare("activate (" + loss.id() + ": G = ∂ℓ/∂s, losses, α, β)", error,
                    ", padding rows " + (padded ? "zero" : "NOT zero") + ", α β " + (scalars ? "exact" : "differ"),
                    padded && scalars));

            // W ← β W + α Gᵀ X, on a copy of W
            GpuContext.Buffer w2 = upload(w);
            blas.sgemm(false, true, D, K, B, alpha.ptr, x.ptr, D, sg.ptr, K, beta.ptr, w2.ptr, D);
            float[] gw2 = floats(w2, K * D);
            double[] want = new double[K * D];
            for (int k = 0; k < K; k++) {
                for (int j = 0; j < D; j++) {
                    double sum = 0;
                    for (int i = 0; i < B; i++) {
                        sum += (double) g[i * K + k] * gx[i * D + j];
                    }
                    want[k * D + j] = (double) be * w[k * D + j] + (double) a * sum;
                }
            }
            // The change, not W itself, is what the GEMM computes; compare the change.
            float[] change = new float[K * D];
            double[] wantChange = new double[K * D];
            for (int i = 0; i < change.length; i++) {
                change[i] = gw2[i] - w[i];
                wantChange[i] = want[i] - w[i];
            }
            out.add(compare("GEMM W ← βW + α Gᵀ X (" + loss.id() + ", " + K + " × " + B + " by " + B + " × " + D + ")",
                    relativeError(change, wantChange), "", true));

            // bias_step: b ← b + α Σ G, the step's loss, the counter moves on
            kernels.biasStep(sg.ptr, gb.ptr, alpha.ptr, sampleLoss.ptr, localStep.ptr, B, K, stepLoss.ptr, true);
            float[] nb = floats(gb, K);
            double stepLossValue = doubles(stepLoss, 2)[1];
            int next = ints(localStep, 1)[0];
            double[] wantB = new double[K];
            double lossSum = 0;
            for (int k = 0; k < K; k++) {
                double sum = 0;
                for (int i = 0; i < m; i++) {
                    sum += g[i * K + k];
                }
                wantB[k] = b[k] + (double) a * sum;
            }
            for (int i = 0; i < m; i++) {
                lossSum += sl[i];
            }
            float[] db = new float[K];
            double[] wantDb = new double[K];
            for (int k = 0; k < K; k++) {
                db[k] = nb[k] - b[k];
                wantDb[k] = wantB[k] - b[k];
            }
            double error2 = Math.max(relativeError(db, wantDb),
                    Math.abs(stepLossValue - lossSum) / Math.max(1e-30, Math.abs(lossSum)));
            out.add(compare("bias_step (" + loss.id() + ": b, step loss, counter)", error2,
                    ", counter " + (next == 2 ? "advanced" : "NOT advanced (" + next + ")"), next == 2));
        }

        void evaluate(GpuContext.Buffer gLabels, GpuContext.Buffer gOrder) {
            for (Loss loss : Loss.values()) {
                float[] scores = new float[B * K];
                float[] b = new float[K];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = (float) (rng.nextGaussian() * 4);
                }
                for (int k = 0; k < K; k++) {
                    b[k] = (float) rng.nextGaussian();
                }
                int n = B - 3;
                GpuContext.Buffer s = upload(scores);
                GpuContext.Buffer gb = upload(b);
                GpuContext.Buffer step = upload(new int[] {0, n});
                GpuContext.Buffer sampleLoss = gpu.allocate(8L * B, "losses");
                GpuContext.Buffer predicted = gpu.allocate(4L * B, "predictions");
                GpuContext.Buffer trueProb = gpu.allocate(4L * B, "probabilities");
                kernels.evaluate(loss == Loss.SIGMOID, s.ptr, gb.ptr, gLabels.ptr, gOrder.ptr, step.ptr, B, K,
                        sampleLoss.ptr, predicted.ptr, trueProb.ptr);
                double[] l = doubles(sampleLoss, n);
                int[] p = ints(predicted, n);
                float[] t = floats(trueProb, n);
                double[] wantL = new double[n];
                double[] wantT = new double[n];
                int mismatches = 0;
                double[] sc = new double[K];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < K; k++) {
                        sc[k] = scores[i * K + k] + b[k];
                    }
                    int y = labels[order[i]];
                    wantL[i] = loss.lossAndGradient(sc, y, null);
                    wantT[i] = loss.trueClassProbability(sc, y, wantL[i]);
                    if (p[i] != Loss.predictedClass(sc)) {
                        mismatches++;
                    }
                }
                double error = Math.max(relativeError(toFloat(l), wantL), relativeError(t, wantT));
                out.add(compare("evaluate (" + loss.id() + ": loss, prediction, p_y)", error,
                        ", " + mismatches + " predictions differ", mismatches == 0));
            }
        }
    }

    static boolean zero(float[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Float.floatToRawIntBits(v[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    static boolean zero(double[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Double.doubleToRawLongBits(v[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /**
     * One epoch of two models (softmax λ 0.1, sigmoid λ 0.01) with flips, shifts and a short last
     * batch, on the GPU and on the CPU from the same start; or, with {@code againstDirect}, on the
     * GPU with and without graphs (which must agree bit for bit).
     */
    static Result epoch(boolean graphs, boolean againstDirect, List<String> environment) {
        CifarData data = SyntheticData.generate(4500, 3);
        Splits splits = Splits.of(data, 45, 3);
        List<LinearModel> start = List.of(
                LinearModel.initial(Loss.SOFTMAX, data.classNames(), splits.stats(), 0.01, 1),
                LinearModel.initial(Loss.SIGMOID, data.classNames(), splits.stats(), 0.01, 2));
        double[] lambdas = {0.1, 0.01};
        int batch = 100;
        EpochPlan plan = EpochPlan.draw(5, 0, splits.train(), 0.5, 1);
        float[][] etas = new float[2][plan.steps(batch)];
        for (float[] e : etas) {
            Arrays.fill(e, 0.01f);
        }
        Trained gpu;
        Trained reference;
        try (GpuBackend g = new GpuBackend(start, lambdas, batch, graphs)) {
            gpu = Trained.of(g, plan, etas, splits);
            if (environment != null) {
                environment.addAll(g.details());
            }
            Result unused = graphs ? graphsNotUsed(g) : null;
            if (unused != null) {
                return unused;
            }
        }
        try (Backend r = againstDirect ? new GpuBackend(start, lambdas, batch, false)
                : new CpuBackend(start, lambdas, batch, Runtime.getRuntime().availableProcessors(), false)) {
            reference = Trained.of(r, plan, etas, splits);
        }
        double error = 0;
        double lossError = 0;
        int accuracyDiff = 0;
        boolean identical = true;
        for (int m = 0; m < 2; m++) {
            error = Math.max(error, normError(gpu.models.get(m).weights(), reference.models.get(m).weights()));
            error = Math.max(error, normError(gpu.models.get(m).bias(), reference.models.get(m).bias()));
            lossError = Math.max(lossError, Math.abs(gpu.lossSums[m] - reference.lossSums[m]) / reference.lossSums[m]);
            accuracyDiff = Math.max(accuracyDiff,
                    Math.abs(gpu.evaluations.get(m).correct() - reference.evaluations.get(m).correct()));
            identical &= Arrays.equals(gpu.models.get(m).weights(), reference.models.get(m).weights())
                    && Arrays.equals(gpu.models.get(m).bias(), reference.models.get(m).bias());
        }
        String detail = String.format(Locale.ROOT, "‖W − W_ref‖/‖W_ref‖ %.2e, loss %.2e, correct ±%d of %d", error,
                lossError, accuracyDiff, splits.train().size());
        if (againstDirect) {
            return new Result("", identical, detail + (identical ? ", bitwise equal" : ", NOT bitwise equal"));
        }
        return new Result("", error <= TOLERANCE && lossError <= TOLERANCE, detail);
    }

    /** An epoch stopped after a few chunks and continued from where it stopped ends bitwise where one run does. */
    static Result stopAndResume() {
        CifarData data = SyntheticData.generate(4500, 4);
        Splits splits = Splits.of(data, 45, 4);
        List<LinearModel> start = List.of(LinearModel.initial(Loss.SOFTMAX, data.classNames(), splits.stats(), 0.01, 1));
        int batch = 50;
        EpochPlan plan = EpochPlan.draw(6, 0, splits.train(), 0.5, 1);
        float[][] etas = new float[1][plan.steps(batch)];
        Arrays.fill(etas[0], 0.02f);
        float[] whole;
        try (GpuBackend g = new GpuBackend(start, new double[] {0.1}, batch, true)) {
            g.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
            whole = g.snapshot(0).weights();
            Result unused = graphsNotUsed(g);
            if (unused != null) {
                return unused;
            }
        }
        try (GpuBackend g = new GpuBackend(start, new double[] {0.1}, batch, true)) {
            int[] asked = {0};
            Backend.Progress first = g.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> ++asked[0] > 3);
            Backend.Progress rest = g.trainSteps(plan, etas, first.nextStep(), Backend.StepListener.NONE, () -> false);
            Result unused = graphsNotUsed(g);
            if (unused != null) {
                return unused;
            }
            boolean equal = Arrays.equals(whole, g.snapshot(0).weights());
            boolean complete = rest.nextStep() == plan.steps(batch) && first.nextStep() < plan.steps(batch);
            return new Result("", equal && complete, String.format(Locale.ROOT, "stopped at step %d of %d, %s",
                    first.nextStep(), plan.steps(batch), equal ? "bitwise equal" : "NOT equal"));
        }
    }

    /** A failed check where a backend that was to replay CUDA graphs launched its steps one by one; else null. */
    private static Result graphsNotUsed(GpuBackend g) {
        return g.graphProblem() == null ? null : new Result("", false, "CUDA graphs not used: " + g.graphProblem());
    }

    /** ‖a − b‖ / ‖b‖. */
    static double normError(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
            norm += (double) b[i] * b[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    private record Trained(List<LinearModel> models, double[] lossSums, List<Evaluation> evaluations) {
        static Trained of(Backend backend, EpochPlan plan, float[][] etas, Splits splits) {
            Backend.Progress p = backend.trainSteps(plan, etas, 0, Backend.StepListener.NONE, () -> false);
            List<LinearModel> models = new ArrayList<>();
            for (int m = 0; m < backend.models(); m++) {
                models.add(backend.snapshot(m));
            }
            return new Trained(models, p.lossSums(), backend.evaluate(splits.train()));
        }
    }
}
