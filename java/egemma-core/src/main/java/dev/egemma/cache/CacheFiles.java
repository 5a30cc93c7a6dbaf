// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;

/**
 * What egemma's per-model caches on disk share (the packed weights, the tokenizer's vocabulary index): where they live,
 * how a model file is named in their keys, and how a file is replaced so that a reader never sees half of one.
 * Internal to egemma; not an API.
 */
public final class CacheFiles {
    private CacheFiles() {}

    /**
     * The directory of one cache: the value of system property {@code property}, or {@code ~/.cache/egemma/<name>} when
     * it is unset; null when it is {@code off} or {@code false}.
     */
    public static Path dir(String property, String name) {
        String prop = System.getProperty(property, "");
        if (prop.equalsIgnoreCase("off") || prop.equalsIgnoreCase("false")) return null;
        return prop.isBlank() ? Path.of(System.getProperty("user.home", "."), ".cache", "egemma", name) : Path.of(prop);
    }

    /**
     * The identity of a model file in a cache key: its real path, size, modification time and file key (inode), so that
     * a moved, replaced or modified model gets another key. {@code real} is the result of {@link Path#toRealPath}.
     */
    public static String modelIdentity(Path real) throws IOException {
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        // the time in nanoseconds and String.concat: formatting an Instant (java.time) or a + (an invokedynamic
        // bootstrap per call site) costs ~30 ms in the cold JVM an open usually runs in
        return "model ".concat(real.toString()).concat("; size ").concat(Long.toString(a.size())).concat("; mtime ns ")
                .concat(Long.toString(a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS))).concat("; file ")
                .concat(String.valueOf(a.fileKey()));
    }

    /**
     * 64-bit FNV-1a of the UTF-8 bytes, in hex: names files only (the key inside is compared in full, so a collision
     * costs a rebuild, never a wrong result); not a MessageDigest, whose providers take ~40 ms to start in a cold JVM.
     */
    public static String hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        return HexFormat.of().toHexDigits(h);
    }

    /** Writes the content of a new cache file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel ch) throws IOException;
    }

    /**
     * Writes {@code file} through a temporary file beside it, moved into place atomically: processes that write the
     * same file at once each leave a whole one, and a reader sees the old file or a new one, never a part. Then deletes
     * the other files of the directory matching {@code staleGlob} (the same model's files under older keys, never read
     * again). A failure leaves no temporary file behind.
     */
    public static void writeAtomically(Path file, String staleGlob, Content content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(ch);
                ch.force(false);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is only disk space
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(file.getParent(), staleGlob)) {
            for (Path p : ds) if (!p.equals(file)) Files.deleteIfExists(p);
        }
    }
}
