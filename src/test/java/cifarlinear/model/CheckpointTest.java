package cifarlinear.model;

import cifarlinear.TestData;
import cifarlinear.UserError;
import cifarlinear.data.FeatureStats;
import cifarlinear.data.Subset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    @TempDir
    Path dir;

    private static LinearModel model() {
        FeatureStats stats = FeatureStats.of(Subset.all(TestData.random(30, 3, 1)));
        LinearModel m = LinearModel.initial(Loss.SIGMOID, java.util.List.of("cat", "chien", "猫"), stats, 0.5, 9);
        m.bias()[1] = -2.5f;
        return m;
    }

    @Test
    void roundTripsEveryField() throws Exception {
        LinearModel m = model();
        Path f = dir.resolve("model.ckpt");
        Checkpoint.write(f, m, "{\"epochs\": 3}");
        Checkpoint.Contents c = Checkpoint.read(f);
        LinearModel r = c.model();
        assertThat(r.loss()).isEqualTo(Loss.SIGMOID);
        assertThat(r.classNames()).containsExactly("cat", "chien", "猫");
        assertThat(r.weights()).containsExactly(m.weights());
        assertThat(r.bias()).containsExactly(m.bias());
        assertThat(r.stats()).isEqualTo(m.stats());
        assertThat(c.metadataJson()).isEqualTo("{\"epochs\": 3}");
        assertThat(dir.toFile().list()).containsExactly("model.ckpt");
    }

    @Test
    void refusesEveryFlippedByte() {
        byte[] good = Checkpoint.encode(model(), "{}");
        for (int pos = 0; pos < good.length; pos += 97) {
            byte[] bad = good.clone();
            bad[pos] ^= 0x10;
            assertThatThrownBy(() -> Checkpoint.decode(bad, "m.ckpt"))
                    .isInstanceOf(UserError.class)
                    .hasMessageStartingWith("m.ckpt: ");
        }
    }

    @Test
    void refusesTruncationsAndOtherFiles() throws Exception {
        byte[] good = Checkpoint.encode(model(), "{}");
        for (int len : new int[] {0, 5, 8, 12, 20, good.length / 2, good.length - 1}) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> Checkpoint.decode(cut, "m.ckpt")).isInstanceOf(UserError.class)
                    .satisfies(e -> assertThat(((UserError) e).exitCode()).isEqualTo(UserError.FAILURE));
        }
        Path png = dir.resolve("x.ckpt");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertThatThrownBy(() -> Checkpoint.read(png)).hasMessageContaining("not a cifar-linear model file");
        assertThatThrownBy(() -> Checkpoint.read(dir.resolve("missing.ckpt")))
                .hasMessageContaining("no such model file");
    }

    @Test
    void refusesAnotherVersion() {
        byte[] b = Checkpoint.encode(model(), "");
        b[11] = 9;
        assertThatThrownBy(() -> Checkpoint.decode(b, "m")).hasMessageContaining("version 9");
    }
}
