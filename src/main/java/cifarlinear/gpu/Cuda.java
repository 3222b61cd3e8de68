package cifarlinear.gpu;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CUDA driver, through JCuda's driver API binding: whether a GPU is there that can run the
 * kernels, and what it is. Asked once per process ({@link #probe()}); a machine without the
 * driver gets a reason, never an exception.
 */
public final class Cuda {
    /** The driver API version the kernels need: they are compiled by CUDA 13.0 (driver 580 or newer). */
    static final int REQUIRED_DRIVER = 13000;
    /** The oldest GPU the kernels are compiled for: Turing (compute capability 7.5). */
    static final int MIN_CAPABILITY = 75;

    private static Probe probe;

    private Cuda() {
    }

    /** One GPU as the driver describes it. */
    public record Device(int ordinal, String name, long memoryBytes, int major, int minor, int multiprocessors) {
        public String capability() {
            return major + "." + minor;
        }

        /** Compute capability as one number, 90 for 9.0. */
        int capabilityNumber() {
            return major * 10 + minor;
        }

        public String describe() {
            return String.format(Locale.ROOT, "%s (%.1f GiB, compute capability %s, %d SMs)", name,
                    memoryBytes / (double) (1L << 30), capability(), multiprocessors);
        }
    }

    /**
     * What the driver said.
     *
     * @param problem       why no GPU can be used, or null when device 0 can
     * @param driverVersion the driver's CUDA version as the driver API numbers it (13000 for 13.0), 0 if unknown
     * @param devices       the GPUs found
     */
    public record Probe(String problem, int driverVersion, List<Device> devices) {
        public boolean usable() {
            return problem == null;
        }

        public String driverDescription() {
            return driverVersion == 0 ? "none" : "CUDA " + version(driverVersion);
        }
    }

    static String version(int v) {
        return v / 1000 + "." + v % 1000 / 10;
    }

    /** Looks for the driver and the GPUs once; later calls return the same answer. */
    public static synchronized Probe probe() {
        if (probe == null) {
            probe = look();
        }
        return probe;
    }

    /** Throws the probe's problem as a one-line error when there is no usable GPU. */
    static Device require() {
        Probe p = probe();
        if (!p.usable()) {
            throw new GpuException("no usable GPU: " + p.problem());
        }
        return p.devices().getFirst();
    }

    private static Probe look() {
        String missing = driverLibraryMissing();
        if (missing != null) {
            return new Probe(missing, 0, List.of());
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            return new Probe("the CUDA driver binding did not load: " + linkProblem(e), 0, List.of());
        }
        int[] version = new int[1];
        try {
            JCudaDriver.cuDriverGetVersion(version);
            JCudaDriver.cuInit(0);
        } catch (CudaException e) {
            String what = e.getMessage().contains("NO_DEVICE") ? "no NVIDIA GPU found by the driver"
                    : "the CUDA driver did not start (" + e.getMessage() + ")";
            return new Probe(what, version[0], List.of());
        }
        List<Device> devices = new ArrayList<>();
        try {
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            for (int i = 0; i < count[0]; i++) {
                devices.add(describe(i));
            }
        } catch (CudaException e) {
            return new Probe("the CUDA driver could not list the GPUs (" + e.getMessage() + ")", version[0], devices);
        }
        if (devices.isEmpty()) {
            return new Probe("no NVIDIA GPU found by the driver", version[0], devices);
        }
        if (version[0] < REQUIRED_DRIVER) {
            return new Probe("the NVIDIA driver supports CUDA " + version(version[0]) + " but the kernels need CUDA "
                    + version(REQUIRED_DRIVER) + " (driver 580 or newer): update the driver", version[0], devices);
        }
        Device first = devices.getFirst();
        if (first.capabilityNumber() < MIN_CAPABILITY) {
            return new Probe(first.name() + " has compute capability " + first.capability()
                    + "; the kernels need 7.5 (Turing) or newer", version[0], devices);
        }
        return new Probe(null, version[0], devices);
    }

    private static Device describe(int ordinal) {
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, ordinal);
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        long[] memory = new long[1];
        JCudaDriver.cuDeviceTotalMem(memory, device);
        return new Device(ordinal, new String(name, 0, end, java.nio.charset.StandardCharsets.UTF_8).strip(),
                memory[0], attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attribute, device);
        return v[0];
    }

    /** Why the NVIDIA driver library cannot be opened, or null when it can. */
    private static String driverLibraryMissing() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.contains("mac")) {
            return "macOS has no CUDA";
        }
        if (!x64 || !(os.contains("linux") || os.contains("windows"))) {
            return "the CUDA bindings exist for Linux and Windows on x86-64 only, not " + System.getProperty("os.name")
                    + " on " + arch;
        }
        String library = os.contains("windows") ? "nvcuda.dll" : "libcuda.so.1";
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return null;
        } catch (IllegalArgumentException e) {
            return "no NVIDIA driver (" + library + " not found)";
        }
    }

    private static final Pattern MISSING_LIBRARY = Pattern.compile("([\\w.+-]+): cannot open shared object file");

    /** The useful part of a native library loading failure, such as "libcublas.so.12 not found". */
    static String linkProblem(Throwable e) {
        String message = String.valueOf(e.getMessage());
        Matcher m = MISSING_LIBRARY.matcher(message);
        if (m.find()) {
            return m.group(1) + " not found";
        }
        int nl = message.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
