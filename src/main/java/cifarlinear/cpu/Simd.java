package cifarlinear.cpu;

/**
 * Chooses the CPU kernels: the Vector API ones when the {@code jdk.incubator.vector} module is
 * in the runtime (the {@code cifar-linear} launcher adds it), the C2-vectorized ones otherwise
 * or when asked.
 */
public final class Simd {
    private Simd() {
    }

    private static final boolean FMA = readUseFma();
    private static final int REGISTERS = readVectorRegisters();
    private static final int ROW_OFFSET = readRowOffset();

    /**
     * Whether this CPU does fused multiply-adds in hardware, as HotSpot found at start-up (its
     * {@code UseFMA} flag; true where the flag cannot be read). Without them {@link Math#fma} and
     * the Vector API's {@code fma} are computed in software, hundreds of times slower, so the plain
     * kernels multiply and add instead and the Vector API kernels are not used (some Celeron and
     * Pentium laptops, x86 CPUs older than 2013).
     */
    public static boolean hardwareFma() {
        return FMA;
    }

    /**
     * a · b + c, rounded once where the CPU has fused multiply-adds; elsewhere rounded twice, since
     * {@link Math#fma} would be computed in software there ({@link #hardwareFma}).
     */
    public static float fma(float a, float b, float c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }

    /**
     * Whether the Vector API kernels are the ones to use unless told otherwise: the module is in the
     * runtime and the CPU has the fused multiply-adds they are made of.
     */
    public static boolean vectorKernelsByDefault() {
        return vectorApiAvailable() && FMA;
    }

    /**
     * The vector registers compiled code has: 16 on x86 without AVX-512 (HotSpot's {@code UseAVX}
     * below 3: AVX2 and older, most laptops), else 32 (AVX-512, and ARM's NEON and SVE).
     */
    public static int vectorRegisters() {
        return REGISTERS;
    }

    private static int readVectorRegisters() {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return 32;
        }
        String useAvx = vmOption("UseAVX");
        return useAvx != null && useAvx.matches("\\d+") && Integer.parseInt(useAvx) >= 3 ? 32 : 16;
    }

    /**
     * Floats that the Vector API kernels put before feature 0 of every row of W and of a batch, so
     * that the row's features start on a 64-byte boundary and no load or store of a whole 512-bit
     * vector spans two cache lines, which costs two loads or stores (bench/alignment.sh measures
     * what it saves). The data of a Java array starts a header's length (16 bytes, usually)
     * past the start of the object, which HotSpot places on a multiple of
     * {@code -XX:ObjectAlignmentInBytes}: 8 by default, 64 as the {@code cifar-linear} launcher
     * runs it. So 12 there, and 0 where objects are not aligned to 64 bytes, where no offset helps.
     */
    static int rowOffset() {
        return ROW_OFFSET;
    }

    /**
     * Where the Vector API kernels' rows start, for {@code cifar-linear doctor}: on cache lines or
     * not, and why.
     */
    public static String describeRows() {
        if (ROW_OFFSET > 0) {
            return "on 64-byte cache lines (objects aligned to 64 bytes)";
        }
        String alignment = vmOption("ObjectAlignmentInBytes");
        return "not on cache lines (objects aligned to "
                + (alignment == null ? "an unknown number of" : alignment) + " bytes; the cifar-linear launcher "
                + "asks for -XX:ObjectAlignmentInBytes=64)";
    }

    /**
     * The offset of {@link #rowOffset} for objects aligned to {@code objectAlignment} bytes and
     * float arrays whose data starts {@code arrayBase} bytes into the object.
     */
    static int rowOffset(int objectAlignment, int arrayBase) {
        if (objectAlignment % 64 != 0 || arrayBase % Float.BYTES != 0) {
            return 0;
        }
        return (64 - arrayBase % 64) % 64 / Float.BYTES;
    }

    private static int readRowOffset() {
        String alignment = vmOption("ObjectAlignmentInBytes");
        if (alignment == null || !alignment.matches("\\d+")) {
            return 0;
        }
        // A float array's header: mark word and class pointer (4 bytes compressed, 8 not, none apart
        // with compact headers), then its length.
        int arrayBase = "true".equals(vmOption("UseCompactObjectHeaders")) ? 12
                : "false".equals(vmOption("UseCompressedClassPointers")) ? 20 : 16;
        return rowOffset(Integer.parseInt(alignment), arrayBase);
    }

    private static boolean readUseFma() {
        return !"false".equals(vmOption("UseFMA"));
    }

    /**
     * The value of one of HotSpot's options in this JVM ({@code -XX:NAME}), or null where it cannot
     * be read (another JVM, or a runtime without {@code jdk.management}).
     */
    static String vmOption(String name) {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? null : bean.getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@code jdk.incubator.vector} was resolved at start-up (--add-modules). */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The kernels the CPU backend uses by default here, as training's CPU line names them. */
    public static String defaultKernels() {
        return products(vectorKernelsByDefault()).describe();
    }

    static Products products(boolean vectorApi) {
        if (vectorApi && !vectorApiAvailable()) {
            throw new IllegalStateException("the Vector API (jdk.incubator.vector) is not in this Java runtime");
        }
        return vectorApi ? new VectorKernels() : new Products.AutoVectorized();
    }
}
