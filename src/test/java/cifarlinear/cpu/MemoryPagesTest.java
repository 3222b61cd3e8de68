package cifarlinear.cpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryPagesTest {
    @Test
    void readsTheModeInBrackets() {
        assertThat(MemoryPages.describe("always madvise [never]\n", false))
                .isEqualTo("Memory pages: 4 KB (transparent huge pages: never)");
        assertThat(MemoryPages.describe("[always] madvise never\n", false))
                .isEqualTo("Memory pages: 2 MB where Linux can (transparent huge pages: always)");
        assertThat(MemoryPages.describe("always [madvise] never\n", true))
                .startsWith("Memory pages: the heap asks for 2 MB ones (transparent huge pages: madvise");
    }

    @Test
    void withoutAskingUnderMadviseSaysHowToAsk() {
        assertThat(MemoryPages.describe("always [madvise] never\n", false))
                .startsWith("Memory pages: 4 KB (transparent huge pages: madvise;")
                .contains("-XX:+UseTransparentHugePages");
    }

    @Test
    void describesThisMachineWhereLinuxHasTheSetting() throws Exception {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean linux = System.getProperty("os.name").equals("Linux") && Files.isReadable(setting);
        assertThat(MemoryPages.describe()).isEqualTo(linux
                ? java.util.Optional.of(MemoryPages.describe(Files.readString(setting),
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                                .contains("-XX:+UseTransparentHugePages")))
                : java.util.Optional.empty());
    }
}
