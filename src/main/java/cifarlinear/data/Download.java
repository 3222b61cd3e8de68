package cifarlinear.data;

import cifarlinear.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Fetches an official CIFAR archive, over HTTP(S) or from a folder that holds the official files
 * (a path or a {@code file:} URL: a lab's shared copy, a USB stick). The bytes go to
 * {@code NAME.part} beside the target, a download that stopped resumes from where it stopped (an
 * HTTP range request), and only a file whose MD5 matches the one published on the CIFAR page is
 * renamed to its final name.
 */
public final class Download {
    public static final String OFFICIAL = "https://www.cs.toronto.edu/~kriz/";
    public static final String PARTIAL_SUFFIX = ".part";

    /** The archives and the MD5 sums the CIFAR page publishes for them. */
    public enum Archive {
        CIFAR10_BINARY("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"),
        CIFAR10_PYTHON("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),
        CIFAR10_MATLAB("cifar-10-matlab.tar.gz", "70270af85842c9e89bb428ec9976c926"),
        CIFAR100_BINARY("cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"),
        CIFAR100_PYTHON("cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85");

        public final String fileName;
        public final String md5;

        Archive(String fileName, String md5) {
            this.fileName = fileName;
            this.md5 = md5;
        }
    }

    /** Follows a download: bytes so far of a total (−1 when unknown). */
    public interface Progress {
        void start(long done, long total);

        void advance(long done);
    }

    private Download() {
    }

    /**
     * Whether {@code base} is a source {@link #fetch} can read: an http or https address, a
     * {@code file:} URL, or a path (anything without a scheme of two letters or more).
     */
    public static boolean supported(String base) {
        String scheme = scheme(base);
        return scheme == null || scheme.equals("http") || scheme.equals("https") || scheme.equals("file");
    }

    /** The URL scheme of {@code base} in lowercase, or null for a path (C: is a drive, not a scheme). */
    private static String scheme(String base) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):").matcher(base);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /**
     * Downloads {@code base + name} into {@code dir}, resuming a partial download; or copies it
     * from the folder {@code base} (a path or a {@code file:} URL).
     *
     * @return the downloaded file
     * @throws UserError when the transfer fails (the partial file stays, for the next try), the MD5
     *                   differs (the partial file is removed), or a different file has the name
     */
    public static Path fetch(String base, String name, String md5, Path dir, Progress progress) {
        Path target = dir.resolve(name);
        Path part = dir.resolve(name + PARTIAL_SUFFIX);
        try {
            Files.createDirectories(dir);
            if (Files.exists(target)) {
                String have = md5(target);
                if (have.equals(md5)) {
                    return target;
                }
                throw UserError.failure(target + " exists and its MD5 is " + have + ", not the published " + md5
                        + "; move it away to download again");
            }
            String scheme = scheme(base);
            String source; // where the bytes came from, for the messages
            if (scheme == null || scheme.equals("file")) {
                Path folder;
                try {
                    folder = scheme == null ? Path.of(base) : Path.of(URI.create(base));
                } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                    throw UserError.failure(base + ": not a folder this machine can read (" + describe(e) + ")");
                }
                Path file = folder.resolve(name);
                copy(file, part, progress);
                source = file.toString();
            } else {
                URI uri = URI.create(base.endsWith("/") ? base + name : base + "/" + name);
                transfer(uri, part, progress);
                source = uri.toString();
            }
            String have = md5(part);
            if (!have.equals(md5)) {
                Files.delete(part);
                throw UserError.failure(source + ": the download's MD5 is " + have + ", not the published " + md5
                        + "; removed it, run the command again to retry");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target);
            }
            return target;
        } catch (IOException e) {
            throw UserError.failure("cannot write to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Copies the mirror's file to {@code part}. */
    private static void copy(Path source, Path part, Progress progress) {
        if (!Files.isRegularFile(source)) {
            throw UserError.failure(source + ": no such file in the mirror folder (it should hold the official "
                    + "archives under their own names)");
        }
        long[] done = {0};
        try (InputStream in = Files.newInputStream(source); OutputStream out = openPart(part, false)) {
            progress.start(0, Files.size(source));
            pump(in, out, done, progress);
        } catch (IOException e) {
            throw UserError.failure(source + ": the copy stopped after " + done[0] + " bytes (" + describe(e)
                    + "); run the command again to retry");
        }
    }

    private static OutputStream openPart(Path part, boolean append) throws IOException {
        return Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Copies {@code in} to {@code out}, adding to {@code done[0]} and telling {@code progress} as it goes. */
    private static void pump(InputStream in, OutputStream out, long[] done, Progress progress) throws IOException {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            done[0] += n;
            progress.advance(done[0]);
        }
    }

    /** Appends the rest of {@code uri} to {@code part}. */
    private static void transfer(URI uri, Path part, Progress progress) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpURLConnection http;
        int status;
        try {
            http = (HttpURLConnection) uri.toURL().openConnection();
            http.setConnectTimeout((int) Duration.ofSeconds(30).toMillis());
            http.setReadTimeout((int) Duration.ofSeconds(60).toMillis());
            http.setInstanceFollowRedirects(true);
            if (have > 0) {
                http.setRequestProperty("Range", "bytes=" + have + "-");
            }
            status = http.getResponseCode();
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.failure(uri + ": cannot connect (" + describe(e) + ")");
        }
        try {
            boolean append = status == 206;
            if (status == 416 && have > 0) {
                return; // the partial file is already whole; the checksum decides
            }
            if (status != 200 && status != 206) {
                throw UserError.failure(uri + ": the server answered HTTP " + status);
            }
            long length = http.getContentLengthLong();
            long[] done = {append ? have : 0};
            long expected = length < 0 ? -1 : done[0] + length;
            progress.start(done[0], expected);
            try (InputStream in = http.getInputStream(); OutputStream out = openPart(part, append)) {
                pump(in, out, done, progress);
            } catch (IOException e) {
                throw UserError.failure(uri + ": the transfer stopped after " + done[0] + " bytes (" + describe(e)
                        + "); run the command again to resume");
            }
            if (expected >= 0 && done[0] < expected) {
                throw UserError.failure(uri + ": the transfer stopped after " + done[0] + " of " + expected
                        + " bytes; run the command again to resume");
            }
        } finally {
            http.disconnect();
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The MD5 of a file, in lowercase hexadecimal. */
    public static String md5(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest()).toLowerCase(Locale.ROOT);
    }
}
