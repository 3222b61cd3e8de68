package cifarlinear.data;

import cifarlinear.TestData;
import cifarlinear.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        Dataset d = TestData.random(3, 2, 1);
        CifarBinaryFormatTest.writeBinaryFolder(dir, new Dataset[] {d}, d, List.of("a", "b"));
        DataSources.Resolved found = DataSources.findIn(dir).orElseThrow();
        assertThat(found.path()).isEqualTo(dir);
        assertThat(found.format()).isInstanceOf(CifarBinaryFormat.class);
        assertThat(DataSources.load(found, DataSources.SyntheticSpec.DEFAULT).train().size()).isEqualTo(3);
    }

    @Test
    void resolvesTheSyntheticSetAndRefusesUnknownPaths() {
        DataSources.Resolved synthetic = DataSources.resolve("synthetic");
        assertThat(synthetic.synthetic()).isTrue();
        assertThat(DataSources.load(synthetic, new DataSources.SyntheticSpec(50, 1)).train().size()).isEqualTo(50);
        assertThatThrownBy(() -> DataSources.resolve(dir.resolve("nope").toString()))
                .isInstanceOf(UserError.class)
                .satisfies(e -> assertThat(((UserError) e).exitCode()).isEqualTo(UserError.USAGE))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> DataSources.resolve(dir.toString())).hasMessageContaining("is not a data set");
    }
}
