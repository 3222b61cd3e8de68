package cifarlinear.data;

import cifarlinear.UserError;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads CIFAR's MATLAB batches: level-5 .mat files (the format MATLAB writes by default, with
 * or without compression) holding {@code data} (uint8, n × 3072), {@code labels} (n × 1) and
 * {@code label_names} (a cell array of strings).
 *
 * <p>This is a reader of just that much of the format — numeric matrices, character arrays and
 * cell arrays, compressed or not — written for files that may be damaged or hostile: every size
 * read from the file is checked against the bytes actually there before anything is allocated,
 * decompression stops at a budget, and nesting is bounded. Anything else it meets is refused in
 * one line naming the file.
 */
final class MatFiles {
    private static final int MI_INT8 = 1;
    private static final int MI_UINT8 = 2;
    private static final int MI_INT16 = 3;
    private static final int MI_UINT16 = 4;
    private static final int MI_INT32 = 5;
    private static final int MI_UINT32 = 6;
    private static final int MI_SINGLE = 7;
    private static final int MI_DOUBLE = 9;
    private static final int MI_INT64 = 12;
    private static final int MI_UINT64 = 13;
    private static final int MI_MATRIX = 14;
    private static final int MI_COMPRESSED = 15;
    private static final int MI_UTF8 = 16;
    private static final int MI_UTF16 = 17;

    private static final int MX_CELL = 1;
    private static final int MX_CHAR = 4;
    private static final int MX_DOUBLE = 6;
    private static final int MX_UINT64 = 15;
    private static final int MX_UINT8 = 9;

    private static final int MAX_DEPTH = 8;

    private MatFiles() {
    }

    /** A variable: its MATLAB class, dimensions and content. */
    record Variable(String name, int matlabClass, int[] dims, Numbers numbers, String text, List<Variable> cells) {
        long elements() {
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            return n;
        }

        String describe() {
            return switch (matlabClass) {
                case MX_CELL -> "a cell array";
                case MX_CHAR -> "text";
                case 2, 3 -> "a struct";
                case 5 -> "a sparse matrix";
                default -> numbers == null ? "class " + matlabClass : "a numeric matrix";
            };
        }
    }

    /** The values of a numeric matrix as stored: type and bytes, column after column. */
    record Numbers(int type, ByteBuffer data) {
        static int size(int type) {
            return switch (type) {
                case MI_INT8, MI_UINT8 -> 1;
                case MI_INT16, MI_UINT16 -> 2;
                case MI_INT32, MI_UINT32, MI_SINGLE -> 4;
                case MI_DOUBLE, MI_INT64, MI_UINT64 -> 8;
                default -> 0;
            };
        }

        int count() {
            return data.remaining() / size(type);
        }

        double get(int i) {
            int at = data.position() + i * size(type);
            return switch (type) {
                case MI_INT8 -> data.get(at);
                case MI_UINT8 -> data.get(at) & 0xFF;
                case MI_INT16 -> data.getShort(at);
                case MI_UINT16 -> data.getShort(at) & 0xFFFF;
                case MI_INT32 -> data.getInt(at);
                case MI_UINT32 -> data.getInt(at) & 0xFFFFFFFFL;
                case MI_SINGLE -> data.getFloat(at);
                case MI_DOUBLE -> data.getDouble(at);
                case MI_INT64 -> data.getLong(at);
                default -> {
                    long v = data.getLong(at);
                    yield v < 0 ? Double.MAX_VALUE : v;
                }
            };
        }
    }

    /** The named variables of a .mat file. */
    static Map<String, Variable> read(byte[] bytes, String source) {
        if (bytes.length < 128 || !new String(bytes, 0, 6, StandardCharsets.US_ASCII).equals("MATLAB")) {
            throw bad(source, "not a MATLAB 5 .mat file");
        }
        ByteOrder order = bytes[126] == 'I' && bytes[127] == 'M' ? ByteOrder.LITTLE_ENDIAN
                : bytes[126] == 'M' && bytes[127] == 'I' ? ByteOrder.BIG_ENDIAN : null;
        if (order == null) {
            throw bad(source, "not a MATLAB 5 .mat file (no byte-order mark)");
        }
        Parser p = new Parser(source, order, Math.min(1L << 30, Math.max(64L << 20, 16L * bytes.length)));
        Map<String, Variable> vars = new LinkedHashMap<>();
        ByteBuffer body = ByteBuffer.wrap(bytes, 128, bytes.length - 128).slice().order(order);
        p.elements(body, 0, v -> vars.putIfAbsent(v.name(), v));
        return vars;
    }

    private static final class Parser {
        final String source;
        final ByteOrder order;
        long inflateBudget;

        Parser(String source, ByteOrder order, long inflateBudget) {
            this.source = source;
            this.order = order;
            this.inflateBudget = inflateBudget;
        }

