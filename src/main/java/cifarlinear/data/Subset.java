package cifarlinear.data;

import java.util.Objects;

/** A selection of a dataset's images by row index, without copying pixels. */
public record Subset(Dataset data, int[] rows) {
    public Subset {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(rows, "rows");
        for (int row : rows) {
            if (row < 0 || row >= data.size()) {
                throw new IllegalArgumentException("row " + row + " outside [0, " + data.size() + ")");
            }
        }
    }

    public static Subset all(Dataset data) {
        return new Subset(data, data.allRows());
    }

    public int size() {
        return rows.length;
    }

    public int label(int i) {
        return data.label(rows[i]);
    }
}
