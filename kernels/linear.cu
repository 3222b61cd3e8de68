// The GPU backend's kernels: gather a batch, softmax or sigmoid with the gradient coefficients,
// the bias step, and evaluation. Built by native/build.sh into native/linear.fatbin, which the
// jar loads (cifarlinear.gpu.Kernels); both products are cuBLAS GEMMs (cifarlinear.gpu.GpuBackend).
//
// Shapes, row-major as the host sees them (cuBLAS, being column-major, sees each matrix as its
// transpose). D = 3072 features (3 channel planes of 32 x 32, CIFAR's order), K classes, B the
// batch buffer's rows, m <= B the samples of the current step:
//
//   u      int8   (N, D)   pixels minus 128 (the Dataset's centered bytes), resident
//   labels int32  (N)      class of each image
//   order  int32  (n)      dataset row of each position of the epoch (or of an evaluation)
//   flip   uint8  (n)      1 where that position is mirrored left-right; null: none
//   dx, dy int8   (n)      its shift right and down in pixels; null: none
//   mean   float  (D)      training mean minus 128
//   inv    float  (D)      1 / training standard deviation (1 where it is 0)
//   X      float  (B, D)   the gathered batch, sample-major; rows m..B-1 are zero
//   S      float  (B, K)   scores W x without the bias; overwritten in place with G
//   G      float  (B, K)   P - Y (softmax) or (P - Y) / K (sigmoid); rows m..B-1 are zero
//   W      float  (K, D)   weights (updated by cuBLAS), b float (K) bias
//   step   int32  (2)      {s, n}: the step being run and the number of positions; step s
//                          covers positions [s B, min(s B + B, n)), so m = min(B, n - s B)
//   alpha, beta float (1)  -eta / m and 1 - 2 eta lambda: the scalars of the update GEMM
//
// Everything a step needs that changes from step to step (s, eta) is read from device memory,
// so that one captured CUDA graph serves every step and every learning rate. Arithmetic that
// the CPU backend does in float is done here in float with explicit round-to-nearest operations,
// the per-sample losses and gradients in double, as there; nothing is contracted into FMAs
// (native/build.sh compiles with -fmad=false), but what the math library does inside exp and log.

#define SIDE 32
#define PLANE 1024
#define D 3072

// The number of real samples of the current step.
__device__ __forceinline__ int step_samples(const int* step, int batch) {
    return min(batch, step[1] - step[0] * batch);
}

// grid (B), block (256): block i writes row i of X. x[j] = normalized feature of the source
// image that lands on j: shift first (pixel (r, c) takes (r - dy, c - dx), 0 from outside),
// then the flip (column c of the unflipped image is column 31 - c), then (u - mean) * inv.
extern "C" __global__ void gather(const signed char* __restrict__ u, const int* __restrict__ order,
                                  const unsigned char* __restrict__ flip, const signed char* __restrict__ dx,
                                  const signed char* __restrict__ dy, const int* __restrict__ step, int batch,
                                  const float* __restrict__ mean, const float* __restrict__ inv,
                                  float* __restrict__ X) {
    int i = blockIdx.x;
    int m = step_samples(step, batch);
    float* xi = X + (size_t)i * D;
    if (i >= m) {
        for (int j = threadIdx.x; j < D; j += blockDim.x) {
            xi[j] = 0.0f;
        }
        return;
    }
    int p = step[0] * batch + i;
    const signed char* ui = u + (size_t)order[p] * D;
    bool mirrored = flip != nullptr && flip[p] != 0;
    int sx = dx != nullptr ? dx[p] : 0;
    int sy = dy != nullptr ? dy[p] : 0;
    for (int j = threadIdx.x; j < D; j += blockDim.x) {
        int r = j % PLANE / SIDE - sy;
        int c = j % SIDE - sx;
        float v = 0.0f;
        if (r >= 0 && r < SIDE && c >= 0 && c < SIDE) {
            int s = j / PLANE * PLANE + r * SIDE + (mirrored ? SIDE - 1 - c : c);
            v = __fmul_rn(__fsub_rn((float)ui[s], mean[s]), inv[s]);
        }
        xi[j] = v;
    }
}