        /** Reads the top-level elements of {@code b}: matrices, possibly compressed. */
        void elements(ByteBuffer b, int depth, java.util.function.Consumer<Variable> sink) {
            while (b.remaining() >= 8) {
                int[] tag = tag(b);
                int type = tag[0];
                int size = tag[1];
                // Compressed elements are not padded to eight bytes; all others are.
                ByteBuffer content = take(b, size, tag[2] == 1, type != MI_COMPRESSED);
                if (type == MI_COMPRESSED) {
                    if (depth > 0) {
                        throw bad(source, "compressed data inside compressed data");
                    }
                    elements(inflate(content), depth + 1, sink);
                } else if (type == MI_MATRIX) {
                    sink.accept(matrix(content, 0));
                }
                // Other top-level elements carry nothing CIFAR uses.
            }
        }

        /** A tag: {type, size, small?}; a small element keeps up to four bytes of data in the tag itself. */
        int[] tag(ByteBuffer b) {
            int first = b.getInt();
            if ((first >>> 16) != 0) {
                int size = first >>> 16;
                if (size > 4 || b.remaining() < 4) {
                    throw bad(source, "a small data element of " + size + " bytes");
                }
                return new int[] {first & 0xFFFF, size, 1};
            }
            int size = b.getInt();
            return new int[] {first, size, 0};
        }

        ByteBuffer take(ByteBuffer b, int size, boolean small) {
            return take(b, size, small, true);
        }

        /** The next {@code size} bytes as their own buffer, stepping over the padding to eight bytes if {@code pad}. */
        ByteBuffer take(ByteBuffer b, int size, boolean small, boolean pad) {
            if (small) {
                ByteBuffer data = b.slice(b.position(), size).order(order);
                b.position(b.position() + 4);
                return data;
            }
            if (size < 0 || size > b.remaining()) {
                throw bad(source, "an element of " + Integer.toUnsignedString(size) + " bytes where " + b.remaining()
                        + " remain (truncated or damaged file)");
            }
            ByteBuffer data = b.slice(b.position(), size).order(order);
            int padded = pad ? (int) Math.min(b.remaining(), (size + 7L) / 8 * 8) : size;
            b.position(b.position() + padded);
            return data;
        }

