package cifarlinear.data;

import cifarlinear.UserError;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CIFAR's Python batches: pickled dictionaries holding a NumPy uint8 array and lists of
 * labels and names. Handles what Python 2's cPickle wrote (byte-string keys, the array's bytes in
 * a str, {@code numpy.core.multiarray._reconstruct}) and what Python 3 writes when the batches are
 * re-saved: protocols 2 to 5, str or bytes keys, NumPy 1.x ({@code numpy.core}) and 2.x
 * ({@code numpy._core}) reduce paths, including protocol 5's {@code _frombuffer}.
 */
final class Pickles {
    private Pickles() {
    }

    static {
        for (String core : List.of("numpy.core", "numpy._core")) {
            Unpickler.registerConstructor(core + ".multiarray", "_reconstruct", args -> new NdArray());
            Unpickler.registerConstructor(core + ".numeric", "_frombuffer", Pickles::fromBuffer);
            Unpickler.registerConstructor(core + ".multiarray", "scalar", Pickles::scalar);
        }
        Unpickler.registerConstructor("numpy", "dtype", args -> new DType(text(args[0])));
    }

    /** A NumPy dtype, as far as this reader needs it: kind, size and byte order. */
    public static final class DType {
        final String code;
        char order = '|';

        DType(String code) {
            this.code = code;
            if (code.startsWith("<") || code.startsWith(">")) {
                order = code.charAt(0);
            }
        }

        /** Called by the unpickler with numpy's dtype state: (version, byte order, ...). */
        public void __setstate__(Object[] state) {
            if (state.length > 1 && state[1] != null) {
                String o = text(state[1]);
                if (!o.isEmpty()) {
                    order = o.charAt(0);
                }
            }
        }

        /** 'u' unsigned, 'i' signed integer, 'f' float, …: the first letter of the code. */
        char kind() {
            for (char ch : code.toCharArray()) {
                if (Character.isLetter(ch)) {
                    return ch;
                }
            }
            return '?';
        }

        /** Bytes per item, or 0 when the code does not say (or says something absurd). */
        int size() {
            String digits = code.replaceAll("\\D", "");
            return digits.isEmpty() || digits.length() > 2 ? 0 : Integer.parseInt(digits);
        }

        @Override
        public String toString() {
            return code;
        }
    }

    /** A NumPy array: shape, dtype, memory order and raw bytes. */
    public static final class NdArray {
        int[] shape;
        DType dtype;
        boolean fortran;
        byte[] data;

        /** Called by the unpickler with ndarray's state: (version, shape, dtype, is_fortran, raw data). */
        public void __setstate__(Object[] state) {
            if (state.length != 5) {
                throw new PickleException("ndarray state of " + state.length + " items");
            }
            shape = ints((Object[]) state[1]);
            dtype = (DType) state[2];
            fortran = Boolean.TRUE.equals(state[3]) || Integer.valueOf(1).equals(state[3]);
            data = bytes(state[4]);
        }

        /** The number of items the shape claims, or −1 when that does not fit a long. */
        long elements() {
            long n = 1;
            try {
                for (int s : shape) {
                    n = Math.multiplyExact(n, s);
                }
            } catch (ArithmeticException e) {
                return -1;
            }
            return n;
        }
    }

    private static Object fromBuffer(Object[] args) {
        NdArray a = new NdArray();
        a.data = bytes(args[0]);
        a.dtype = (DType) args[1];
        a.shape = ints((Object[]) args[2]);
        a.fortran = "F".equals(text(args[3]));
        return a;
    }

    private static Object scalar(Object[] args) {
        DType t = (DType) args[0];
        byte[] raw = bytes(args[1]);
        return integerAt(raw, 0, t);
    }

