package cifarlinear.gpu;

import cifarlinear.UserError;
import cifarlinear.data.Dataset;
import cifarlinear.data.Subset;
import cifarlinear.model.LinearModel;
import cifarlinear.model.Loss;
import cifarlinear.train.Backend;
import cifarlinear.train.EpochPlan;
import cifarlinear.train.Evaluation;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Training on an NVIDIA GPU. The images live on the GPU as bytes, uploaded once per data set;
 * per epoch only the order, the flip bits (and shifts) and the learning rates go up, and only the
 * per-step losses come back. A step is, per model:
 * <ol>
 *   <li>{@code step_head}, one block per row of the batch: the row of X (B × d) from the resident
 *       bytes, flipped, shifted and normalized (the first model only; padding rows zero), its
 *       scores W x + b, G = ∂ℓ/∂s and its loss, and the step's α = −η/m, β = 1 − 2ηλ into device
 *       memory;</li>
 *   <li>cuBLAS W ← β W + α Gᵀ X and, beside it on a second stream, {@code bias_step}: b ← b + α Gᵀ1
 *       and the step's loss ({@link StepKernels} names the other ways, for comparison);</li>
 * </ol>
 * with the step index, η and the GEMM scalars read from device memory, so a run of steps is
 * captured once as a CUDA graph and replayed for every chunk of every epoch. Evaluation runs
 * {@code gather}, cuBLAS S = X Wᵀ and {@code evaluate}.
 *
 * <p>Steps are queued {@link #CHUNK} at a time: {@code stop} is asked before each chunk, and the
 * listener hears of a chunk's steps once the next chunk is queued, so a stop lands on a chunk
 * boundary (the returned {@link Progress} says where) and never costs a wait for each step.
 *
 * <p>GEMMs, with cuBLAS column-major: a row-major R × C matrix is a column-major C × R one with
 * leading dimension C. W (K × d) is W' (d × K, ld d), X (B × d) is X' (d × B, ld d) and S, G
 * (B × K) are S', G' (K × B, ld K). Then S = X Wᵀ ⇔ S' = W'ᵀ X': {@code sgemm(T, N, K, B, d, 1,
 * W, d, X, d, 0, S, K)}; W ← β W + α Gᵀ X ⇔ W' ← β W' + α X' G'ᵀ: {@code sgemm(N, T, d, K, B, α,
 * X, d, G, K, β, W, d)}.
 */
public final class GpuBackend implements Backend {
    /** Steps per captured graph. */
    static final int CHUNK = 16;
    /** Images per evaluation pass. */
    static final int EVAL_ROWS = 2048;
    /** The system property that chooses how a step is launched ({@link StepKernels}), to compare them on a GPU. */
    static final String STEP_KERNELS = "cifarlinear.gpu.step";

    /**
     * How a step is launched. By default {@link #BRANCHES}, the fastest on an H200 at every batch
     * size measured (50 to 1000: 12 to 42 µs a step, against 16 to 49 for {@link #HEAD} and 28 to 55
     * for {@link #SEPARATE}; bench/results/gpu-check.md).
     */
    enum StepKernels {
        /** step_head without the bias; then bias_step on a second stream beside the update GEMM. */
        BRANCHES,
        /** step_head, its last block doing the bias and step loss; then the update GEMM. */
        HEAD,
        /** gather, S = X Wᵀ, activate, the update GEMM and bias_step, one after the other. */
        SEPARATE;

        static StepKernels chosen() {
            String v = System.getProperty(STEP_KERNELS, "branches");
            for (StepKernels k : values()) {
                if (k.name().equalsIgnoreCase(v)) {
                    return k;
                }
            }
            throw UserError.usage("-D" + STEP_KERNELS + " must be branches, head or separate, not '" + v + "'");
        }
    }

    private final GpuContext gpu;
    private final Kernels kernels;
    private final Blas blas;
    private final String jcublasProblem;
    private final int classes;
    private final int d = Dataset.DIM;
    private final int batch;
    private final int rows;
    private final List<Model> models = new ArrayList<>();
    private final Map<Dataset, Resident> resident = new IdentityHashMap<>();
    private final boolean graphs;
    private final StepKernels stepKernels = StepKernels.chosen();
    private CUstream side;
    private CUevent fork;
    private CUevent join;

