package cifarlinear.data;

import cifarlinear.UserError;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.Char;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Sources;

import java.util.ArrayList;
import java.util.List;

/** Reads CIFAR's MATLAB batches: v5 .mat files with {@code data}, {@code labels} and {@code label_names}. */
final class MatFiles {
    private MatFiles() {
    }

    static MatFile read(byte[] bytes, String source) {
        if (bytes.length < 128 || !new String(bytes, 0, 6, java.nio.charset.StandardCharsets.US_ASCII).equals("MATLAB")) {
            throw UserError.failure(source + ": not a MATLAB 5 .mat file");
        }
        try (var reader = Sources.wrap(bytes)) {
            return Mat5.newReader(reader).readMat();
        } catch (Exception | StackOverflowError e) {
            throw UserError.failure(source + ": not a readable .mat file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    static Array require(MatFile mat, String name, String source) {
        for (MatFile.Entry e : mat.getEntries()) {
            if (e.getName().equals(name)) {
                return e.getValue();
            }
        }
        List<String> names = new ArrayList<>();
        mat.getEntries().forEach(e -> names.add(e.getName()));
        throw UserError.failure(source + ": no '" + name + "' variable in this .mat file (it has " + names + ")");
    }

    /** A uint8 matrix of {@code cols} columns, as rows of bytes (MATLAB stores columns). */
    static byte[] uint8Rows(Array array, int cols, String what, String source) {
        if (!(array instanceof Matrix m) || array.getType() != MatlabType.UInt8) {
            throw UserError.failure(source + ": '" + what + "' is " + array.getType() + ", expected a uint8 matrix");
        }
        int[] dims = m.getDimensions();
        if (dims.length != 2 || dims[1] != cols) {
            throw UserError.failure(source + ": '" + what + "' is " + java.util.Arrays.toString(dims)
                    + ", expected n × " + cols);
        }
        int n = dims[0];
        byte[] rows = new byte[n * cols];
        // A transpose in bands of 64 columns, so that both sides stay in the cache.
        final int band = 64;
        for (int j0 = 0; j0 < cols; j0 += band) {
            int j1 = Math.min(cols, j0 + band);
            for (int i = 0; i < n; i++) {
                for (int j = j0; j < j1; j++) {
                    rows[i * cols + j] = m.getByte(j * n + i);
                }
            }
        }
        return rows;
    }

    /** Integers from an n × 1 (or 1 × n) numeric matrix. */
    static int[] integers(Array array, String what, String source) {
        if (!(array instanceof Matrix m) || m.isComplex()) {
            throw UserError.failure(source + ": '" + what + "' is " + array.getType() + ", expected a numeric vector");
        }
        int[] dims = m.getDimensions();
        if (dims.length != 2 || Math.min(dims[0], dims[1]) > 1 && m.getNumElements() > 0) {
            throw UserError.failure(source + ": '" + what + "' is " + java.util.Arrays.toString(dims) + ", expected a vector");
        }
        int[] out = new int[m.getNumElements()];
        for (int i = 0; i < out.length; i++) {
            double v = m.getDouble(i);
            if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
                throw UserError.failure(source + ": '" + what + "' item " + i + " is " + v + ", not a class index");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** Names from a cell array of strings. */
    static List<String> strings(Array array, String what, String source) {
        if (!(array instanceof Cell cell)) {
            throw UserError.failure(source + ": '" + what + "' is " + array.getType() + ", expected a cell array of names");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cell.getNumElements(); i++) {
            Array item = cell.get(i);
            if (!(item instanceof Char c)) {
                throw UserError.failure(source + ": '" + what + "' item " + i + " is not text");
            }
            out.add(c.getString().strip());
        }
        return out;
    }
}