__device__ __forceinline__ double softplus(double x) {
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

__device__ __forceinline__ double sigmoid(double x) {
    if (x >= 0) {
        return 1.0 / (1.0 + exp(-x));
    }
    double e = exp(x);
    return e / (1.0 + e);
}

// Loss of one sample with scores s_k = S[k] + b[k] (k < K) and true class y; when g is not
// null it receives dl/ds (softmax: p - y; sigmoid: (sigma(s) - y) / K). g may alias S.
__device__ double sample_loss(int sigmoidLoss, const float* S, const float* __restrict__ b, int K, int y, float* g) {
    if (!sigmoidLoss) {
        double max = -INFINITY;
        for (int k = 0; k < K; k++) {
            max = fmax(max, (double)__fadd_rn(S[k], b[k]));
        }
        double sum = 0;
        for (int k = 0; k < K; k++) {
            sum += exp((double)__fadd_rn(S[k], b[k]) - max);
        }
        double sy = (double)__fadd_rn(S[y], b[y]);
        if (g != nullptr) {
            for (int k = 0; k < K; k++) {
                g[k] = (float)(exp((double)__fadd_rn(S[k], b[k]) - max) / sum - (k == y ? 1.0 : 0.0));
            }
        }
        return log(sum) - (sy - max);
    }
    double loss = 0;
    for (int k = 0; k < K; k++) {
        double s = (double)__fadd_rn(S[k], b[k]);
        double yk = k == y ? 1.0 : 0.0;
        loss += softplus(s) - yk * s;
        if (g != nullptr) {
            g[k] = (float)((sigmoid(s) - yk) / K);
        }
    }
    return loss / K;
}

// grid (ceil(B / 128)), block (128): one thread per sample. Turns the step's scores S into
// the gradient coefficients G in place and writes each sample's loss (0 for padding rows);
// thread 0 writes alpha = -eta / m and beta = 1 - 2 eta lambda with eta = etas[s].
extern "C" __global__ void activate(int sigmoidLoss, float* SG, const float* __restrict__ b,
                                    const int* __restrict__ labels, const int* __restrict__ order,
                                    const int* __restrict__ step, int batch, int K, const float* __restrict__ etas,
                                    float lambda, float* __restrict__ alpha, float* __restrict__ beta,
                                    double* __restrict__ sampleLoss) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int m = step_samples(step, batch);
    if (i == 0) {
        float eta = etas[step[0]];
        *alpha = __fdiv_rn(-eta, (float)m);
        *beta = __fsub_rn(1.0f, __fmul_rn(__fmul_rn(2.0f, eta), lambda));
    }
    if (i >= batch) {
        return;
    }
    float* g = SG + (size_t)i * K;
    if (i >= m) {
        for (int k = 0; k < K; k++) {
            g[k] = 0.0f;
        }
        sampleLoss[i] = 0;
        return;
    }
    int y = labels[order[step[0] * batch + i]];
    sampleLoss[i] = sample_loss(sigmoidLoss, g, b, K, y, g);
}

#define BIAS_THREADS 256

// grid (1), block (BIAS_THREADS). b[k] += alpha * sum_i G[i][k] (sums in double over the step's
// samples in a fixed order), stepLoss[s] = sum of the step's sample losses; then, when advance
// is set (the last model of the step), the step counter moves on.
extern "C" __global__ void bias_step(const float* __restrict__ G, float* __restrict__ b,
                                     const float* __restrict__ alpha, const double* __restrict__ sampleLoss,
                                     int* step, int batch, int K, double* __restrict__ stepLoss, int advance) {
    __shared__ double partial[BIAS_THREADS];
    int s = step[0];
    int m = step_samples(step, batch);
    int lane = threadIdx.x % 32;
    int warp = threadIdx.x / 32;
    int warps = blockDim.x / 32;
    for (int k = warp; k < K; k += warps) {
        double sum = 0;
        for (int i = lane; i < m; i += 32) {
            sum += G[(size_t)i * K + k];
        }
        for (int o = 16; o > 0; o /= 2) {
            sum += __shfl_down_sync(0xffffffffu, sum, o);
        }
        if (lane == 0) {
            b[k] = (float)((double)b[k] + (double)*alpha * sum);
        }
    }
    double loss = 0;
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        loss += sampleLoss[i];
    }
    partial[threadIdx.x] = loss;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            partial[threadIdx.x] += partial[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        stepLoss[s] = partial[0];
        if (advance) {
            step[0] = s + 1;
        }
    }
}