    private final GpuContext.Buffer mean;
    private final GpuContext.Buffer inv;
    private final GpuContext.Buffer x;
    private final GpuContext.Buffer step;
    private final GpuContext.Buffer evalStep;
    private final GpuContext.Buffer one;
    private final GpuContext.Buffer zero;
    private final GpuContext.Buffer sampleLoss;
    private final GpuContext.Buffer done;
    private final GpuContext.Buffer predicted;
    private final GpuContext.Buffer trueProb;
    private final GpuContext.HostBuffer stepHost;
    private final GpuContext.HostBuffer evalHost;
    private final CUevent[] events;

    // Per-epoch buffers, grown when an epoch has more positions than they hold.
    private int capacity;
    private int stepCapacity;
    private GpuContext.Buffer order;
    private GpuContext.Buffer flip;
    private GpuContext.Buffer dx;
    private GpuContext.Buffer dy;
    private GpuContext.HostBuffer planHost;
    private GpuContext.Buffer evalOrder;
    private int evalCapacity;

    // Captured steps, valid for one resident data set and one kind of plan.
    private Captured captured;
    private String graphProblem;

    /** One model's parameters and buffers. */
    private final class Model {
        final LinearModel template;
        final Loss loss;
        final float lambda;
        final GpuContext.Buffer w;
        final GpuContext.Buffer b;
        final GpuContext.Buffer sg;
        final GpuContext.Buffer alpha;
        final GpuContext.Buffer beta;
        GpuContext.Buffer etas;
        GpuContext.Buffer stepLoss;
        GpuContext.HostBuffer etasHost;
        GpuContext.HostBuffer lossHost;

        Model(LinearModel initial, float lambda) {
            this.template = initial.copy();
            this.loss = initial.loss();
            this.lambda = lambda;
            w = gpu.allocate(4L * classes * d, "the weights");
            w.upload(Pointer.to(initial.weights()), 4L * classes * d);
            b = gpu.allocate(4L * classes, "the bias");
            b.upload(Pointer.to(initial.bias()), 4L * classes);
            sg = gpu.allocate(4L * rows * classes, "the scores");
            sg.clear();
            alpha = gpu.allocate(4, "α");
            beta = gpu.allocate(4, "β");
        }
    }

    /** A data set's images and labels on the GPU. */
    private record Resident(GpuContext.Buffer u, GpuContext.Buffer labels) {
    }

    /** Graphs of {@link #CHUNK} steps and of one step, for one resident data set and plan kind. */
    private record Captured(Resident data, boolean shifts, CUgraphExec chunk, CUgraphExec single) {
    }

    public GpuBackend(LinearModel initial, int batch, float lambda) {
        this(List.of(initial), new double[] {lambda}, batch, true);
    }

