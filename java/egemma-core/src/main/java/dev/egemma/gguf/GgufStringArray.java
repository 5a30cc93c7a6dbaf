// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A GGUF array of strings, decoded lazily. Opening a model only walks the length prefixes (262,144 of
 * them for the Gemma 3 vocabulary) and remembers where each string ends; the UTF-8 bytes stay in the
 * mapping until someone asks for them. {@link #toArray()} decodes everything once (one {@code new String}
 * per entry) and caches the result; {@link #forEachUtf8} streams the bytes for decoders that need no String.
 *
 * <p>Reading after the owning {@link GgufFile} is closed throws {@link IllegalStateException}.
 */
public final class GgufStringArray {
    private final String file;
    private final MemorySegment seg;
    /** File offset of the first string's u64 length prefix. */
    private final long base;
    /** {@code base + ends[i]}: file offset just past the bytes of string i. */
    private final int[] ends;
    private volatile String[] decoded;

    GgufStringArray(String file, MemorySegment seg, long base, int[] ends) {
        this.file = file;
        this.seg = seg;
        this.base = base;
        this.ends = ends;
    }

    /**
     * Builds one from strings already in memory (used by the writer and tests).
     *
     * @param strings the entries; copied
     * @return an array needing no file
     */
    public static GgufStringArray of(String... strings) {
        return new GgufStringArray(strings.clone());
    }

    private GgufStringArray(String[] strings) {
        this.file = "<memory>";
        this.seg = null;
        this.base = 0;
        this.ends = null;
        this.decoded = strings;
    }

    /**
     * Number of entries.
     *
     * @return the entry count (no decoding)
     */
    public int size() {
        return ends != null ? ends.length : decoded.length;
    }

    /**
     * The UTF-8 bytes of all entries together (length prefixes excluded).
     *
     * @return the total in bytes
     */
    public long utf8Bytes() {
        if (ends == null) {
            long n = 0;
            for (String d : decoded) n += d.getBytes(StandardCharsets.UTF_8).length;
            return n;
        }
        return ends.length == 0 ? 0 : ends[ends.length - 1] - 8L * ends.length;
    }

    /**
     * The array's bytes as the file holds them (each entry's u64 length, then its UTF-8 bytes), a read-only slice of
     * the mapping; null for an array built in memory. What a cache derived from the entries checks them by.
     *
     * @return the entries' bytes, read-only, or null
     */
    public MemorySegment encoded() {
        if (ends == null) return null;
        checkOpen();
        return seg.asSlice(base, ends.length == 0 ? 0 : ends[ends.length - 1]).asReadOnly();
    }

    /** Offset of entry {@code i}'s bytes from {@code base}. */
    private int start(int i) {
        return (i == 0 ? 0 : ends[i - 1]) + 8;
    }

    /**
     * The UTF-8 bytes of entry {@code i} (a copy).
     *
     * @param i the entry, 0 to {@code size() - 1}
     * @return a new array of the entry's bytes
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if the owning file is closed
     */
    public byte[] bytes(int i) {
        if (ends == null) return decoded[i].getBytes(StandardCharsets.UTF_8);
        checkOpen();
        int s = start(i);
        byte[] b = new byte[ends[i] - s];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base + s, b, 0, b.length);
        return b;
    }

    /** Receives entries of {@link #forEachUtf8} as ranges of a scratch buffer. */
    @FunctionalInterface
    public interface Utf8Consumer {
        /**
         * Entry {@code index} is {@code buf[off, off + len)}; the buffer is reused after the call returns.
         *
         * @param index the entry, in order from 0
         * @param buf   the buffer holding its bytes
         * @param off   start of the bytes in {@code buf}
         * @param len   number of bytes
         */
        void accept(int index, byte[] buf, int off, int len);
    }

    /**
     * Hands every entry's UTF-8 bytes to {@code c}, in order, without a {@code byte[]} or {@code String} per
     * entry: the mapping is copied in windows of whole entries into one reused buffer. For bulk decoding
     * (building a tokenizer's vocabulary), where 262,144 small copies or Strings would dominate.
     *
     * @param c receives every entry once
     * @throws IllegalStateException if the owning file is closed
     */
    public void forEachUtf8(Utf8Consumer c) {
        int n = size();
        if (ends == null) {
            for (int i = 0; i < n; i++) {
                byte[] b = bytes(i);
                c.accept(i, b, 0, b.length);
            }
            return;
        }
        checkOpen();
        byte[] w = new byte[1 << 16];
        for (int i = 0; i < n; ) {
            int from = i == 0 ? 0 : ends[i - 1]; // the window starts at entry i's length prefix
            if (ends[i] - from > w.length) w = new byte[ends[i] - from]; // an entry longer than the window
            int last = i;
            while (last + 1 < n && ends[last + 1] - from <= w.length) last++;
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base + from, w, 0, ends[last] - from);
            for (; i <= last; i++) {
                int s = start(i);
                c.accept(i, w, s - from, ends[i] - s);
            }
        }
    }

    /**
     * Entry {@code i}, decoded as UTF-8 (malformed bytes become U+FFFD, as {@link String} does).
     *
     * @param i the entry, 0 to {@code size() - 1}
     * @return the decoded string
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if the owning file is closed
     */
    public String get(int i) {
        String[] d = decoded;
        if (d != null) return d[i];
        return new String(bytes(i), StandardCharsets.UTF_8);
    }

    /**
     * All entries, decoded once and cached; the returned array is shared, do not modify it.
     *
     * @return {@link #size()} strings
     * @throws IllegalStateException if the owning file is closed before they were decoded
     */
    public String[] toArray() {
        String[] d = decoded;
        if (d == null) {
            synchronized (this) {
                d = decoded;
                if (d == null) decoded = d = decodeAll();
            }
        }
        return d;
    }

    private String[] decodeAll() {
        checkOpen();
        int n = ends.length;
        String[] out = new String[n];
        if (n == 0) return out;
        forEachUtf8((i, buf, off, len) -> out[i] = new String(buf, off, len, StandardCharsets.UTF_8));
        return out;
    }

    private void checkOpen() {
        if (!seg.scope().isAlive()) throw new IllegalStateException(file + " is closed");
    }

    @Override
    public String toString() {
        return "[STRING x " + size() + "]";
    }
}
