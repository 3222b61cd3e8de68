package cifarlinear.fuzz;

import cifarlinear.UserError;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of every loader with Jazzer. The normal test command replays the
 * committed inputs under src/test/resources/cifarlinear/fuzz/LoadersFuzzTestInputs/ (one folder
 * per method) as regression tests; to fuzz one loader for longer (the README has the command):
 * {@code JAZZER_FUZZ=1 ./mvnw test -Dtest='LoadersFuzzTest#pickleBatch'}.
 * Each input must load or be refused with the project's own error.
 */
class LoadersFuzzTest {
    private static void check(Loaders loader, byte[] input) {
        try {
            loader.load(input);
        } catch (UserError e) {
            if (e.getMessage() == null || e.getMessage().isBlank() || e.getMessage().contains("\n")) {
                throw new AssertionError("not a one-line message: " + e.getMessage(), e);
            }
        }
    }

    @FuzzTest(maxDuration = "5m")
    void binaryBatch(byte[] input) {
        check(Loaders.BINARY_BATCH, input);
    }

    @FuzzTest(maxDuration = "5m")
    void binary100Batch(byte[] input) {
        check(Loaders.BINARY100_BATCH, input);
    }

    @FuzzTest(maxDuration = "5m")
    void pickleBatch(byte[] input) {
        check(Loaders.PICKLE_BATCH, input);
    }

    @FuzzTest(maxDuration = "5m")
    void pickle100Meta(byte[] input) {
        check(Loaders.PICKLE100_META, input);
    }

    @FuzzTest(maxDuration = "5m")
    void matBatch(byte[] input) {
        check(Loaders.MAT_BATCH, input);
    }

    @FuzzTest(maxDuration = "5m")
    void tarGz(byte[] input) {
        check(Loaders.TAR_GZ, input);
    }

    @FuzzTest(maxDuration = "5m")
    void imageZip(byte[] input) {
        check(Loaders.IMAGE_ZIP, input);
    }

    @FuzzTest(maxDuration = "5m")
    void imageTarXz(byte[] input) {
        check(Loaders.IMAGE_TAR_XZ, input);
    }

    @FuzzTest(maxDuration = "5m")
    void image(byte[] input) {
        check(Loaders.IMAGE, input);
    }

    @FuzzTest(maxDuration = "5m")
    void checkpoint(byte[] input) {
        check(Loaders.CHECKPOINT, input);
    }
}