        ByteBuffer inflate(ByteBuffer compressed) {
            byte[] in = new byte[compressed.remaining()];
            compressed.get(in);
            Inflater inflater = new Inflater();
            inflater.setInput(in);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(in.length * 2, 1 << 26));
            byte[] buf = new byte[1 << 16];
            try {
                while (!inflater.finished()) {
                    int n = inflater.inflate(buf);
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw bad(source, "compressed data ends early");
                    }
                    inflateBudget -= n;
                    if (inflateBudget < 0) {
                        throw bad(source, "compressed data expands beyond any CIFAR batch");
                    }
                    out.write(buf, 0, n);
                }
            } catch (DataFormatException e) {
                throw bad(source, "damaged compressed data (" + e.getMessage() + ")");
            } finally {
                inflater.end();
            }
            return ByteBuffer.wrap(out.toByteArray()).order(order);
        }

        /** The content of a miMATRIX element. */
        Variable matrix(ByteBuffer b, int depth) {
            if (depth > MAX_DEPTH) {
                throw bad(source, "cell arrays nested too deep");
            }
            ByteBuffer flags = sub(b, MI_UINT32, "array flags");
            if (flags.remaining() < 8) {
                throw bad(source, "array flags of " + flags.remaining() + " bytes");
            }
            int flagWord = flags.getInt(flags.position());
            int cls = flagWord & 0xFF;
            boolean complex = (flagWord & 0x800) != 0;
            ByteBuffer dimBytes = sub(b, MI_INT32, "dimensions");
            int[] dims = new int[dimBytes.remaining() / 4];
            if (dims.length < 2 || dims.length > 8) {
                throw bad(source, "an array of " + dims.length + " dimensions");
            }
            long elements = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dimBytes.getInt(dimBytes.position() + 4 * i);
                if (dims[i] < 0) {
                    throw bad(source, "a negative dimension");
                }
                elements = Math.multiplyExact(elements, dims[i]);
            }
            ByteBuffer nameBytes = sub(b, MI_INT8, "array name");
            byte[] nb = new byte[nameBytes.remaining()];
            nameBytes.get(nb);
            String name = new String(nb, StandardCharsets.US_ASCII);
            if (cls == MX_CELL) {
                List<Variable> cells = new ArrayList<>();
                for (long i = 0; i < elements; i++) {
                    if (b.remaining() < 8) {
                        throw bad(source, "'" + name + "' has fewer cells than its dimensions say");
                    }
                    int[] tag = tag(b);
                    if (tag[0] != MI_MATRIX) {
                        throw bad(source, "'" + name + "' holds an element of type " + tag[0] + " among its cells");
                    }
                    cells.add(matrix(take(b, tag[1], tag[2] == 1), depth + 1));
                }
                return new Variable(name, cls, dims, null, null, cells);
            }
            if (cls == MX_CHAR) {
                if (b.remaining() < 8) {
                    return new Variable(name, cls, dims, null, "", null);
                }
                int[] tag = tag(b);
                return new Variable(name, cls, dims, null, text(take(b, tag[1], tag[2] == 1), tag[0], elements, dims), null);
            }
            if (cls < MX_DOUBLE || cls > MX_UINT64) {
                return new Variable(name, cls, dims, null, null, null);
            }
            int[] tag = tag(b);
            int size = Numbers.size(tag[0]);
            ByteBuffer data = take(b, tag[1], tag[2] == 1);
            if (size == 0 || (long) data.remaining() != elements * size) {
                throw bad(source, "'" + name + "' holds " + data.remaining() + " bytes of type " + tag[0] + " for "
                        + elements + " values");
            }
            if (complex) {
                throw bad(source, "'" + name + "' is complex");
            }
            return new Variable(name, cls, dims, new Numbers(tag[0], data), null, null);
        }

        /** The next element, which must have the given type. */
        ByteBuffer sub(ByteBuffer b, int type, String what) {
            if (b.remaining() < 8) {
                throw bad(source, "a matrix without its " + what);
            }
            int[] tag = tag(b);
            if (tag[0] != type) {
                throw bad(source, "the " + what + " of a matrix have type " + tag[0]);
            }
            return take(b, tag[1], tag[2] == 1);
        }

        /** A character array's text: its columns, read row by row (one row for a name). */
        String text(ByteBuffer chars, int type, long elements, int[] dims) {
            String all;
            if (type == MI_UTF8 || type == MI_UINT8 || type == MI_INT8) {
                byte[] raw = new byte[chars.remaining()];
                chars.get(raw);
                all = new String(raw, StandardCharsets.UTF_8);
            } else if (type == MI_UINT16 || type == MI_UTF16) {
                StringBuilder sb = new StringBuilder();
                while (chars.remaining() >= 2) {
                    sb.append(chars.getChar());
                }
                all = sb.toString();
            } else {
                throw bad(source, "text stored as type " + type);
            }
            if (dims[0] <= 1 || all.length() != elements) {
                return all.strip();
            }
            // Several rows: MATLAB stores columns; read back row by row.
            StringBuilder sb = new StringBuilder();
            int rows = dims[0];
            int cols = (int) (elements / rows);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    sb.append(all.charAt(c * rows + r));
                }
            }
            return sb.toString().strip();
        }
    }

    private static UserError bad(String source, String what) {
        return UserError.failure(source + ": " + what);
    }

    static Variable require(Map<String, Variable> mat, String name, String source) {
        Variable v = mat.get(name);
        if (v == null) {
            throw UserError.failure(source + ": no '" + name + "' variable in this .mat file (it has " + mat.keySet() + ")");
        }
        return v;
    }

    /** A uint8 matrix of {@code cols} columns, as rows of bytes (MATLAB stores columns). */
    static byte[] uint8Rows(Variable v, int cols, String what, String source) {
        if (v.matlabClass() != MX_UINT8 || v.numbers() == null || v.numbers().type() != MI_UINT8) {
            throw UserError.failure(source + ": '" + what + "' is " + v.describe() + ", expected a uint8 matrix");
        }
        if (v.dims().length != 2 || v.dims()[1] != cols) {
            throw UserError.failure(source + ": '" + what + "' is " + java.util.Arrays.toString(v.dims())
                    + ", expected n × " + cols);
        }
        int n = v.dims()[0];
        ByteBuffer data = v.numbers().data();
        byte[] columns = new byte[data.remaining()];
        data.duplicate().get(columns);
        byte[] rows = new byte[columns.length];
        // A transpose in bands of 64 columns, so that both sides stay in the cache.
        final int band = 64;
        for (int j0 = 0; j0 < cols; j0 += band) {
            int j1 = Math.min(cols, j0 + band);
            for (int i = 0; i < n; i++) {
                for (int j = j0; j < j1; j++) {
                    rows[i * cols + j] = columns[j * n + i];
                }
            }
        }
        return rows;
    }

    /** Integers from a numeric vector. */
    static int[] integers(Variable v, String what, String source) {
        if (v.numbers() == null || v.dims().length != 2 || Math.min(v.dims()[0], v.dims()[1]) > 1) {
            throw UserError.failure(source + ": '" + what + "' is " + v.describe() + " of "
                    + java.util.Arrays.toString(v.dims()) + ", expected a numeric vector");
        }
        Numbers numbers = v.numbers();
        int[] out = new int[numbers.count()];
        for (int i = 0; i < out.length; i++) {
            double x = numbers.get(i);
            if (x != Math.rint(x) || x < 0 || x > Integer.MAX_VALUE) {
                throw UserError.failure(source + ": '" + what + "' item " + i + " is " + x + ", not a class index");
            }
            out[i] = (int) x;
        }
        return out;
    }

    /** Names from a cell array of strings. */
    static List<String> strings(Variable v, String what, String source) {
        if (v.cells() == null) {
            throw UserError.failure(source + ": '" + what + "' is " + v.describe() + ", expected a cell array of names");
        }
        List<String> out = new ArrayList<>();
        for (Variable cell : v.cells()) {
            if (cell.text() == null) {
                throw UserError.failure(source + ": '" + what + "' holds " + cell.describe() + ", not text");
            }
            out.add(cell.text());
        }
        return out;
    }
}
