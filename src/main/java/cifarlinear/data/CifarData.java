package cifarlinear.data;

import java.util.List;

/**
 * A training and a test set with the same classes, and a line describing where they came from.
 */
public record CifarData(String description, Dataset train, Dataset test) {
    public CifarData {
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("training classes " + train.classNames()
                    + " differ from test classes " + test.classNames());
        }
    }

    public List<String> classNames() {
        return train.classNames();
    }

    public int classCount() {
        return train.classCount();
    }
}
