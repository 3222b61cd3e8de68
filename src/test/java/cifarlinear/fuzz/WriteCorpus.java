package cifarlinear.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the committed fuzzing corpus: the valid seeds of each loader and a few damaged copies,
 * one folder per fuzz test method. Run from the project root:
 * {@code ./mvnw -q test-compile exec:java ...} is not needed; see the README's fuzzing section.
 */
public final class WriteCorpus {
    private static final Map<Loaders, String> METHODS = Map.of(Loaders.BINARY_BATCH, "binaryBatch",
            Loaders.BINARY100_BATCH, "binary100Batch", Loaders.PICKLE_BATCH, "pickleBatch",
            Loaders.PICKLE100_META, "pickle100Meta", Loaders.MAT_BATCH, "matBatch", Loaders.TAR_GZ, "tarGz",
            Loaders.IMAGE_ZIP, "imageZip", Loaders.IMAGE, "image", Loaders.CHECKPOINT, "checkpoint");

    private WriteCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/cifarlinear/fuzz/LoadersFuzzTestInputs");
        for (var e : METHODS.entrySet()) {
            Path dir = Files.createDirectories(root.resolve(e.getValue()));
            List<byte[]> seeds = Seeds.of(e.getKey());
            SplittableRandom rng = new SplittableRandom(7);
            for (int i = 0; i < seeds.size(); i++) {
                Files.write(dir.resolve("seed-" + i), seeds.get(i));
                for (int k = 0; k < 3; k++) {
                    Files.write(dir.resolve("damaged-" + i + "-" + k), MutationTest.mutate(seeds.get(i), rng));
                }
            }
        }
    }
}
