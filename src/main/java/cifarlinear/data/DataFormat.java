package cifarlinear.data;

import java.io.IOException;
import java.nio.file.Path;

/** One on-disk layout of a CIFAR-style data set. */
public interface DataFormat {
    /** A short name for messages, such as "CIFAR-10 binary folder". */
    String name();

    /** Whether {@code path} looks like this format; cheap, reads at most a directory listing. */
    boolean accepts(Path path);

    /**
     * Reads the whole data set.
     *
     * @param labels for data with two label sets (CIFAR-100), which to use
     * @throws cifarlinear.UserError naming the file and what is wrong when the content is malformed
     */
    CifarData load(Path path, LabelKind labels) throws IOException;
}
