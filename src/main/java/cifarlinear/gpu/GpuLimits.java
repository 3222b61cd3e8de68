package cifarlinear.gpu;

import cifarlinear.perf.Limits;
import jcuda.CudaException;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

import java.util.Locale;

/**
 * GPU 0's limits, measured: the float rate of a kernel of independent FMA chains on every SM, and
 * the memory bandwidth of a device-to-device copy far larger than the L2 cache (bytes read plus
 * bytes written per second). Best of several tries, timed with CUDA events.
 */
public final class GpuLimits {
    private GpuLimits() {
    }

    public static Limits measure() {
        try (GpuContext gpu = new GpuContext()) {
            Kernels kernels = new Kernels(gpu);
            int blocks = gpu.device().multiprocessors() * 16;
            int iterations = 20_000;
            GpuContext.Buffer out = gpu.allocate(4L * blocks * 256, "the FMA results");
            CUevent start = gpu.event(true);
            CUevent end = gpu.event(true);
            double flops = 0;
            for (int t = 0; t < 4; t++) {
                JCudaDriver.cuEventRecord(start, gpu.stream());
                kernels.fmaPeak(out.ptr, blocks, iterations);
                JCudaDriver.cuEventRecord(end, gpu.stream());
                flops = Math.max(flops, 2.0 * 8 * iterations * blocks * 256 / seconds(start, end));
            }
            long bytes = Math.min(1L << 30, gpu.freeMemory() / 4);
            GpuContext.Buffer from = gpu.allocate(bytes, "the copy test");
            GpuContext.Buffer to = gpu.allocate(bytes, "the copy test");
            double bandwidth = 0;
            for (int t = 0; t < 4; t++) {
                JCudaDriver.cuEventRecord(start, gpu.stream());
                JCudaDriver.cuMemcpyDtoDAsync(to.ptr, from.ptr, bytes, gpu.stream());
                JCudaDriver.cuEventRecord(end, gpu.stream());
                bandwidth = Math.max(bandwidth, 2.0 * bytes / seconds(start, end));
            }
            String name = gpu.device().name();
            return new Limits(name, flops / 1e9, bandwidth / 1e9, String.format(Locale.ROOT,
                    "%s: peak %.0f GFLOP/s (FMA kernel), memory %.0f GB/s (device copy)", name, flops / 1e9,
                    bandwidth / 1e9));
        } catch (CudaException e) {
            throw new GpuException("GPU error while measuring the GPU's limits: " + GpuContext.explain(e.getMessage()), e);
        }
    }

    private static double seconds(CUevent start, CUevent end) {
        JCudaDriver.cuEventSynchronize(end);
        float[] ms = new float[1];
        JCudaDriver.cuEventElapsedTime(ms, start, end);
        return ms[0] / 1e3;
    }
}
