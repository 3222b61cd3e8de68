package cifarlinear.fuzz;

import cifarlinear.UserError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thousand damaged inputs per loader — bit flips, truncations, inflated length fields, cut or
 * repeated stretches — each of which must load or be refused with the project's one-line error:
 * no other exception, no hang, no allocation beyond a bound.
 */
class MutationTest {
    private static final int MUTANTS = 1000;
    private static final long SECONDS_PER_INPUT = 20;
    private static final long MAX_ALLOCATED_BYTES = 256L << 20;
    private static ExecutorService executor;

    @BeforeAll
    static void start() {
        executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("mutant").unstarted(r));
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    /** One damaged copy of a seed. */
    static byte[] mutate(byte[] seed, SplittableRandom rng) {
        byte[] b = seed.clone();
        int ops = 1 + rng.nextInt(3);
        for (int op = 0; op < ops && b.length > 0; op++) {
            switch (rng.nextInt(5)) {
                case 0 -> { // flip bits
                    int flips = 1 + rng.nextInt(8);
                    for (int f = 0; f < flips; f++) {
                        b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
                    }
                }
                case 1 -> b = java.util.Arrays.copyOf(b, rng.nextInt(b.length)); // truncate
                case 2 -> { // inflate a length field: four bytes of a large number, either byte order
                    int at = rng.nextInt(Math.max(1, b.length - 4));
                    int v = switch (rng.nextInt(4)) {
                        case 0 -> Integer.MAX_VALUE;
                        case 1 -> -1;
                        case 2 -> 1 << 30;
                        default -> rng.nextInt();
                    };
                    boolean little = rng.nextBoolean();
                    for (int k = 0; k < 4 && at + k < b.length; k++) {
                        b[at + k] = (byte) (v >>> (8 * (little ? k : 3 - k)));
                    }
                }
                case 3 -> { // cut out a stretch
                    int from = rng.nextInt(b.length);
                    int to = Math.min(b.length, from + 1 + rng.nextInt(64));
                    byte[] c = new byte[b.length - (to - from)];
                    System.arraycopy(b, 0, c, 0, from);
                    System.arraycopy(b, to, c, from, b.length - to);
                    b = c;
                }
                default -> { // repeat a stretch
                    int from = rng.nextInt(b.length);
                    int len = Math.min(b.length - from, 1 + rng.nextInt(64));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, from + len);
                    System.arraycopy(b, from, c, from + len, b.length - from);
                    b = c;
                }
            }
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(Loaders.class)
    void damagedInputsOnlyEverGiveTheProjectsOwnError(Loaders loader) throws Exception {
        List<byte[]> seeds = Seeds.of(loader);
        for (byte[] seed : seeds) {
            loader.load(seed); // every seed is valid
        }
        // For archives, damage the tar inside as well as the compressed stream.
        List<byte[]> tars = switch (loader) {
            case TAR_GZ -> List.of(Seeds.tar("cifar10-py-py2"), Seeds.tar("cifar10-mat"));
            case IMAGE_TAR_XZ -> List.of(Seeds.imageTar());
            default -> null;
        };
        java.util.function.UnaryOperator<byte[]> compress = loader == Loaders.TAR_GZ ? Seeds::tarGz : Seeds::xz;
        var memory = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom rng = new SplittableRandom(loader.ordinal());
        int refused = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] input = tars != null && rng.nextBoolean()
                    ? compress.apply(mutate(tars.get(rng.nextInt(tars.size())), rng))
                    : mutate(seeds.get(rng.nextInt(seeds.size())), rng);
            long before = memory.getTotalThreadAllocatedBytes();
            Future<?> run = executor.submit(() -> loader.load(input));
            try {
                run.get(SECONDS_PER_INPUT, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (!(cause instanceof UserError)) {
                    throw new AssertionError(loader + " mutant " + i + " threw " + cause, cause);
                }
                assertThat(cause.getMessage()).as("%s mutant %d", loader, i).isNotBlank().doesNotContain("\n");
                refused++;
            } catch (TimeoutException e) {
                run.cancel(true);
                throw new AssertionError(loader + " mutant " + i + " did not finish in " + SECONDS_PER_INPUT + " s");
            }
            long allocated = memory.getTotalThreadAllocatedBytes() - before;
            assertThat(allocated).as("%s mutant %d allocated", loader, i).isLessThan(MAX_ALLOCATED_BYTES);
        }
        assertThat(refused).as("mutants refused").isGreaterThan(MUTANTS / 4);
    }
}