    /**
     * Models that train side by side on the same batches.
     *
     * @param graphs replay captured CUDA graphs (else launch every kernel of every step)
     * @throws GpuException when there is no usable GPU or it fails while setting up
     */
    public GpuBackend(List<LinearModel> initial, double[] lambdas, int batch, boolean graphs) {
        LinearModel first = initial.getFirst();
        if (first.dim() != Dataset.DIM) {
            throw new IllegalArgumentException("the GPU backend trains on " + Dataset.DIM + "-feature images, not "
                    + first.dim());
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        if (lambdas.length != initial.size()) {
            throw new IllegalArgumentException(initial.size() + " models but " + lambdas.length + " λ");
        }
        this.classes = first.classCount();
        this.batch = batch;
        this.rows = Math.max(batch, EVAL_ROWS);
        this.graphs = graphs;
        this.gpu = new GpuContext();
        try {
            kernels = new Kernels(gpu);
            GpuContext.Buffer workspace = gpu.allocate(Blas.WORKSPACE, "the cuBLAS workspace");
            Blas.Opened opened = Blas.open(gpu, workspace.ptr);
            blas = opened.blas();
            gpu.onClose(blas);
            jcublasProblem = opened.jcublasProblem();
            float[] centeredMean = first.stats().mean().clone();
            for (int j = 0; j < d; j++) {
                centeredMean[j] -= 128;
            }
            mean = gpu.allocate(4L * d, "the mean");
            mean.upload(Pointer.to(centeredMean), 4L * d);
            inv = gpu.allocate(4L * d, "the inverse deviations");
            inv.upload(Pointer.to(first.stats().invStd()), 4L * d);
            x = gpu.allocate(4L * rows * d, "the batch");
            step = gpu.allocate(8, "the step counter");
            evalStep = gpu.allocate(8, "the evaluation counter");
            one = gpu.allocate(4, "1");
            one.upload(Pointer.to(new float[] {1}), 4);
            zero = gpu.allocate(4, "0");
            zero.upload(Pointer.to(new float[] {0}), 4);
            sampleLoss = gpu.allocate(8L * rows, "the sample losses");
            done = gpu.allocate(4, "the step's block counter");
            done.clear();
            if (stepKernels == StepKernels.BRANCHES) {
                side = gpu.sideStream();
                fork = gpu.event(false);
                join = gpu.event(false);
            }
            predicted = gpu.allocate(4L * rows, "the predictions");
            trueProb = gpu.allocate(4L * rows, "the probabilities");
            stepHost = gpu.allocateHost(8, "the step counter");
            evalHost = gpu.allocateHost(16 + 16L * EVAL_ROWS, "evaluation results");
            events = new CUevent[] {gpu.event(false), gpu.event(false)};
            for (int m = 0; m < initial.size(); m++) {
                LinearModel model = initial.get(m);
                if (!model.classNames().equals(first.classNames()) || !model.stats().equals(first.stats())) {
                    throw new IllegalArgumentException("models trained together must share classes and normalization");
                }
                models.add(new Model(model, (float) lambdas[m]));
            }
            warmUpBlas();
        } catch (CudaException e) {
            gpu.close();
            throw gpu.failure("setting up", e);
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * One GEMM of each shape outside any capture, so that cuBLAS sets itself up (loads its kernels)
     * before the first step is captured into a graph: S = W · 0, then W ← 1 · W + 0 · (0 Gᵀ), which
     * leaves W as it is, bit for bit.
     */
    private void warmUpBlas() {
        Model m = models.getFirst();
        x.clear();
        blas.sgemm(true, false, classes, batch, d, one.ptr, m.w.ptr, d, x.ptr, d, zero.ptr, m.sg.ptr, classes);
        blas.sgemm(false, true, d, classes, batch, zero.ptr, x.ptr, d, m.sg.ptr, classes, one.ptr, m.w.ptr, d);
        gpu.synchronize();
    }

    @Override
    public String description() {
        return "gpu (" + gpu.device().name() + ")";
    }

    /** Why the steps are launched one by one although graphs were asked for (capture failed); null when they are not. */
    String graphProblem() {
        return graphProblem;
    }

    /** The lines {@code doctor} and verbose runs print: device, kernels, cuBLAS binding, graphs. */
    public List<String> details() {
        List<String> out = new ArrayList<>();
        out.add("GPU: " + gpu.device().describe());
        out.add("kernels: " + kernels.loadedAs());
        out.add("cuBLAS: " + blas.describe()
                + (jcublasProblem == null ? "" : "; JCublas did not load: " + jcublasProblem));
        out.add("CUDA graphs: " + (!graphs ? "off" : graphProblem == null ? "on, " + CHUNK + " steps per graph"
                : "off (" + graphProblem + ")"));
        out.add("steps: " + switch (stepKernels) {
            case HEAD -> "step_head, update GEMM";
            case BRANCHES -> "step_head, then update GEMM beside bias_step";
            case SEPARATE -> "gather, S GEMM, activate, update GEMM, bias_step";
        });
        return out;
    }

    @Override
    public int models() {
        return models.size();
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public Progress trainSteps(EpochPlan plan, float[][] etas, int fromStep, StepListener listener,
                               BooleanSupplier stop) {
        if (plan.data().classCount() != classes) {
            throw new IllegalArgumentException("data has " + plan.data().classCount() + " classes, models " + classes);
        }
        gpu.makeCurrent();
        try {
            return train(plan, etas, fromStep, listener, stop);
        } catch (CudaException e) {
            throw gpu.failure("training", e);
        }
    }

    private Progress train(EpochPlan plan, float[][] etas, int fromStep, StepListener listener, BooleanSupplier stop) {
        int n = plan.size();
        int steps = plan.steps(batch);
        Resident data = resident(plan.data());
        ensureCapacity(n, steps);
        boolean shifts = plan.dx() != null;
        stage(plan, etas, fromStep, steps);
        Captured graph = graphs ? graphs(data, shifts) : null;

        double[] lossSums = new double[models.size()];
        int[] samples = {0};
        int launched = fromStep;
        int pendingFrom = -1;
        int pendingTo = -1;
        int slot = 0;
        while (launched < steps && !stop.getAsBoolean()) {
            int size = steps - launched >= CHUNK ? CHUNK : 1;
            if (graph != null) {
                JCudaDriver.cuGraphLaunch(size == CHUNK ? graph.chunk() : graph.single(), gpu.stream());
            } else {
                for (int s = 0; s < size; s++) {
                    enqueueStep(data, shifts);
                }
            }
            for (Model model : models) {
                JCudaDriver.cuMemcpyDtoHAsync(model.lossHost.pointer.withByteOffset(8L * launched),
                        model.stepLoss.ptr.withByteOffset(8L * launched), 8L * size, gpu.stream());
            }
            JCudaDriver.cuEventRecord(events[slot], gpu.stream());
            if (pendingFrom >= 0) {
                JCudaDriver.cuEventSynchronize(events[1 - slot]);
                report(pendingFrom, pendingTo, steps, n, lossSums, samples, listener);
            }
            pendingFrom = launched;
            pendingTo = launched + size;
            launched += size;
            slot = 1 - slot;
        }
        gpu.synchronize();
        if (pendingFrom >= 0) {
            report(pendingFrom, pendingTo, steps, n, lossSums, samples, listener);
        }
        return new Progress(launched, lossSums, samples[0]);
    }

    /** Hands the losses of steps [from, to) to the listener, once they are on the host. */
    private void report(int from, int to, int steps, int n, double[] lossSums, int[] samples, StepListener listener) {
        for (int s = from; s < to; s++) {
            int m = Math.min(batch, n - s * batch);
            double first = 0;
            for (int i = 0; i < models.size(); i++) {
                double loss = models.get(i).lossHost.buffer.getDouble(8 * s);
                lossSums[i] += loss;
                if (i == 0) {
                    first = loss;
                }
            }
            samples[0] += m;
            listener.onStep(s, steps, first / m);
        }
    }

    /** Copies the epoch's order, flips, shifts and learning rates to the GPU, and sets the step counter. */
    private void stage(EpochPlan plan, float[][] etas, int fromStep, int steps) {
        int n = plan.size();
        ByteBuffer host = planHost.buffer;
        host.clear();
        host.asIntBuffer().put(plan.order());
        int flipAt = 4 * capacity;
        boolean[] f = plan.flip();
        for (int i = 0; i < n; i++) {
            host.put(flipAt + i, (byte) (f != null && f[i] ? 1 : 0));
        }
        order.uploadAsync(planHost, 4L * n);
        JCudaDriver.cuMemcpyHtoDAsync(flip.ptr, planHost.pointer.withByteOffset(flipAt), n, gpu.stream());
        if (plan.dx() != null) {
            int dxAt = 5 * capacity;
            int dyAt = 6 * capacity;
            host.put(dxAt, plan.dx());
            host.put(dyAt, plan.dy());
            JCudaDriver.cuMemcpyHtoDAsync(dx.ptr, planHost.pointer.withByteOffset(dxAt), n, gpu.stream());
            JCudaDriver.cuMemcpyHtoDAsync(dy.ptr, planHost.pointer.withByteOffset(dyAt), n, gpu.stream());
        }
        for (int m = 0; m < models.size(); m++) {
            Model model = models.get(m);
            model.etasHost.buffer.clear();
            model.etasHost.buffer.asFloatBuffer().put(etas[m], 0, steps);
            model.etas.uploadAsync(model.etasHost, 4L * steps);
        }
        stepHost.buffer.putInt(0, fromStep).putInt(4, n);
        step.uploadAsync(stepHost, 8);
    }

    /**
     * Enqueues one step on the stream (recorded into a graph while capturing): per model,
     * {@code step_head} (the first model's also gathers the batch), then the update GEMM.
     */
    private void enqueueStep(Resident data, boolean shifts) {
        if (stepKernels == StepKernels.SEPARATE) {
            enqueueSeparateKernels(data, shifts);
            return;
        }
        boolean branches = stepKernels == StepKernels.BRANCHES;
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            boolean lastModel = i == models.size() - 1;
            kernels.stepHead(m.loss == Loss.SIGMOID, i > 0, data.u().ptr, order.ptr, flip.ptr,
                    shifts ? dx.ptr : DevicePtr.NULL, shifts ? dy.ptr : DevicePtr.NULL, step.ptr, batch, mean.ptr,
                    inv.ptr, x.ptr, m.w.ptr, classes, m.b.ptr, data.labels().ptr, m.etas.ptr, m.lambda, m.sg.ptr,
                    m.alpha.ptr, m.beta.ptr, sampleLoss.ptr, m.stepLoss.ptr, done.ptr, !branches, lastModel);
            if (branches) {
                // bias_step reads what step_head wrote, as the GEMM does; the next kernel waits for both.
                JCudaDriver.cuEventRecord(fork, gpu.stream());
                JCudaDriver.cuStreamWaitEvent(side, fork, 0);
                kernels.biasStep(side, m.sg.ptr, m.b.ptr, m.alpha.ptr, sampleLoss.ptr, step.ptr, batch, classes,
                        m.stepLoss.ptr, lastModel);
                JCudaDriver.cuEventRecord(join, side);
            }
            blas.sgemm(false, true, d, classes, batch, m.alpha.ptr, x.ptr, d, m.sg.ptr, classes, m.beta.ptr, m.w.ptr, d);
            if (branches) {
                JCudaDriver.cuStreamWaitEvent(gpu.stream(), join, 0);
            }
        }
    }

    /** {@link #enqueueStep} with the kernels one by one: the gather, then per model S = X Wᵀ, activate, the update GEMM, bias_step. */
    private void enqueueSeparateKernels(Resident data, boolean shifts) {
        kernels.gather(data.u().ptr, order.ptr, flip.ptr, shifts ? dx.ptr : DevicePtr.NULL,
                shifts ? dy.ptr : DevicePtr.NULL, step.ptr, batch, mean.ptr, inv.ptr, x.ptr);
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            blas.sgemm(true, false, classes, batch, d, one.ptr, m.w.ptr, d, x.ptr, d, zero.ptr, m.sg.ptr, classes);
            kernels.activate(m.loss == Loss.SIGMOID, m.sg.ptr, m.b.ptr, data.labels().ptr, order.ptr, step.ptr, batch,
                    classes, m.etas.ptr, m.lambda, m.alpha.ptr, m.beta.ptr, sampleLoss.ptr);
            blas.sgemm(false, true, d, classes, batch, m.alpha.ptr, x.ptr, d, m.sg.ptr, classes, m.beta.ptr, m.w.ptr, d);
            kernels.biasStep(m.sg.ptr, m.b.ptr, m.alpha.ptr, sampleLoss.ptr, step.ptr, batch, classes, m.stepLoss.ptr,
                    i == models.size() - 1);
        }
    }

    /**
     * Where a step's time goes: each kernel of a step, and a whole step as training runs it, on
     * the first model and the first steps of {@code plan}, in µs. A kernel is captured {@code
     * repeats} times into one CUDA graph and the graph's replay timed with events, so that the time
     * includes what a kernel costs in a graph besides its own work; the whole step is a replay of a
     * graph of {@link #CHUNK} steps. Moves the weights (the steps are real ones).
     */
    public Map<String, Double> kernelTimes(EpochPlan plan, int repeats) {
        gpu.makeCurrent();
        try {
            int n = plan.size();
            int steps = plan.steps(batch);
            Resident data = resident(plan.data());
            ensureCapacity(n, steps);
            float[][] etas = new float[models.size()][steps];
            for (float[] e : etas) {
                java.util.Arrays.fill(e, 1e-4f);
            }
            stage(plan, etas, 0, steps);
            boolean shifts = plan.dx() != null;
            DevicePtr dxp = shifts ? dx.ptr : DevicePtr.NULL;
            DevicePtr dyp = shifts ? dy.ptr : DevicePtr.NULL;
            Model m = models.getFirst();
            boolean sigmoid = m.loss == Loss.SIGMOID;
            Map<String, Runnable> launches = new java.util.LinkedHashMap<>();
            launches.put("step_head", () -> kernels.stepHead(sigmoid, false, data.u().ptr, order.ptr, flip.ptr, dxp, dyp,
                    step.ptr, batch, mean.ptr, inv.ptr, x.ptr, m.w.ptr, classes, m.b.ptr, data.labels().ptr, m.etas.ptr,
                    m.lambda, m.sg.ptr, m.alpha.ptr, m.beta.ptr, sampleLoss.ptr, m.stepLoss.ptr, done.ptr, true, false));
            launches.put("step_head without its bias", () -> kernels.stepHead(sigmoid, false, data.u().ptr, order.ptr,
                    flip.ptr, dxp, dyp, step.ptr, batch, mean.ptr, inv.ptr, x.ptr, m.w.ptr, classes, m.b.ptr,
                    data.labels().ptr, m.etas.ptr, m.lambda, m.sg.ptr, m.alpha.ptr, m.beta.ptr, sampleLoss.ptr,
                    m.stepLoss.ptr, done.ptr, false, false));
            launches.put("update GEMM", () -> blas.sgemm(false, true, d, classes, batch, m.alpha.ptr, x.ptr, d, m.sg.ptr,
                    classes, m.beta.ptr, m.w.ptr, d));
            launches.put("gather", () -> kernels.gather(data.u().ptr, order.ptr, flip.ptr, dxp, dyp, step.ptr, batch,
                    mean.ptr, inv.ptr, x.ptr));
            launches.put("S GEMM", () -> blas.sgemm(true, false, classes, batch, d, one.ptr, m.w.ptr, d, x.ptr, d,
                    zero.ptr, m.sg.ptr, classes));
            launches.put("activate", () -> kernels.activate(sigmoid, m.sg.ptr, m.b.ptr, data.labels().ptr, order.ptr,
                    step.ptr, batch, classes, m.etas.ptr, m.lambda, m.alpha.ptr, m.beta.ptr, sampleLoss.ptr));
            launches.put("bias_step", () -> kernels.biasStep(m.sg.ptr, m.b.ptr, m.alpha.ptr, sampleLoss.ptr, step.ptr,
                    batch, classes, m.stepLoss.ptr, false));
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Runnable> e : launches.entrySet()) {
                out.put(e.getKey(), replayMicros(e.getValue(), repeats) / repeats);
            }
            if (graphs && steps >= 2 * CHUNK) {
                Captured graph = graphs(data, shifts);
                if (graph != null) {
                    stepHost.buffer.putInt(0, 0).putInt(4, n);
                    step.uploadAsync(stepHost, 8);
                    out.put("a whole step", replayMicros(graph.chunk()) / CHUNK);
                }
            }
            gpu.synchronize();
            return out;
        } catch (CudaException e) {
            throw gpu.failure("timing the kernels", e);
        }
    }

    /** Captures {@code repeats} launches into a graph and returns the µs of its second replay. */
    private double replayMicros(Runnable launch, int repeats) {
        CUgraph graph = new CUgraph();
        JCudaDriver.cuStreamBeginCapture(gpu.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        try {
            for (int r = 0; r < repeats; r++) {
                launch.run();
            }
        } finally {
            JCudaDriver.cuStreamEndCapture(gpu.stream(), graph);
        }
        CUgraphExec exec = new CUgraphExec();
        try {
            JCudaDriver.cuGraphInstantiate(exec, graph, 0);
            return replayMicros(exec);
        } finally {
            JCudaDriver.cuGraphExecDestroy(exec);
            JCudaDriver.cuGraphDestroy(graph);
        }
    }

    /** µs of the second of two replays of a graph, timed with events. */
    private double replayMicros(CUgraphExec exec) {
        CUevent start = gpu.event(true);
        CUevent end = gpu.event(true);
        JCudaDriver.cuGraphLaunch(exec, gpu.stream());
        JCudaDriver.cuEventRecord(start, gpu.stream());
        JCudaDriver.cuGraphLaunch(exec, gpu.stream());
        JCudaDriver.cuEventRecord(end, gpu.stream());
        JCudaDriver.cuEventSynchronize(end);
        float[] ms = new float[1];
        JCudaDriver.cuEventElapsedTime(ms, start, end);
        return 1000.0 * ms[0];
    }

    /** The captured graphs for this data set and plan kind, capturing them when needed; null when capture fails. */
    private Captured graphs(Resident data, boolean shifts) {
        if (graphProblem != null) {
            return null;
        }
        if (captured != null && captured.data() == data && captured.shifts() == shifts) {
            return captured;
        }
        dropGraphs();
        CUgraphExec chunk = null;
        try {
            chunk = capture(data, shifts, CHUNK);
            CUgraphExec single = capture(data, shifts, 1);
            captured = new Captured(data, shifts, chunk, single);
            return captured;
        } catch (CudaException | GpuException e) {
            graphProblem = "capture failed: " + e.getMessage();
            if (chunk != null) {
                JCudaDriver.cuGraphExecDestroy(chunk);
            }
            return null;
        }
    }

    /** Records {@code steps} steps into an instantiated graph; the stream is out of capture mode afterwards, whatever happens. */
    private CUgraphExec capture(Resident data, boolean shifts, int steps) {
        CUgraph graph = new CUgraph();
        JCudaDriver.cuStreamBeginCapture(gpu.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        RuntimeException failure = null;
        try {
            for (int s = 0; s < steps; s++) {
                enqueueStep(data, shifts);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            JCudaDriver.cuStreamEndCapture(gpu.stream(), graph);
        } catch (CudaException e) {
            throw failure != null ? failure : e;
        }
        try {
            if (failure != null) {
                throw failure;
            }
            CUgraphExec exec = new CUgraphExec();
            JCudaDriver.cuGraphInstantiate(exec, graph, 0);
            return exec;
        } finally {
            JCudaDriver.cuGraphDestroy(graph);
        }
    }

    private void dropGraphs() {
        if (captured != null) {
            JCudaDriver.cuGraphExecDestroy(captured.chunk());
            JCudaDriver.cuGraphExecDestroy(captured.single());
            captured = null;
        }
    }

    /** Grows the per-epoch buffers to hold {@code n} positions and {@code steps} steps. */
    private void ensureCapacity(int n, int steps) {
        if (n <= capacity && steps <= stepCapacity) {
            return;
        }
        gpu.synchronize();
        dropGraphs();
        for (GpuContext.Buffer b : new GpuContext.Buffer[] {order, flip, dx, dy}) {
            if (b != null) {
                b.close();
            }
        }
        if (planHost != null) {
            planHost.close();
        }
        capacity = n;
        stepCapacity = steps;
        order = gpu.allocate(4L * n, "the epoch's order");
        flip = gpu.allocate(n, "the epoch's flips");
        dx = gpu.allocate(n, "the epoch's shifts");
        dy = gpu.allocate(n, "the epoch's shifts");
        planHost = gpu.allocateHost(7L * n, "the epoch's plan");
        for (Model m : models) {
            for (AutoCloseable c : new AutoCloseable[] {m.etas, m.stepLoss, m.etasHost, m.lossHost}) {
                if (c instanceof GpuContext.Buffer b) {
                    b.close();
                } else if (c instanceof GpuContext.HostBuffer h) {
                    h.close();
                }
            }
            m.etas = gpu.allocate(4L * steps, "the learning rates");
            m.stepLoss = gpu.allocate(8L * steps, "the step losses");
            m.etasHost = gpu.allocateHost(4L * steps, "the learning rates");
            m.lossHost = gpu.allocateHost(8L * steps, "the step losses");
        }
    }

    /** The data set's images and labels on the GPU, uploaded on first use. */
    private Resident resident(Dataset data) {
        Resident r = resident.get(data);
        if (r != null) {
            return r;
        }
        long bytes = (long) data.size() * d;
        if (bytes > Integer.MAX_VALUE) {
            throw new GpuException("the GPU backend holds at most " + Integer.MAX_VALUE / d + " images, not " + data.size());
        }
        GpuContext.Buffer u = gpu.allocate(bytes, String.format(java.util.Locale.ROOT, "%d images", data.size()));
        try (GpuContext.HostBuffer staging = gpu.allocateHost(bytes, "uploading the images")) {
            staging.buffer.put(0, data.centeredPixels(), 0, (int) bytes);
            u.upload(staging.pointer, bytes);
        }
        GpuContext.Buffer labels = gpu.allocate(4L * data.size(), "the labels");
        labels.upload(Pointer.to(data.labels()), 4L * data.size());
        r = new Resident(u, labels);
        resident.put(data, r);
        return r;
    }

    @Override
    public List<Evaluation> evaluate(Subset subset) {
        gpu.makeCurrent();
        try {
            return evaluateOn(subset);
        } catch (CudaException e) {
            throw gpu.failure("evaluating", e);
        }
    }

    private List<Evaluation> evaluateOn(Subset subset) {
        int n = subset.size();
        int count = models.size();
        if (n == 0) {
            List<Evaluation> none = new ArrayList<>();
            for (int mi = 0; mi < count; mi++) {
                none.add(new Evaluation(0, 0, 0, new long[classes * classes], new float[0], new int[0], new int[0]));
            }
            return none;
        }
        int[] subsetRows = subset.rows();
        int[] labels = subset.data().labels();
        Resident data = resident(subset.data());
        if (n > evalCapacity) {
            if (evalOrder != null) {
                evalOrder.close();
            }
            evalCapacity = n;
            evalOrder = gpu.allocate(4L * n, "the evaluation order");
        }
        evalOrder.upload(Pointer.to(subsetRows), 4L * n);
        double[][] losses = new double[count][n];
        int[][] predictedClass = new int[count][n];
        float[][] probability = new float[count][n];
        ByteBuffer host = evalHost.buffer;
        for (int chunk = 0; chunk * EVAL_ROWS < n; chunk++) {
            int first = chunk * EVAL_ROWS;
            int m = Math.min(EVAL_ROWS, n - first);
            host.putInt(0, chunk).putInt(4, n);
            JCudaDriver.cuMemcpyHtoDAsync(evalStep.ptr, evalHost.pointer, 8, gpu.stream());
            kernels.gather(data.u().ptr, evalOrder.ptr, DevicePtr.NULL, DevicePtr.NULL, DevicePtr.NULL, evalStep.ptr,
                    EVAL_ROWS, mean.ptr, inv.ptr, x.ptr);
            for (int mi = 0; mi < count; mi++) {
                Model model = models.get(mi);
                blas.sgemm(true, false, classes, EVAL_ROWS, d, one.ptr, model.w.ptr, d, x.ptr, d, zero.ptr,
                        model.sg.ptr, classes);
                kernels.evaluate(model.loss == Loss.SIGMOID, model.sg.ptr, model.b.ptr, data.labels().ptr,
                        evalOrder.ptr, evalStep.ptr, EVAL_ROWS, classes, sampleLoss.ptr, predicted.ptr, trueProb.ptr);
                // The host buffer's first 8 bytes hold the counter until the gather has read it.
                long at = 16;
                JCudaDriver.cuMemcpyDtoHAsync(evalHost.pointer.withByteOffset(at), sampleLoss.ptr, 8L * m, gpu.stream());
                JCudaDriver.cuMemcpyDtoHAsync(evalHost.pointer.withByteOffset(at + 8L * m), predicted.ptr, 4L * m,
                        gpu.stream());
                JCudaDriver.cuMemcpyDtoHAsync(evalHost.pointer.withByteOffset(at + 12L * m), trueProb.ptr, 4L * m,
                        gpu.stream());
                gpu.synchronize();
                for (int i = 0; i < m; i++) {
                    losses[mi][first + i] = host.getDouble((int) at + 8 * i);
                    predictedClass[mi][first + i] = host.getInt((int) (at + 8L * m) + 4 * i);
                    probability[mi][first + i] = host.getFloat((int) (at + 12L * m) + 4 * i);
                }
            }
        }
        List<Evaluation> out = new ArrayList<>();
        int[] subsetLabels = new int[n];
        for (int i = 0; i < n; i++) {
            subsetLabels[i] = labels[subsetRows[i]];
        }
        for (int mi = 0; mi < count; mi++) {
            double lossSum = 0;
            int correct = 0;
            long[] confusion = new long[classes * classes];
            for (int i = 0; i < n; i++) {
                int y = subsetLabels[i];
                lossSum += losses[mi][i];
                if (predictedClass[mi][i] == y) {
                    correct++;
                }
                confusion[y * classes + predictedClass[mi][i]]++;
            }
            out.add(new Evaluation(n, lossSum, correct, confusion, probability[mi], predictedClass[mi], subsetLabels));
        }
        return out;
    }

    @Override
    public LinearModel snapshot(int index) {
        gpu.makeCurrent();
        Model model = models.get(index);
        float[] w = new float[classes * d];
        float[] b = new float[classes];
        try {
            gpu.synchronize();
            model.w.download(Pointer.to(w), 4L * classes * d);
            model.b.download(Pointer.to(b), 4L * classes);
        } catch (CudaException e) {
            throw gpu.failure("reading the weights", e);
        }
        return new LinearModel(model.loss, model.template.classNames(), model.template.stats(), w, b);
    }

    @Override
    public void close() {
        try {
            gpu.makeCurrent();
            dropGraphs();
        } catch (CudaException ignored) {
            // the context release frees the graphs too
        }
        gpu.close();
    }
}
