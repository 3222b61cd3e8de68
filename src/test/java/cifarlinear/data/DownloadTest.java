package cifarlinear.data;

import cifarlinear.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads from a server on 127.0.0.1 that honours ranges and can cut a transfer short. */
class DownloadTest {
    @TempDir
    Path dir;

    private final byte[] payload = new byte[300_000];
    private final AtomicInteger cutAfter = new AtomicInteger(-1);
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private ServerSocket server;
    private Thread serving;
    private String base;

    /** A minimal HTTP/1.1 server: one file, range requests, and a connection cut on demand. */
    @BeforeEach
    void serve() throws IOException {
        new SplittableRandom(1).nextBytes(payload);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serving = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    answer(s);
                } catch (IOException e) {
                    // closed by the test, or the client went away
                }
            }
        });
        base = "http://127.0.0.1:" + server.getLocalPort() + "/files/";
    }

    private void answer(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        String range = null;
        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            if (h.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) {
                range = h.substring(6).strip();
            }
        }
        OutputStream out = s.getOutputStream();
        if (requestLine == null || !requestLine.startsWith("GET /files/archive.tar.gz ")) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return;
        }
        ranges.add(String.valueOf(range));
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("\\D", ""));
        String head = (range == null ? "HTTP/1.1 200 OK" : "HTTP/1.1 206 Partial Content") + "\r\nContent-Length: "
                + (payload.length - from) + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        int cut = cutAfter.getAndSet(-1);
        int end = cut < 0 ? payload.length : Math.min(payload.length, from + cut);
        out.write(payload, from, end - from);
        out.flush();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        serving.join(5000);
    }

    private String md5() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(payload));
    }

    private static final Download.Progress QUIET = new Download.Progress() {
        @Override
        public void start(long done, long total) {
        }

        @Override
        public void advance(long done) {
        }
    };

    @Test
    void keepsAFileWhoseChecksumMatches() throws Exception {
        Path f = Download.fetch(base, "archive.tar.gz", md5(), dir, QUIET);
        assertThat(f).isEqualTo(dir.resolve("archive.tar.gz"));
        assertThat(Files.readAllBytes(f)).isEqualTo(payload);
        assertThat(dir.resolve("archive.tar.gz.part")).doesNotExist();
        // A second run finds it there and fetches nothing.
        ranges.clear();
        assertThat(Download.fetch(base, "archive.tar.gz", md5(), dir, QUIET)).isEqualTo(f);
        assertThat(ranges).isEmpty();
    }

    @Test
    void refusesAFileWhoseChecksumDiffers() {
        assertThatThrownBy(() -> Download.fetch(base, "archive.tar.gz", "0123456789abcdef0123456789abcdef", dir, QUIET))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("archive.tar.gz: the download's MD5 is")
                .hasMessageContaining("not the published 0123456789abcdef0123456789abcdef");
        assertThat(dir.resolve("archive.tar.gz")).doesNotExist();
        assertThat(dir.resolve("archive.tar.gz.part")).doesNotExist();
    }

    @Test
    void resumesATransferThatWasCut() throws Exception {
        cutAfter.set(120_000);
        assertThatThrownBy(() -> Download.fetch(base, "archive.tar.gz", md5(), dir, QUIET))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("run the command again to resume");
        assertThat(dir.resolve("archive.tar.gz")).doesNotExist();
        long partial = Files.size(dir.resolve("archive.tar.gz.part"));
        assertThat(partial).isBetween(1L, 120_000L);

        Path f = Download.fetch(base, "archive.tar.gz", md5(), dir, QUIET);
        assertThat(Files.readAllBytes(f)).isEqualTo(payload);
        assertThat(ranges.getLast()).isEqualTo("bytes=" + partial + "-");
        assertThat(dir.resolve("archive.tar.gz.part")).doesNotExist();
    }

    @Test
    void leavesAnotherFileOfTheSameNameAlone() throws Exception {
        Files.writeString(dir.resolve("archive.tar.gz"), "mine");
        assertThatThrownBy(() -> Download.fetch(base, "archive.tar.gz", md5(), dir, QUIET))
                .hasMessageContaining("exists and its MD5 is");
        assertThat(Files.readString(dir.resolve("archive.tar.gz"))).isEqualTo("mine");
    }

    @Test
    void saysWhenTheServerIsNotThere() throws Exception {
        server.close();
        serving.join(5000);
        assertThatThrownBy(() -> Download.fetch(base, "archive.tar.gz", "x", dir, QUIET))
                .isInstanceOf(UserError.class).hasMessageContaining("cannot connect");
    }

    @Test
    void copiesFromAFolderOrAFileUrl() throws Exception {
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        Files.write(mirror.resolve("archive.tar.gz"), payload);
        Path into = dir.resolve("data");
        Path f = Download.fetch(mirror.toString(), "archive.tar.gz", md5(), into, QUIET);
        assertThat(f).isEqualTo(into.resolve("archive.tar.gz"));
        assertThat(Files.readAllBytes(f)).isEqualTo(payload);
        assertThat(into.resolve("archive.tar.gz.part")).doesNotExist();
        Path other = dir.resolve("other");
        assertThat(Files.readAllBytes(Download.fetch(mirror.toUri().toString(), "archive.tar.gz", md5(), other,
                QUIET))).isEqualTo(payload);
        assertThat(ranges).isEmpty();
    }

    @Test
    void aFolderWithoutTheFileOrAWrongCopyIsOneLine() throws Exception {
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        assertThatThrownBy(() -> Download.fetch(mirror.toString(), "archive.tar.gz", md5(), dir, QUIET))
                .isInstanceOf(UserError.class)
                .hasMessage(mirror.resolve("archive.tar.gz") + ": no such file in the mirror folder (it should hold "
                        + "the official archives under their own names)");
        Files.writeString(mirror.resolve("archive.tar.gz"), "not it");
        assertThatThrownBy(() -> Download.fetch(mirror.toString(), "archive.tar.gz", md5(), dir, QUIET))
                .isInstanceOf(UserError.class).hasMessageContaining(": the download's MD5 is");
        assertThat(dir.resolve("archive.tar.gz")).doesNotExist();
        assertThat(dir.resolve("archive.tar.gz.part")).doesNotExist();
        assertThat(Files.readString(mirror.resolve("archive.tar.gz"))).isEqualTo("not it");
    }

    @Test
    void whatItCanRead() {
        assertThat(Download.supported("https://example.org/cifar/")).isTrue();
        assertThat(Download.supported("http://10.0.0.1:8080")).isTrue();
        assertThat(Download.supported("file:///srv/cifar")).isTrue();
        assertThat(Download.supported("/srv/cifar")).isTrue();
        assertThat(Download.supported("C:\\data\\cifar")).isTrue();
        assertThat(Download.supported("ftp://example.org/cifar")).isFalse();
        assertThat(Download.supported("s3://bucket/cifar")).isFalse();
    }
}
