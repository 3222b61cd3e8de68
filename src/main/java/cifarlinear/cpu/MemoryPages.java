package cifarlinear.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the JVM's heap sits on Linux's transparent huge pages (2 MB). Training reads the images'
 * bytes row by row in a new random order every epoch, and on 4 KB pages nearly every row costs a
 * TLB miss (bench/results/huge-pages.md times the gather on both); {@code cifar-linear doctor}
 * reports the setting, and how to ask for huge pages where the launcher's
 * {@code -XX:+UseTransparentHugePages} is missing.
 */
public final class MemoryPages {
    private static final Path SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    private static final Pattern MODE = Pattern.compile("\\[(\\w+)]");

    private MemoryPages() {
    }

    /** doctor's line about memory pages; empty where there are no transparent huge pages (not Linux). */
    public static Optional<String> describe() {
        if (!System.getProperty("os.name", "").equals("Linux") || !Files.isReadable(SETTING)) {
            return Optional.empty();
        }
        try {
            boolean asked = "true".equals(Simd.vmOption("UseTransparentHugePages"));
            return Optional.of(describe(Files.readString(SETTING), asked));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * @param setting the contents of {@code /sys/kernel/mm/transparent_hugepage/enabled}, the mode
     *                in brackets ({@code always [madvise] never})
     * @param asked   whether the JVM asks for huge pages for its heap ({@code -XX:+UseTransparentHugePages})
     */
    static String describe(String setting, boolean asked) {
        Matcher m = MODE.matcher(setting);
        String mode = m.find() ? m.group(1) : setting.strip();
        return switch (mode) {
            case "always" -> "Memory pages: 2 MB where Linux can (transparent huge pages: always)";
            case "madvise" -> asked
                    ? "Memory pages: the heap asks for 2 MB ones (transparent huge pages: madvise; "
                            + "-XX:+UseTransparentHugePages)"
                    : "Memory pages: 4 KB (transparent huge pages: madvise; the heap asks for 2 MB ones with "
                            + "java -XX:+UseTransparentHugePages, which the cifar-linear launcher adds unless "
                            + "JAVA_OPTS names it)";
            default -> "Memory pages: 4 KB (transparent huge pages: " + mode + ")";
        };
    }
}