    /** The dictionary in a pickle, with byte-string keys turned into strings. */
    static Map<String, Object> dictionary(byte[] pickle, String source) {
        Object o;
        Unpickler u = new FastStrings();
        try {
            o = u.load(new PushbackInputStream(new ByteArrayInputStream(pickle), 8));
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw UserError.failure(source + ": not a readable pickle (" + describe(e) + ")");
        } finally {
            u.close();
        }
        if (!(o instanceof Map<?, ?> map)) {
            throw UserError.failure(source + ": not a CIFAR batch (the pickle holds a "
                    + (o == null ? "None" : o.getClass().getSimpleName()) + ", not a dictionary)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(k), v));
        return out;
    }

    /**
     * Python 2's str arrives as SHORT_BINSTRING (under 256 bytes: keys, names) or BINSTRING (the 30
     * MB of a batch's pixels). The stock unpickler builds both a character at a time, far too
     * slowly; this one makes short ones strings in bulk and keeps long ones as the bytes they are,
     * and refuses a length that exceeds what is left of the pickle before allocating anything.
     */
    private static final class FastStrings extends Unpickler {
        private static final short BINSTRING = 'T';
        private static final short SHORT_BINSTRING = 'U';

        /** Opcodes followed by a little-endian length and that many bytes: the length's size. */
        private static int lengthBytes(short key) {
            return switch (key) {
                case 'B', 'X', 0x8b -> 4; // BINBYTES, BINUNICODE, LONG4
                case 'C', 0x8c, 0x8a -> 1; // SHORT_BINBYTES, SHORT_BINUNICODE, LONG1
                case 0x8d, 0x8e, 0x96 -> 8; // BINUNICODE8, BINBYTES8, BYTEARRAY8
                default -> 0;
            };
        }

        @Override
        protected Object dispatch(short key) throws IOException {
            int lengthBytes = lengthBytes(key);
            if (lengthBytes > 0) {
                // Check the length against what is left before the stock code allocates for it.
                byte[] raw = input.readNBytes(lengthBytes);
                if (raw.length < lengthBytes) {
                    throw new PickleException("truncated pickle");
                }
                long len = 0;
                for (int i = lengthBytes - 1; i >= 0; i--) {
                    len = (len << 8) | (raw[i] & 0xFF);
                }
                if (len < 0 || len > input.available()) {
                    throw new PickleException("an item of " + Long.toUnsignedString(len) + " bytes where "
                            + input.available() + " remain");
                }
                ((PushbackInputStream) input).unread(raw);
                return super.dispatch(key);
            }
            if (key == BINSTRING || key == SHORT_BINSTRING) {
                long len = key == SHORT_BINSTRING ? input.read()
                        : Integer.toUnsignedLong(ByteBuffer.wrap(input.readNBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt());
                if (len < 0 || len > input.available()) {
                    throw new PickleException("string of " + len + " bytes where " + input.available() + " remain");
                }
                byte[] bytes = input.readNBytes((int) len);
                stack.add(key == SHORT_BINSTRING ? new String(bytes, StandardCharsets.ISO_8859_1) : bytes);
                return NO_RETURN_VALUE;
            }
            return super.dispatch(key);
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    static Object require(Map<String, Object> dict, String key, String source) {
        if (!dict.containsKey(key)) {
            throw UserError.failure(source + ": not a CIFAR batch (no '" + key + "' entry; it has " + dict.keySet() + ")");
        }
        return dict.get(key);
    }

    /** A C-ordered uint8 matrix of {@code cols} columns: its bytes, row after row. */
    static byte[] uint8Rows(Object value, int cols, String what, String source) {
        if (!(value instanceof NdArray a) || a.shape == null) {
            throw UserError.failure(source + ": '" + what + "' is not a NumPy array");
        }
        if (a.dtype == null || a.dtype.kind() != 'u' || a.dtype.size() != 1) {
            throw UserError.failure(source + ": '" + what + "' has dtype " + a.dtype + ", expected uint8");
        }
        if (a.shape.length != 2 || a.shape[1] != cols) {
            throw UserError.failure(source + ": '" + what + "' has shape " + java.util.Arrays.toString(a.shape)
                    + ", expected (n, " + cols + ")");
        }
        if (a.data == null || a.data.length != a.elements()) {
            throw UserError.failure(source + ": '" + what + "' holds " + (a.data == null ? 0 : a.data.length)
                    + " bytes for shape " + java.util.Arrays.toString(a.shape));
        }
        if (a.fortran && a.shape[0] > 1) {
            byte[] rows = new byte[a.data.length];
            int n = a.shape[0];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < cols; j++) {
                    rows[i * cols + j] = a.data[j * n + i];
                }
            }
            return rows;
        }
        return a.data;
    }

    /** Integers from a list of ints or NumPy scalars, or from a 1-D integer array. */
    static int[] integers(Object value, String what, String source) {
        if (value instanceof NdArray a) {
            if (a.dtype == null || "iu".indexOf(a.dtype.kind()) < 0 || a.dtype.size() == 0 || a.shape == null
                    || a.shape.length != 1 || a.data == null || a.data.length != a.elements() * a.dtype.size()) {
                throw UserError.failure(source + ": '" + what + "' is not a 1-D integer array");
            }
            int[] out = new int[a.shape[0]];
            for (int i = 0; i < out.length; i++) {
                out[i] = checkedInt(integerAt(a.data, i * a.dtype.size(), a.dtype), what, source);
            }
            return out;
        }
        if (!(value instanceof List<?> list)) {
            throw UserError.failure(source + ": '" + what + "' is not a list of integers");
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n) || list.get(i) instanceof Double || list.get(i) instanceof Float) {
                throw UserError.failure(source + ": '" + what + "' item " + i + " is not an integer");
            }
            out[i] = checkedInt(n.longValue(), what, source);
        }
        return out;
    }

    private static int checkedInt(long v, String what, String source) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw UserError.failure(source + ": '" + what + "' holds " + v);
        }
        return (int) v;
    }

    /** Strings from a list of str or bytes. */
    static List<String> strings(Object value, String what, String source) {
        if (!(value instanceof List<?> list)) {
            throw UserError.failure(source + ": '" + what + "' is not a list of names");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String) && !(o instanceof byte[])) {
                throw UserError.failure(source + ": '" + what + "' holds a " + (o == null ? "None" : o.getClass().getSimpleName()));
            }
            out.add(o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (String) o);
        }
        return out;
    }

    private static long integerAt(byte[] raw, int offset, DType t) {
        int size = t.size();
        if (offset + size > raw.length || (size != 1 && size != 2 && size != 4 && size != 8)) {
            throw new PickleException("integer of dtype " + t + " in " + raw.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(raw, offset, size).order(t.order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        boolean unsigned = t.kind() == 'u';
        return switch (size) {
            case 1 -> unsigned ? raw[offset] & 0xFF : raw[offset];
            case 2 -> unsigned ? b.getShort() & 0xFFFF : b.getShort();
            case 4 -> unsigned ? b.getInt() & 0xFFFFFFFFL : b.getInt();
            default -> b.getLong();
        };
    }

    private static int[] ints(Object[] tuple) {
        int[] r = new int[tuple.length];
        for (int i = 0; i < r.length; i++) {
            long v = ((Number) tuple[i]).longValue();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new PickleException("array dimension " + v);
            }
            r[i] = (int) v;
        }
        return r;
    }

    /** Raw bytes as the pickle holds them: bytes, bytearray, or a Python 2 str (one char per byte). */
    private static byte[] bytes(Object o) {
        if (o instanceof byte[] b) {
            return b;
        }
        if (o instanceof String s) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        throw new PickleException("expected bytes, found " + (o == null ? "None" : o.getClass().getSimpleName()));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(o);
    }
}
