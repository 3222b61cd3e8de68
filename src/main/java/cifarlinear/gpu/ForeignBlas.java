package cifarlinear.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The installed cuBLAS (13, else 12) called directly through java.lang.foreign, for machines
 * where JCublas's native library cannot load (it is linked against cuBLAS 12). The library is
 * the file named by {@value #CUBLAS_ENV} when set, else looked up by name (LD_LIBRARY_PATH and
 * the linker cache), then in the usual CUDA install folders.
 */
final class ForeignBlas implements Blas {
    private static final int POINTER_MODE_DEVICE = 1;
    /** A cuBLAS library to use before any other, as a path. */
    static final String CUBLAS_ENV = "CIFAR_LINEAR_CUBLAS";
    private static final String[] NAMES_LINUX = {"libcublas.so.13", "libcublas.so.12"};
    private static final String[] NAMES_WINDOWS = {"cublas64_13.dll", "cublas64_12.dll"};

    private static Library library;
    private static GpuException missing;

    private final String name;
    private final MethodHandle sgemm;
    private final MethodHandle destroy;
    private final MemorySegment handle;
    private final String version;

    ForeignBlas(GpuContext gpu, DevicePtr workspace) {
        Library found = loaded();
        name = found.name();
        SymbolLookup lookup = found.lookup();
        Linker linker = Linker.nativeLinker();
        MemorySegment created = null;
        MethodHandle destroyHandle = null;
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle create = function(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            MethodHandle setStream = function(linker, lookup, "cublasSetStream_v2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            MethodHandle setPointerMode = function(linker, lookup, "cublasSetPointerMode_v2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            MethodHandle setWorkspace = function(linker, lookup, "cublasSetWorkspace_v2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
            MethodHandle getVersion = function(linker, lookup, "cublasGetVersion_v2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            destroyHandle = function(linker, lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            sgemm = function(linker, lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                    ADDRESS, JAVA_INT));
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate");
            created = out.get(ADDRESS, 0);
            check((int) setStream.invokeExact(created, MemorySegment.ofAddress(gpu.stream().address())),
                    "cublasSetStream");
            check((int) setPointerMode.invokeExact(created, POINTER_MODE_DEVICE), "cublasSetPointerMode");
            check((int) setWorkspace.invokeExact(created, MemorySegment.ofAddress(workspace.address()), WORKSPACE),
                    "cublasSetWorkspace");
            MemorySegment v = arena.allocate(JAVA_INT);
            check((int) getVersion.invokeExact(created, v), "cublasGetVersion");
            int n = v.get(JAVA_INT, 0);
            version = n / 10000 + "." + n / 100 % 100 + "." + n % 100;
        } catch (Throwable e) {
            if (created != null && destroyHandle != null) {
                try {
                    int ignored = (int) destroyHandle.invokeExact(created);
                } catch (Throwable ignored) {
                    // the first failure is the one to report
                }
            }
            if (e instanceof GpuException g) {
                throw g;
            }
            throw new GpuException("could not call " + name + ": " + e, e);
        }
        handle = created;
        destroy = destroyHandle;
    }

    /** The library, opened on first use and kept for the life of the process (unloading CUDA libraries is not safe). */
    private static synchronized Library loaded() {
        if (library == null && missing == null) {
            try {
                library = locate(Arena.global());
            } catch (GpuException e) {
                missing = e;
            }
        }
        if (missing != null) {
            throw new GpuException(missing.getMessage());
        }
        return library;
    }

    /** A loaded cuBLAS library. */
    record Library(String name, SymbolLookup lookup) {
    }

    /**
     * Opens the first cuBLAS library found (kept open as long as {@code arena}).
     *
     * @throws GpuException naming what was looked for, when there is none
     */
    static Library locate(Arena arena) {
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            try {
                return new Library(candidate, open(candidate, arena));
            } catch (IllegalArgumentException e) {
                tried.add(Path.of(candidate).getFileName().toString());
            }
        }
        throw new GpuException("no cuBLAS 13 or 12 library found (looked for " + String.join(", ",
                tried.stream().distinct().toList()) + " on the library path and in the CUDA install folders; "
                + "set LD_LIBRARY_PATH to the CUDA lib64 folder)");
    }

    /**
     * Opens a cuBLAS library, a name or a path. For a path, cuBLASLt (which cuBLAS needs) is loaded
     * first from the same folder, when it is there: the loader looks for it only on the library path
     * and in the linker cache, which need not name that folder.
     *
     * @throws IllegalArgumentException when it cannot be loaded
     */
    static SymbolLookup open(String candidate, Arena arena) {
        Path path = Path.of(candidate);
        String file = path.getFileName().toString();
        if (path.getParent() != null && file.startsWith("libcublas.so")) {
            Path lt = path.resolveSibling(file.replace("libcublas.so", "libcublasLt.so"));
            if (Files.isRegularFile(lt)) {
                try {
                    SymbolLookup.libraryLookup(lt, arena);
                } catch (IllegalArgumentException e) {
                    // cuBLAS itself then fails to load, which is what is reported
                }
            }
        }
        return SymbolLookup.libraryLookup(candidate, arena);
    }

    /** Library names, then the same names in the usual install folders. */
    private static List<String> candidates() {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows");
        String[] names = windows ? NAMES_WINDOWS : NAMES_LINUX;
        Set<String> out = new LinkedHashSet<>();
        String chosen = System.getenv(CUBLAS_ENV);
        if (chosen != null && !chosen.isBlank()) {
            out.add(chosen);
        }
        out.addAll(List.of(names));
        List<Path> roots = new ArrayList<>();
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                roots.add(Path.of(v));
            }
        }
        roots.add(Path.of("/usr/local/cuda"));
        for (String version : new String[] {"13.2", "13.1", "13.0", "12.9", "12.8", "12.6", "12.4"}) {
            roots.add(Path.of("/usr/local/cuda-" + version));
        }
        for (Path root : roots) {
            for (String sub : windows ? new String[] {"bin", "bin/x64"}
                    : new String[] {"lib64", "lib", "targets/x86_64-linux/lib"}) {
                for (String name : names) {
                    Path p = root.resolve(sub).resolve(name);
                    if (Files.isRegularFile(p)) {
                        out.add(p.toString());
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static MethodHandle function(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new GpuException("the cuBLAS library has no function " + name));
        return linker.downcallHandle(symbol, fd);
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new GpuException(call + " failed: " + Blas.status(status));
        }
    }

    @Override
    public String describe() {
        return "cuBLAS " + version + " through java.lang.foreign (" + name + ")";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, DevicePtr alpha, DevicePtr a, int lda,
                      DevicePtr b, int ldb, DevicePtr beta, DevicePtr c, int ldc) {
        int status;
        try {
            status = (int) sgemm.invokeExact(handle, transA ? 1 : 0, transB ? 1 : 0, m, n, k,
                    MemorySegment.ofAddress(alpha.address()), MemorySegment.ofAddress(a.address()), lda,
                    MemorySegment.ofAddress(b.address()), ldb, MemorySegment.ofAddress(beta.address()),
                    MemorySegment.ofAddress(c.address()), ldc);
        } catch (Throwable e) {
            throw new GpuException("cublasSgemm could not be called: " + e, e);
        }
        check(status, "cublasSgemm");
    }

    @Override
    public void close() {
        try {
            int ignored = (int) destroy.invokeExact(handle);
        } catch (Throwable ignored) {
            // nothing left to do with a handle that cannot be destroyed
        }
    }
}
