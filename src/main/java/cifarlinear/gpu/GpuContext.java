package cifarlinear.gpu;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * GPU 0's primary context (shared with cuBLAS, which uses the same one) and one stream on it,
 * with the allocations made through it. Everything allocated here is freed by {@link #close}.
 * Every call must come from a thread on which {@link #makeCurrent} was called.
 */
final class GpuContext implements AutoCloseable {
    private final Cuda.Device device;
    private final CUdevice cuDevice = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final Stream stream = new Stream();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    /** A stream whose handle Java can read, for the cuBLAS binding through java.lang.foreign. */
    static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }

    GpuContext() {
        this.device = Cuda.require();
        try {
            JCudaDriver.cuDeviceGet(cuDevice, device.ordinal());
            JCudaDriver.cuDevicePrimaryCtxRetain(context, cuDevice);
        } catch (CudaException e) {
            throw failure("opening the device", e);
        }
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        } catch (CudaException e) {
            try {
                JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
            } catch (CudaException ignored) {
                // the first failure is the one to report
            }
            throw failure("opening the device", e);
        }
    }

    Cuda.Device device() {
        return device;
    }

    Stream stream() {
        return stream;
    }

    /** Makes the context current on the calling thread. */
    void makeCurrent() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Device memory, freed with the context (or earlier by {@link Buffer#close}). */
    Buffer allocate(long bytes, String what) {
        Buffer b = new Buffer(Math.max(bytes, 4), what);
        owned.add(b);
        return b;
    }

    /** Page-locked host memory, for copies that overlap computing. */
    HostBuffer allocateHost(long bytes, String what) {
        HostBuffer b = new HostBuffer(Math.max(bytes, 8), what);
        owned.add(b);
        return b;
    }

    /** Runs {@code release} when the context closes (before the context itself goes). */
    void onClose(AutoCloseable release) {
        owned.add(release);
    }

    /** Another non-blocking stream, destroyed with the context: work that may run beside the main stream's. */
    CUstream sideStream() {
        CUstream s = new CUstream();
        JCudaDriver.cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING);
        owned.add(() -> JCudaDriver.cuStreamDestroy(s));
        return s;
    }

    CUevent event(boolean timing) {
        CUevent e = new CUevent();
        JCudaDriver.cuEventCreate(e, timing ? CUevent_flags.CU_EVENT_DEFAULT : CUevent_flags.CU_EVENT_DISABLE_TIMING);
        owned.add(() -> JCudaDriver.cuEventDestroy(e));
        return e;
    }

    void synchronize() {
        JCudaDriver.cuStreamSynchronize(stream);
    }

    long freeMemory() {
        long[] free = new long[1];
        long[] total = new long[1];
        JCudaDriver.cuMemGetInfo(free, total);
        return free[0];
    }

    /** A one-line error for a failed CUDA call, naming what was being done. */
    GpuException failure(String doing, CudaException e) {
        return new GpuException("GPU error while " + doing + " on " + device.name() + ": " + explain(e.getMessage()), e);
    }

    static String explain(String cudaError) {
        String code = String.valueOf(cudaError).strip();
        String hint = switch (code) {
            case "CUDA_ERROR_OUT_OF_MEMORY" -> "out of GPU memory";
            case "CUDA_ERROR_LAUNCH_FAILED", "CUDA_ERROR_ILLEGAL_ADDRESS" -> "a kernel failed";
            case "CUDA_ERROR_NO_BINARY_FOR_GPU" -> "no kernel code for this GPU";
            case "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" -> "the driver is too old for the kernels (need 580 or newer)";
            case "CUDA_ERROR_ECC_UNCORRECTABLE", "CUDA_ERROR_HARDWARE_STACK_ERROR" -> "a hardware error";
            default -> null;
        };
        return hint == null ? code : hint + " (" + code + ")";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            makeCurrent();
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (CudaException ignored) {
            // a failed context still has to be released
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception ignored) {
                // freeing after a fault can fail; the context release below frees everything
            }
        }
        owned.clear();
        try {
            JCudaDriver.cuStreamDestroy(stream);
        } catch (CudaException ignored) {
            // as above
        }
        JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
    }

    /** Device memory. */
    final class Buffer implements AutoCloseable {
        final DevicePtr ptr = new DevicePtr();
        final long bytes;
        private boolean freed;

        private Buffer(long bytes, String what) {
            this.bytes = bytes;
            try {
                JCudaDriver.cuMemAlloc(ptr, bytes);
            } catch (CudaException e) {
                throw failure(String.format(Locale.ROOT, "allocating %.1f MB for %s (%.1f MB free)", bytes / 1e6,
                        what, freeMemory() / 1e6), e);
            }
        }

        /**
         * Copies host memory (a Java array, say) here and waits until it has landed: a copy from
         * pageable memory may return before its DMA ends, and the work runs on a non-blocking
         * stream that would not wait for it.
         */
        void upload(Pointer host, long length) {
            JCudaDriver.cuMemcpyHtoD(ptr, host, length);
            JCudaDriver.cuCtxSynchronize();
        }

        /** Sets every 32-bit word to 0, in stream order. */
        void clear() {
            JCudaDriver.cuMemsetD32Async(ptr, 0, bytes / 4, stream);
        }

        void uploadAsync(HostBuffer host, long length) {
            JCudaDriver.cuMemcpyHtoDAsync(ptr, host.pointer, length, stream);
        }

        /** Copies to host memory after the work queued on the stream before it (a device-to-host copy returns when done). */
        void download(Pointer host, long length) {
            JCudaDriver.cuStreamSynchronize(stream);
            JCudaDriver.cuMemcpyDtoH(host, ptr, length);
        }

        @Override
        public void close() {
            if (!freed) {
                freed = true;
                owned.remove(this);
                JCudaDriver.cuMemFree(ptr);
            }
        }
    }

    /** Page-locked host memory with a little-endian view. */
    final class HostBuffer implements AutoCloseable {
        final Pointer pointer = new Pointer();
        final long bytes;
        final ByteBuffer buffer;
        private boolean freed;

        private HostBuffer(long bytes, String what) {
            this.bytes = bytes;
            try {
                JCudaDriver.cuMemAllocHost(pointer, bytes);
            } catch (CudaException e) {
                throw failure(String.format(Locale.ROOT, "allocating %.1f MB of page-locked memory for %s",
                        bytes / 1e6, what), e);
            }
            buffer = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        }

        @Override
        public void close() {
            if (!freed) {
                freed = true;
                owned.remove(this);
                JCudaDriver.cuMemFreeHost(pointer);
            }
        }
    }
}
