package cifarlinear.data;

import cifarlinear.UserError;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The files of a data set, read one after the other: the files of a folder, or the entries of a
 * .tar.gz archive streamed from disk (nothing is extracted). Each file is read whole into memory
 * and handed over with its name; what to do with it is the visitor's business.
 */
sealed interface EntrySource permits EntrySource.Folder, EntrySource.TarGz {
    /** No file of a CIFAR distribution comes near this size; larger entries are refused before reading. */
    long MAX_ENTRY_BYTES = 512L << 20;
    /** Nor do all of them together: reading stops at this many bytes of wanted files. */
    long MAX_TOTAL_BYTES = 2L << 30;

    /** Receives each file: its name relative to the source, where it is (for messages) and its bytes. */
    @FunctionalInterface
    interface Visitor {
        void visit(String name, String where, byte[] bytes);
    }

    /** Calls the visitor for each file whose base name {@code wanted} accepts. */
    void forEach(java.util.function.Predicate<String> wanted, Visitor visitor) throws IOException;

    /** Base names of the files, without reading them (for an archive: null, it is only known by streaming). */
    List<String> names() throws IOException;

    static String baseName(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }

    /** Whether {@code file} starts like a gzip stream. */
    static boolean isGzip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the name says .tar.gz or .tgz. */
    static boolean hasArchiveName(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".tar.gz") || n.endsWith(".tgz");
    }

    /** The regular files directly in a folder. */
    record Folder(Path dir) implements EntrySource {
        @Override
        public List<String> names() throws IOException {
            try (var files = Files.list(dir)) {
                return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
            }
        }

        @Override
        public void forEach(java.util.function.Predicate<String> wanted, Visitor visitor) throws IOException {
            for (String name : names()) {
                if (!wanted.test(name)) {
                    continue;
                }
                Path f = dir.resolve(name);
                long size = Files.size(f);
                if (size > MAX_ENTRY_BYTES) {
                    throw UserError.failure(f + ": " + size + " bytes, far more than any CIFAR file");
                }
                visitor.visit(name, f.toString(), Files.readAllBytes(f));
            }
        }
    }

    /** The regular-file entries of a gzip-compressed tar archive, in archive order. */
    record TarGz(Path file) implements EntrySource {
        @Override
        public List<String> names() {
            return null;
        }

        @Override
        public void forEach(java.util.function.Predicate<String> wanted, Visitor visitor) throws IOException {
            if (!isGzip(file)) {
                throw UserError.failure(file + ": not a gzip-compressed tar archive");
            }
            // One thread decompresses while the caller decodes what came before. When the caller
            // stops early (a bad file), it marks the hand-over abandoned and the reader ends quietly.
            BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
            AtomicBoolean abandoned = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().daemon().name("cifar-linear-untar").start(() -> {
                Object last = END;
                try {
                    read(wanted, (name, where, bytes) -> handOver(queue, new Entry(name, where, bytes), abandoned));
                } catch (Abandoned a) {
                    return;
                } catch (Throwable t) {
                    last = t;
                }
                try {
                    handOver(queue, last, abandoned);
                } catch (Abandoned a) {
                    // nobody is waiting any more
                }
            });
            try {
                while (true) {
                    Object next = queue.take();
                    if (next instanceof Entry e) {
                        visitor.visit(e.name(), e.where(), e.bytes());
                    } else if (next == END) {
                        return;
                    } else if (next instanceof RuntimeException re) {
                        throw re;
                    } else {
                        throw new IllegalStateException((Throwable) next);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw UserError.failure(file + ": interrupted while reading");
            } finally {
                abandoned.set(true);
                queue.clear();
                reader.interrupt();
            }
        }

        private static final Object END = new Object();

        private record Entry(String name, String where, byte[] bytes) {
        }

        /** Thrown in the reader thread when the caller no longer takes what it reads. */
        private static final class Abandoned extends RuntimeException {
            Abandoned() {
                super(null, null, false, false);
            }
        }

        private static void handOver(BlockingQueue<Object> queue, Object item, AtomicBoolean abandoned) {
            try {
                while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    if (abandoned.get()) {
                        throw new Abandoned();
                    }
                }
            } catch (InterruptedException e) {
                throw new Abandoned();
            }
        }

        /** Streams the archive, handing each wanted regular file to {@code visitor} on this thread. */
        private void read(java.util.function.Predicate<String> wanted, Visitor visitor) {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                 InputStream gz = new GZIPInputStream(raw, 1 << 16);
                 TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
                TarArchiveEntry e;
                long total = 0;
                while ((e = tar.getNextEntry()) != null) {
                    String name = e.getName();
                    String where = file + "!/" + name;
                    checkStaysInside(name, where);
                    if (!e.isFile() || !wanted.test(baseName(name))) {
                        continue;
                    }
                    long size = e.getSize();
                    total += size;
                    if (size < 0 || size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES) {
                        throw UserError.failure(where + ": entry of " + size + " bytes, far more than any CIFAR file");
                    }
                    byte[] bytes = tar.readNBytes((int) size);
                    if (bytes.length != size) {
                        throw UserError.failure(where + ": the archive ends inside this entry (truncated download?)");
                    }
                    visitor.visit(name, where, bytes);
                }
            } catch (ZipException | EOFException e) {
                throw UserError.failure(file + ": corrupt or truncated archive (" + e.getMessage() + ")");
            } catch (IOException | IllegalArgumentException e) {
                throw UserError.failure(file + ": not a readable tar archive (" + e.getMessage() + ")");
            }
        }

        /** Refuses entry names that would lead out of the archive's folder if it were extracted. */
        private static void checkStaysInside(String name, String where) {
            if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
                throw UserError.failure(where + ": entry has an absolute path; refusing the archive");
            }
            int depth = 0;
            for (String part : name.split("[/\\\\]")) {
                if (part.equals("..")) {
                    depth--;
                } else if (!part.isEmpty() && !part.equals(".")) {
                    depth++;
                }
                if (depth < 0) {
                    throw UserError.failure(where + ": entry leads out of the archive's folder; refusing the archive");
                }
            }
        }
    }
}
