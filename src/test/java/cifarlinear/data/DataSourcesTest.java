package cifarlinear.data;

import cifarlinear.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataSourcesTest {
    @TempDir
    Path dir;

    @Test
    void findsADataSetInsideTheDataFolder() throws Exception {
        assertThat(DataSources.findIn(dir)).isEmpty();
        assertThat(DataSources.findIn(dir.resolve("missing"))).isEmpty();
        Files.writeString(dir.resolve("notes.txt"), "not data");
        assertThat(DataSources.findIn(dir)).isEmpty();
        Path bin = TinyCifar.writeBinary10(dir);
        DataSources.Resolved found = DataSources.findIn(dir).orElseThrow();
        assertThat(found.path()).isEqualTo(dir);
        assertThat(found.format()).isInstanceOf(CifarFormat.class);
        assertThat(DataSources.load(found, DataSources.SyntheticSpec.DEFAULT, LabelKind.FINE).train().size()).isEqualTo(10);
    }

    @Test
    void findsADownloadedArchiveButNotAPartialOne() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path bin = TinyCifar.writeBinary10(src);
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyCifar.tarGz(bin, "cifar-10-batches-bin", data.resolve("cifar-10-binary.tar.gz" + Download.PARTIAL_SUFFIX), null);
        assertThat(DataSources.findIn(data)).isEmpty();
        Files.move(data.resolve("cifar-10-binary.tar.gz" + Download.PARTIAL_SUFFIX), data.resolve("cifar-10-binary.tar.gz"));
        assertThat(DataSources.findIn(data).orElseThrow().path()).isEqualTo(data.resolve("cifar-10-binary.tar.gz"));
    }

    @Test
    void resolvesTheSyntheticSetAndRefusesUnknownPaths() {
        DataSources.Resolved synthetic = DataSources.resolve("synthetic");
        assertThat(synthetic.synthetic()).isTrue();
        assertThat(DataSources.load(synthetic, new DataSources.SyntheticSpec(50, 1), LabelKind.FINE).train().size())
                .isEqualTo(50);
        assertThatThrownBy(() -> DataSources.resolve(dir.resolve("nope").toString()))
                .isInstanceOf(UserError.class)
                .satisfies(e -> assertThat(((UserError) e).exitCode()).isEqualTo(UserError.USAGE))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> DataSources.resolve(dir.toString())).hasMessageContaining("is not a data set");
    }
}
