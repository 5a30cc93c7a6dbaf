package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A GGUF array of strings, decoded lazily. Opening a model only walks the length prefixes (262,144 of
 * them for the Gemma 3 vocabulary) and remembers where each string ends; the UTF-8 bytes stay in the
 * mapping until someone asks for them. {@link #toArray()} decodes everything once (one bulk copy, then
 * one {@code new String} per entry) and caches the result.
 *
 * <p>Reading after the owning {@link GgufFile} is closed throws {@link IllegalStateException}.
 */
public final class GgufStringArray {
    private final String file;
    private final MemorySegment seg;
    /** File offset of the first string's u64 length prefix. */
    private final long base;
    /** {@code ends[i]}: file offset just past the bytes of string i. */
    private final long[] ends;
    private volatile String[] decoded;

    GgufStringArray(String file, MemorySegment seg, long base, long[] ends) {
        this.file = file;
        this.seg = seg;
        this.base = base;
        this.ends = ends;
    }

    /** Builds one from strings already in memory (used by the writer and tests). */
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

    public int size() {
        return ends != null ? ends.length : decoded.length;
    }

    private long start(int i) {
        return (i == 0 ? base : ends[i - 1]) + 8;
    }

    /** The UTF-8 bytes of entry {@code i} (a copy). */
    public byte[] bytes(int i) {
        if (ends == null) return decoded[i].getBytes(StandardCharsets.UTF_8);
        checkOpen();
        long s = start(i);
        byte[] b = new byte[(int) (ends[i] - s)];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, s, b, 0, b.length);
        return b;
    }

    /** Entry {@code i}, decoded as UTF-8 (malformed bytes become U+FFFD, as {@link String} does). */
    public String get(int i) {
        String[] d = decoded;
        if (d != null) return d[i];
        return new String(bytes(i), StandardCharsets.UTF_8);
    }

    /** All entries, decoded once and cached; the returned array is shared, do not modify it. */
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
        long total = ends[n - 1] - base;
        if (total > Integer.MAX_VALUE - 8) {
            for (int i = 0; i < n; i++) out[i] = get(i);
            return out;
        }
        // One bulk copy of the whole region (length prefixes included), then decode in place.
        byte[] buf = new byte[(int) total];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base, buf, 0, buf.length);
        long prevEnd = base;
        for (int i = 0; i < n; i++) {
            int off = (int) (prevEnd + 8 - base);
            int len = (int) (ends[i] - prevEnd - 8);
            out[i] = new String(buf, off, len, StandardCharsets.UTF_8);
            prevEnd = ends[i];
        }
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
