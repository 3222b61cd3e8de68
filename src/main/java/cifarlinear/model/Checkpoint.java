package cifarlinear.model;

import cifarlinear.UserError;
import cifarlinear.data.FeatureStats;
import cifarlinear.util.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The model file, {@code model.ckpt}. All numbers are big-endian; floats are IEEE-754 binary32.
 *
 * <pre>
 * magic        8 bytes   ASCII "CIFARLIN"
 * version      u32       1
 * loss         u8        0 = softmax, 1 = sigmoid
 * classes K    u32       1 .. 10000
 * features d   u32       1 .. 1048576
 * class names  K × (u16 byte length, UTF-8 bytes)
 * mean         f32[d]    normalization: x = (u − mean) / std
 * std          f32[d]
 * W            f32[K·d]  row-major, row k = class k
 * b            f32[K]
 * metadata     u32 length L, then L bytes of UTF-8 JSON (how the model was trained; may be empty)
 * checksum     u32       CRC-32C of every byte before it
 * </pre>
 *
 * A file that is truncated, corrupt, of another version or inconsistent is refused with a
 * message naming the file and the problem.
 */
public final class Checkpoint {
    public static final byte[] MAGIC = "CIFARLIN".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    static final int MAX_CLASSES = 10_000;
    static final int MAX_FEATURES = 1 << 20;
    static final int MAX_NAME_BYTES = 1024;
    static final int MAX_METADATA_BYTES = 16 << 20;
    static final long MAX_FILE_BYTES = 1L << 30;

    /** A model and the JSON metadata stored with it. */
    public record Contents(LinearModel model, String metadataJson) {
    }

    private Checkpoint() {
    }

    public static byte[] encode(LinearModel model, String metadataJson) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeByte(model.loss().ordinal());
            out.writeInt(model.classCount());
            out.writeInt(model.dim());
            for (String name : model.classNames()) {
                byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                if (utf8.length > MAX_NAME_BYTES) {
                    throw new IllegalArgumentException("class name longer than " + MAX_NAME_BYTES + " bytes: " + name);
                }
                out.writeShort(utf8.length);
                out.write(utf8);
            }
            writeFloats(out, model.stats().mean());
            writeFloats(out, model.stats().std());
            writeFloats(out, model.weights());
            writeFloats(out, model.bias());
            byte[] meta = metadataJson == null ? new byte[0] : metadataJson.getBytes(StandardCharsets.UTF_8);
            out.writeInt(meta.length);
            out.write(meta);
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
    }

    /** Writes the checkpoint atomically: the file is complete or untouched. */
    public static void write(Path file, LinearModel model, String metadataJson) throws IOException {
        AtomicFiles.write(file, encode(model, metadataJson));
    }

    public static Contents read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw bad(file, "is " + size + " bytes, larger than any model this program writes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw UserError.usage(file + ": no such model file");
        } catch (IOException e) {
            throw UserError.failure(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return decode(bytes, file.toString());
    }

    public static Contents decode(byte[] bytes, String source) {
        if (bytes.length < MAGIC.length || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw bad(source, "is not a cifar-linear model file (wrong magic bytes)");
        }
        if (bytes.length < MAGIC.length + 8) {
            throw bad(source, "is truncated");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw bad(source, "has format version " + version + "; this program reads version " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw bad(source, "is corrupt or truncated (checksum mismatch)");
        }
        ByteBuffer body = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        body.position(in.position());
        try {
            int lossCode = body.get() & 0xFF;
            if (lossCode >= Loss.values().length) {
                throw bad(source, "names unknown loss " + lossCode);
            }
            int k = body.getInt();
            int d = body.getInt();
            if (k < 1 || k > MAX_CLASSES) {
                throw bad(source, "claims " + k + " classes");
            }
            if (d < 1 || d > MAX_FEATURES) {
                throw bad(source, "claims " + d + " features");
            }
            long floats = 2L * d + (long) k * d + k;
            if (floats * 4 > body.remaining()) {
                throw bad(source, "is shorter than its shapes (" + k + " × " + d + ") require");
            }
            List<String> names = new ArrayList<>(k);
            for (int c = 0; c < k; c++) {
                int len = body.getShort() & 0xFFFF;
                if (len > MAX_NAME_BYTES || len > body.remaining()) {
                    throw bad(source, "has a class name of " + len + " bytes");
                }
                byte[] utf8 = new byte[len];
                body.get(utf8);
                names.add(utf8(utf8, source));
            }
            float[] mean = readFloats(body, d);
            float[] std = readFloats(body, d);
            float[] w = readFloats(body, k * d);
            float[] b = readFloats(body, k);
            int metaLen = body.getInt();
            if (metaLen < 0 || metaLen > MAX_METADATA_BYTES || metaLen != body.remaining()) {
                throw bad(source, "has " + metaLen + " bytes of metadata where " + body.remaining() + " remain");
            }
            byte[] meta = new byte[metaLen];
            body.get(meta);
            FeatureStats stats;
            try {
                stats = new FeatureStats(mean, std);
            } catch (IllegalArgumentException e) {
                throw bad(source, "has invalid normalization statistics: " + e.getMessage());
            }
            for (float v : w) {
                if (!Float.isFinite(v)) {
                    throw bad(source, "has non-finite weights");
                }
            }
            for (float v : b) {
                if (!Float.isFinite(v)) {
                    throw bad(source, "has non-finite biases");
                }
            }
            LinearModel model = new LinearModel(Loss.values()[lossCode], names, stats, w, b);
            return new Contents(model, utf8(meta, source));
        } catch (BufferUnderflowException e) {
            throw bad(source, "is truncated");
        }
    }

    private static String utf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(source, "has text that is not valid UTF-8");
        }
    }

    private static UserError bad(Object source, String what) {
        return UserError.failure(source + ": " + what);
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(a.length * 4);
        buf.asFloatBuffer().put(a);
        out.write(buf.array());
    }

    private static float[] readFloats(ByteBuffer in, int n) {
        float[] a = new float[n];
        in.asFloatBuffer().get(a);
        in.position(in.position() + n * 4);
        return a;
    }
}