// grid (ceil(B / 128)), block (128): for each of the chunk's samples, its loss, predicted class
// (the largest score, the lowest index among ties) and the probability given to its true class.
extern "C" __global__ void evaluate(int sigmoidLoss, const float* __restrict__ S, const float* __restrict__ b,
                                    const int* __restrict__ labels, const int* __restrict__ order,
                                    const int* __restrict__ step, int batch, int K, double* __restrict__ sampleLoss,
                                    int* __restrict__ predicted, float* __restrict__ trueProb) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= step_samples(step, batch)) {
        return;
    }
    const float* si = S + (size_t)i * K;
    int y = labels[order[step[0] * batch + i]];
    double loss = sample_loss(sigmoidLoss, si, b, K, y, nullptr);
    int best = 0;
    double bestScore = (double)__fadd_rn(si[0], b[0]);
    for (int k = 1; k < K; k++) {
        double v = (double)__fadd_rn(si[k], b[k]);
        if (v > bestScore) {
            best = k;
            bestScore = v;
        }
    }
    sampleLoss[i] = loss;
    predicted[i] = best;
    trueProb[i] = (float)(sigmoidLoss ? sigmoid((double)__fadd_rn(si[y], b[y])) : exp(-loss));
}

// grid (any), block (256): eight independent chains of `iterations` fused multiply-adds per
// thread, for measuring the GPU's peak float rate (2 * 8 * iterations FLOP per thread). The
// result is stored so that the compiler keeps the arithmetic.
extern "C" __global__ void fma_peak(float* out, int iterations, float a, float c) {
    float v0 = threadIdx.x, v1 = v0 + 1, v2 = v0 + 2, v3 = v0 + 3, v4 = v0 + 4, v5 = v0 + 5, v6 = v0 + 6, v7 = v0 + 7;
    for (int i = 0; i < iterations; i++) {
        v0 = fmaf(v0, a, c); v1 = fmaf(v1, a, c); v2 = fmaf(v2, a, c); v3 = fmaf(v3, a, c);
        v4 = fmaf(v4, a, c); v5 = fmaf(v5, a, c); v6 = fmaf(v6, a, c); v7 = fmaf(v7, a, c);
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7;
}

#define HEAD_THREADS 256
#define HEAD_CLASSES 10

// The loss of one sample and dl/ds into g, as sample_loss, with the classes spread over the lanes
// of one warp (k = lane, lane + 32, ...): sums and maxima are warp reductions, so their order
// differs from sample_loss's. Returns the loss in every lane.
__device__ double warp_sample_loss(int sigmoidLoss, const float* scores, const float* __restrict__ b, int K, int y,
                                   float* g) {
    int lane = threadIdx.x % 32;
    if (!sigmoidLoss) {
        double max = -INFINITY;
        for (int k = lane; k < K; k += 32) {
            max = fmax(max, (double)__fadd_rn(scores[k], b[k]));
        }
        for (int o = 16; o > 0; o /= 2) {
            max = fmax(max, __shfl_xor_sync(0xffffffffu, max, o));
        }
        double sum = 0;
        for (int k = lane; k < K; k += 32) {
            sum += exp((double)__fadd_rn(scores[k], b[k]) - max);
        }
        for (int o = 16; o > 0; o /= 2) {
            sum += __shfl_xor_sync(0xffffffffu, sum, o);
        }
        for (int k = lane; k < K; k += 32) {
            g[k] = (float)(exp((double)__fadd_rn(scores[k], b[k]) - max) / sum - (k == y ? 1.0 : 0.0));
        }
        return log(sum) - ((double)__fadd_rn(scores[y], b[y]) - max);
    }
    double loss = 0;
    for (int k = lane; k < K; k += 32) {
        double s = (double)__fadd_rn(scores[k], b[k]);
        double yk = k == y ? 1.0 : 0.0;
        loss += softplus(s) - yk * s;
        g[k] = (float)((sigmoid(s) - yk) / K);
    }
    for (int o = 16; o > 0; o /= 2) {
        loss += __shfl_xor_sync(0xffffffffu, loss, o);
    }
    return loss / K;
}

// grid (B), block (HEAD_THREADS: its loops assume it), dynamic shared memory (D + K) floats: a whole step before the
// update GEMM, in one launch. Block i takes row i of the batch:
//   - X row i as gather writes it (gathered = 0), or read back from X (gathered = 1: a model
//     after the first, on the batch the first one gathered);
//   - its scores s_k = W_k · x (float sums: each thread over its 12 features for ten classes at a
//     time, then the block's);
//   - as activate, on one warp: G row i = dl/ds and the sample's loss (padding rows: zeros), and block 0
//     writes alpha = -eta / m and beta = 1 - 2 eta lambda.
// With reduce set, the last block to finish (counted in *done, which it sets back to 0) then does
// what bias_step does: b += alpha * sum_i G[i] and stepLoss[s] in the same order, and moves the
// step counter on when advance is set. Every block reads b before it is counted, so none sees the
// new b. Without it, bias_step does that after this kernel (advance is then not used).
extern "C" __global__ void step_head(int sigmoidLoss, int gathered, const signed char* __restrict__ u,
                                     const int* __restrict__ order, const unsigned char* __restrict__ flip,
                                     const signed char* __restrict__ dx, const signed char* __restrict__ dy, int* step,
                                     int batch, const float* __restrict__ mean, const float* __restrict__ inv, float* X,
                                     const float* __restrict__ W, int K, float* b, const int* __restrict__ labels,
                                     const float* __restrict__ etas, float lambda, float* G, float* alpha,
                                     float* beta, double* sampleLoss, double* stepLoss, unsigned int* done,
                                     int reduce, int advance) {
    extern __shared__ float head[];
    float* xs = head;        // D
    float* scores = head + D; // K
    __shared__ double partial[HEAD_THREADS];
    __shared__ float warpSums[HEAD_THREADS / 32][HEAD_CLASSES];
    __shared__ bool last;
    int i = blockIdx.x;
    int s = step[0];
    int m = step_samples(step, batch);
    float* xi = X + (size_t)i * D;
    float* gi = G + (size_t)i * K;
    if (i == 0 && threadIdx.x == 0) {
        float eta = etas[s];
        *alpha = __fdiv_rn(-eta, (float)m);
        *beta = __fsub_rn(1.0f, __fmul_rn(__fmul_rn(2.0f, eta), lambda));
    }
    if (i >= m) {
        for (int j = threadIdx.x; j < D; j += blockDim.x) {
            if (!gathered) {
                xi[j] = 0.0f;
            }
        }
        for (int k = threadIdx.x; k < K; k += blockDim.x) {
            gi[k] = 0.0f;
        }
        if (threadIdx.x == 0) {
            sampleLoss[i] = 0;
        }
    } else {
        // The label is read now, so that its two dependent loads are done when the loss needs it.
        int row = order[s * batch + i];
        int y = labels[row];
        if (gathered) {
#pragma unroll
            for (int j = threadIdx.x; j < D; j += HEAD_THREADS) {
                xs[j] = xi[j];
            }
        } else {
            int p = s * batch + i;
            const signed char* ui = u + (size_t)row * D;
            bool mirrored = flip != nullptr && flip[p] != 0;
            int sx = dx != nullptr ? dx[p] : 0;
            int sy = dy != nullptr ? dy[p] : 0;
#pragma unroll
            for (int j = threadIdx.x; j < D; j += HEAD_THREADS) {
                int r = j % PLANE / SIDE - sy;
                int c = j % SIDE - sx;
                float v = 0.0f;
                if (r >= 0 && r < SIDE && c >= 0 && c < SIDE) {
                    int src = j / PLANE * PLANE + r * SIDE + (mirrored ? SIDE - 1 - c : c);
                    v = __fmul_rn(__fsub_rn((float)ui[src], mean[src]), inv[src]);
                }
                xs[j] = v;
                xi[j] = v;
            }
        }
        __syncthreads();
        int lane = threadIdx.x % 32;
        int warp = threadIdx.x / 32;
        for (int k0 = 0; k0 < K; k0 += HEAD_CLASSES) {
            float acc[HEAD_CLASSES];
#pragma unroll
            for (int c = 0; c < HEAD_CLASSES; c++) {
                acc[c] = 0.0f;
            }
#pragma unroll
            for (int j = threadIdx.x; j < D; j += HEAD_THREADS) {
                float v = xs[j];
#pragma unroll
                for (int c = 0; c < HEAD_CLASSES; c++) {
                    if (k0 + c < K) {
                        acc[c] = __fmaf_rn(W[(size_t)(k0 + c) * D + j], v, acc[c]);
                    }
                }
            }
#pragma unroll
            for (int c = 0; c < HEAD_CLASSES; c++) {
                float v = acc[c];
                for (int o = 16; o > 0; o /= 2) {
                    v += __shfl_down_sync(0xffffffffu, v, o);
                }
                if (lane == 0) {
                    warpSums[warp][c] = v;
                }
            }
            __syncthreads();
            if (threadIdx.x < HEAD_CLASSES && k0 + threadIdx.x < K) {
                float v = 0.0f;
                for (int w = 0; w < HEAD_THREADS / 32; w++) {
                    v += warpSums[w][threadIdx.x];
                }
                scores[k0 + threadIdx.x] = v;
            }
            __syncthreads();
        }
        if (warp == 0) {
            double loss = warp_sample_loss(sigmoidLoss, scores, b, K, y, gi);
            if (lane == 0) {
                sampleLoss[i] = loss;
            }
        }
    }
    if (!reduce) {
        return;
    }
    // Count this block in once its writes are visible to the others; the last one goes on.
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(done, 1u) == gridDim.x - 1;
    }
    __syncthreads();
    if (!last) {
        return;
    }
    __threadfence();
    int lane = threadIdx.x % 32;
    int warp = threadIdx.x / 32;
    int warps = blockDim.x / 32;
    double a = (double)__ldcg(alpha);
    for (int k = warp; k < K; k += warps) {
        // The rows in the order of bias_step, four loads at a time before their additions.
        double sum = 0;
        int r = lane;
        for (; r + 96 < m; r += 128) {
            float g0 = __ldcg(G + (size_t)r * K + k);
            float g1 = __ldcg(G + (size_t)(r + 32) * K + k);
            float g2 = __ldcg(G + (size_t)(r + 64) * K + k);
            float g3 = __ldcg(G + (size_t)(r + 96) * K + k);
            sum += g0;
            sum += g1;
            sum += g2;
            sum += g3;
        }
        for (; r < m; r += 32) {
            sum += __ldcg(G + (size_t)r * K + k);
        }
        for (int o = 16; o > 0; o /= 2) {
            sum += __shfl_down_sync(0xffffffffu, sum, o);
        }
        if (lane == 0) {
            b[k] = (float)((double)b[k] + a * sum);
        }
    }
    double loss = 0;
    for (int r = threadIdx.x; r < m; r += blockDim.x) {
        loss += __ldcg(sampleLoss + r);
    }
    partial[threadIdx.x] = loss;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            partial[threadIdx.x] += partial[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        stepLoss[s] = partial[0];
        *done = 0;
        if (advance) {
            step[0] = s + 1;
        }
    }
}
