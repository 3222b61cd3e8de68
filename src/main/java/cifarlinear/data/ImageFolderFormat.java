package cifarlinear.data;

import cifarlinear.UserError;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Images sorted into class folders, {@code train/<class>/*} and {@code test/<class>/*}, as a folder,
 * a .zip, or a tar archive (.tar, .tar.gz or .tgz, .tar.xz or .txz), the archives optionally under
 * one top-level folder. A tar archive is taken for image folders when its first files are images
 * in such folders; a .tar.gz that is not is left to {@link CifarFormat}. Files ending in .png,
 * .jpg or .jpeg are read; other files and hidden ones are ignored. Classes are the folder names
 * in sorted order; within a class, files are taken in sorted name order. Every image must be
 * 32 × 32 RGB.
 */
public final class ImageFolderFormat implements DataFormat {
    static final int MAX_CLASSES = 10_000;
    static final int MAX_CLASS_NAME = 200;

    /** No 32 × 32 image file is anywhere near this large. */
    static final long MAX_IMAGE_BYTES = 1 << 20;
    /** Memory the xz decoder may take, in KiB. */
    private static final int XZ_MEMORY_KIB = 100 << 10;
    /** Image bytes a tar archive may hold in all, since they are read before they are decoded. */
    static final long MAX_TAR_IMAGE_BYTES = 1L << 30;

    /** One image file, located but not yet read. */
    private record Entry(String split, String className, String name, Source source) {
    }

    @FunctionalInterface
    private interface Source {
        byte[] read() throws IOException;
    }

    @Override
    public String name() {
        return "image folders";
    }

    @Override
    public boolean accepts(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isDirectory(path.resolve("train")) && Files.isDirectory(path.resolve("test"));
        }
        if (!Files.isRegularFile(path)) {
            return false;
        }
        String n = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".tar.xz")
                || n.endsWith(".txz")) {
            return startsWithImageFolders(path);
        }
        return n.endsWith(".zip");
    }

    @Override
    public CifarData load(Path path, LabelKind labels) throws IOException {
        if (Files.isDirectory(path)) {
            return build(path.toString(), listFolder(path));
        }
        if (path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) {
            try (ZipFile zip = openZip(path)) {
                return build(path.toString(), listZip(path, zip));
            }
        }
        return build(path.toString(), listTar(path));
    }

    /** A tar archive, uncompressed or compressed with gzip or xz (told by their first bytes). */
    private static TarArchiveInputStream openTar(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            raw.mark(6);
            byte[] magic = raw.readNBytes(6);
            raw.reset();
            InputStream in = raw;
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                in = new GZIPInputStream(raw, 1 << 16);
            } else if (XZCompressorInputStream.matches(magic, magic.length)) {
                // A damaged header may ask for any dictionary size; xz -9 needs 64 MiB.
                in = new XZCompressorInputStream(raw, false, XZ_MEMORY_KIB);
            }
            return new TarArchiveInputStream(in);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Whether one of the first few files of the archive is an image in {@code train/<class>/} or
     * {@code test/<class>/}. Stops at the first file too large to be an image (an official CIFAR
     * archive's first or second), so that it reads little either way.
     */
    private static boolean startsWithImageFolders(Path path) {
        try (TarArchiveInputStream tar = openTar(path)) {
            int files = 0;
            TarArchiveEntry e;
            while (files < 8 && (e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                if (e.getSize() > MAX_IMAGE_BYTES) {
                    return false;
                }
                files++;
                String[] parts = entryParts(e.getName());
                if (parts.length >= 3 && isImagePath(parts, parts.length - 3)) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** An entry's name split at its slashes, without a leading "./". */
    private static String[] entryParts(String name) {
        return (name.startsWith("./") ? name.substring(2) : name).split("/");
    }

    /** Whether parts[at ..] are split/class/image (and what comes before them, one folder at most, is not hidden). */
    private static boolean isImagePath(String[] parts, int at) {
        return (at == 0 || at == 1 && !hidden(parts[0])) && parts.length == at + 3 && isSplit(parts[at])
                && !hidden(parts[at + 1]) && !hidden(parts[at + 2]) && ImageDecoder.isImageName(parts[at + 2]);
    }

    /**
     * The images of a tar archive, read into memory in one pass: those under {@code train/} and
     * {@code test/} at its top, or else under one top-level folder, as for a zip.
     */
    private static List<Entry> listTar(Path path) {
        record Found(String prefix, String[] parts, byte[] bytes) {
        }
        List<Found> found = new ArrayList<>();
        long total = 0;
        try (TarArchiveInputStream tar = openTar(path)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String[] parts = entryParts(e.getName());
                if (!e.isFile() || parts.length < 3 || !isImagePath(parts, parts.length - 3)) {
                    continue;
                }
                String where = path + "!/" + e.getName();
                if (e.getSize() > MAX_IMAGE_BYTES) {
                    throw UserError.failure(where + ": " + e.getSize() + " bytes is far too large for a 32×32 image");
                }
                total += e.getSize();
                if (total > MAX_TAR_IMAGE_BYTES) {
                    throw UserError.failure(path + ": more than " + (MAX_TAR_IMAGE_BYTES >> 20) + " MB of images");
                }
                byte[] bytes = tar.readNBytes((int) e.getSize());
                if (bytes.length != e.getSize()) {
                    throw UserError.failure(where + ": the archive ends inside this file (truncated?)");
                }
                String prefix = parts.length == 4 ? parts[0] + "/" : "";
                found.add(new Found(prefix, java.util.Arrays.copyOfRange(parts, parts.length - 3, parts.length), bytes));
            }
        } catch (EOFException | java.util.zip.ZipException e) {
            throw UserError.failure(path + ": corrupt or truncated archive ("
                    + (e.getMessage() == null ? "it ends too soon" : e.getMessage()) + ")");
        } catch (IOException | IllegalArgumentException e) {
            throw UserError.failure(path + ": not a readable tar archive (" + e.getMessage() + ")");
        }
        String prefix = found.stream().anyMatch(f -> f.prefix().isEmpty()) ? ""
                : found.isEmpty() ? null : found.getLast().prefix();
        if (prefix == null) {
            throw UserError.failure(path + ": no train/<class>/<image> entries in this archive");
        }
        List<Entry> entries = new ArrayList<>();
        for (Found f : found) {
            if (f.prefix().equals(prefix)) {
                entries.add(new Entry(f.parts()[0], f.parts()[1], f.parts()[2], f::bytes));
            }
        }
        return entries;
    }

    private static ZipFile openZip(Path path) throws IOException {
        try {
            return new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw UserError.failure(path + ": not a readable zip archive (" + e.getMessage() + ")");
        }
    }

    private static List<Entry> listFolder(Path root) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String split : List.of("train", "test")) {
            Path splitDir = root.resolve(split);
            if (!Files.isDirectory(splitDir)) {
                throw UserError.failure(splitDir + ": missing (expected train/<class>/ and test/<class>/ folders)");
            }
            List<Path> classDirs;
            try (Stream<Path> s = Files.list(splitDir)) {
                classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p.getFileName().toString())).toList();
            }
            for (Path classDir : classDirs) {
                String className = classDir.getFileName().toString();
                try (Stream<Path> files = Files.list(classDir)) {
                    files.filter(Files::isRegularFile)
                            .filter(f -> !hidden(f.getFileName().toString()) && ImageDecoder.isImageName(f.getFileName().toString()))
                            .forEach(f -> entries.add(new Entry(split, className, f.getFileName().toString(),
                                    () -> readFile(f))));
                }
            }
        }
        return entries;
    }

    private static byte[] readFile(Path f) throws IOException {
        long size = Files.size(f);
        if (size > MAX_IMAGE_BYTES) {
            throw UserError.failure(f + ": " + size + " bytes is far too large for a 32×32 image");
        }
        return Files.readAllBytes(f);
    }

    private static List<Entry> listZip(Path path, ZipFile zip) {
        // Find the prefix under which train/ and test/ live: "" or one top-level folder.
        List<? extends ZipEntry> all = zip.stream().filter(e -> !e.isDirectory()).toList();
        String prefix = null;
        for (ZipEntry e : all) {
            String[] parts = e.getName().split("/");
            if (parts.length == 3 && isSplit(parts[0])) {
                prefix = "";
                break;
            }
            if (parts.length == 4 && isSplit(parts[1]) && !hidden(parts[0])) {
                prefix = parts[0] + "/";
            }
        }
        if (prefix == null) {
            throw UserError.failure(path + ": no train/<class>/<image> entries in this zip");
        }
        List<Entry> entries = new ArrayList<>();
        for (ZipEntry e : all) {
            String name = e.getName();
            if (!name.startsWith(prefix)) {
                continue;
            }
            String[] parts = name.substring(prefix.length()).split("/");
            if (parts.length != 3 || !isSplit(parts[0]) || hidden(parts[1]) || hidden(parts[2])
                    || !ImageDecoder.isImageName(parts[2])) {
                continue;
            }
            entries.add(new Entry(parts[0], parts[1], parts[2], () -> readZipEntry(path, zip, e)));
        }
        return entries;
    }

    private static byte[] readZipEntry(Path path, ZipFile zip, ZipEntry e) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readNBytes((int) MAX_IMAGE_BYTES + 1);
            if (bytes.length > MAX_IMAGE_BYTES) {
                throw UserError.failure(path + "!/" + e.getName() + ": far too large for a 32×32 image");
            }
            return bytes;
        } catch (ZipException ex) {
            throw UserError.failure(path + "!/" + e.getName() + ": corrupt zip entry (" + ex.getMessage() + ")");
        }
    }

    private static boolean isSplit(String s) {
        return s.equals("train") || s.equals("test");
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.equals("__MACOSX") || name.equals("Thumbs.db");
    }

    private static CifarData build(String source, List<Entry> entries) {
        Map<String, List<Entry>> train = bySplit(entries, "train");
        Map<String, List<Entry>> test = bySplit(entries, "test");
        if (train.isEmpty()) {
            throw UserError.failure(source + ": no images under train/<class>/");
        }
        if (!train.keySet().equals(test.keySet())) {
            throw UserError.failure(source + ": train/ has classes " + train.keySet() + " but test/ has "
                    + test.keySet());
        }
        List<String> classes = List.copyOf(train.keySet());
        if (classes.size() > MAX_CLASSES) {
            throw UserError.failure(source + ": " + classes.size() + " class folders; at most " + MAX_CLASSES + " are supported");
        }
        for (String c : classes) {
            if (c.length() > MAX_CLASS_NAME) {
                throw UserError.failure(source + ": a class folder name of " + c.length() + " characters");
            }
        }
        return new CifarData("image folders " + source, decode(source, train, classes), decode(source, test, classes));
    }

    private static Map<String, List<Entry>> bySplit(List<Entry> entries, String split) {
        Map<String, List<Entry>> byClass = new TreeMap<>();
        for (Entry e : entries) {
            if (e.split().equals(split)) {
                byClass.computeIfAbsent(e.className(), k -> new ArrayList<>()).add(e);
            }
        }
        byClass.values().forEach(list -> list.sort(Comparator.comparing(Entry::name)));
        return byClass;
    }

    private static Dataset decode(String source, Map<String, List<Entry>> byClass, List<String> classes) {
        List<Entry> ordered = new ArrayList<>();
        List<Integer> labelOf = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            for (Entry e : byClass.get(classes.get(c))) {
                ordered.add(e);
                labelOf.add(c);
            }
        }
        int n = ordered.size();
        if ((long) n * Dataset.DIM > Integer.MAX_VALUE - 8) {
            throw UserError.failure(source + ": " + n + " images do not fit in memory at once");
        }
        byte[] pixels = new byte[n * Dataset.DIM];
        int[] labels = new int[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            Entry e = ordered.get(i);
            String where = source + "/" + e.split() + "/" + e.className() + "/" + e.name();
            byte[] bytes;
            try {
                bytes = e.source().read();
            } catch (IOException ex) {
                throw new UncheckedIOException(where + ": " + ex.getMessage(), ex);
            }
            ImageDecoder.decodeInto(bytes, where, pixels, i * Dataset.DIM);
            labels[i] = labelOf.get(i);
        });
        return Dataset.ofUint8(pixels, labels, classes);
    }
}
