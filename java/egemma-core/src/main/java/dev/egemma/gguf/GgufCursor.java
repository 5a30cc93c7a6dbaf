// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads over a GGUF image. Every length is checked against the bytes that
 * remain before anything is allocated, so a file cannot make the reader allocate more than its own size;
 * every failure is a {@link GgufFormatException} naming file, offset and field.
 */
final class GgufCursor {
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Nesting limit for arrays of arrays: deeper is certainly garbage, and recursion must stay bounded. */
    static final int MAX_DEPTH = 8;
    /** Longest metadata key or scalar string accepted (the longest real ones, chat templates, are ~10 KB). */
    static final long MAX_STRING = 1L << 26;

    final String file;
    final MemorySegment seg;
    long pos;

    GgufCursor(String file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
    }

    long remaining() {
        return seg.byteSize() - pos;
    }

    GgufFormatException error(long at, String field, String problem) {
        return new GgufFormatException(file, at, field, problem);
    }

    /** Claims {@code n} bytes at the cursor and returns their offset. */
    long need(long n, String field) throws GgufFormatException {
        if (n < 0 || n > remaining())
            throw error(pos, field, "needs " + n + " bytes but only " + remaining() + " remain (file is " + seg.byteSize() + " bytes)");
        long at = pos;
        pos += n;
        return at;
    }

    int i32(String field) throws GgufFormatException {
        return seg.get(I32, need(4, field));
    }

    /** A u64 used as a count, size or offset: must fit a signed long. */
    long u64(String field) throws GgufFormatException {
        long v = seg.get(I64, need(8, field));
        if (v < 0) throw error(pos - 8, field, "value " + Long.toUnsignedString(v) + " is too large");
        return v;
    }

    GgufValueType valueType(String field) throws GgufFormatException {
        int id = i32(field);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw error(pos - 4, field, "unknown value type id " + id);
        return t;
    }

    String string(String field, long maxLength) throws GgufFormatException {
        long len = u64(field.concat(" length")); // concat, not +: see GgufFile.parse
        if (len > maxLength) throw error(pos - 8, field, "string of " + len + " bytes is longer than the limit of " + maxLength);
        long at = need(len, field);
        byte[] bytes = new byte[(int) len];
        LittleEndianCopy.bytes(seg, at, bytes, 0, (int) len);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    GgufValue value(GgufValueType type, String key, int depth) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> GgufValue.of(type, seg.get(ValueLayout.JAVA_BYTE, need(1, key)) & 0xff);
            case INT8 -> GgufValue.of(type, (int) seg.get(ValueLayout.JAVA_BYTE, need(1, key)));
            case UINT16 -> GgufValue.of(type, seg.get(I16, need(2, key)) & 0xffff);
            case INT16 -> GgufValue.of(type, (int) seg.get(I16, need(2, key)));
            case UINT32 -> GgufValue.of(type, seg.get(I32, need(4, key)) & 0xffffffffL);
            case INT32 -> GgufValue.of(type, seg.get(I32, need(4, key)));
            case UINT64, INT64 -> GgufValue.of(type, seg.get(I64, need(8, key)));
            case FLOAT32 -> GgufValue.of(type, seg.get(F32, need(4, key)));
            case FLOAT64 -> GgufValue.of(type, seg.get(F64, need(8, key)));
            case BOOL -> {
                byte b = seg.get(ValueLayout.JAVA_BYTE, need(1, key));
                if (b != 0 && b != 1) throw error(pos - 1, key, "bool value " + b + " (must be 0 or 1)");
                yield GgufValue.of(type, b == 1);
            }
            case STRING -> GgufValue.of(type, string(key, MAX_STRING));
            case ARRAY -> array(key, depth);
        };
    }

    private GgufValue array(String key, int depth) throws GgufFormatException {
        if (depth >= MAX_DEPTH) throw error(pos, key, "arrays nested deeper than " + MAX_DEPTH);
        GgufValueType et = valueType(key.concat(" element type"));
        long n = u64(key.concat(" array length"));
        // The smallest encoding of one element bounds how many can fit: a string is at least its u64
        // length, a nested array at least its element type and u64 length.
        long minElem = et.width > 0 ? et.width : (et == GgufValueType.STRING ? 8 : 12);
        if (n > remaining() / minElem || n > Integer.MAX_VALUE - 8)
            throw error(pos - 8, key + " array length", n + " elements of " + et + " cannot fit in the remaining " + remaining() + " bytes");
        int len = (int) n;
        switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[len];
                LittleEndianCopy.bytes(seg, need(len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case BOOL -> {
                long at = need(len, key);
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, at + i);
                    if (b != 0 && b != 1) throw error(at + i, key + "[" + i + "]", "bool value " + b + " (must be 0 or 1)");
                    a[i] = b == 1;
                }
                return GgufValue.array(et, a);
            }
            case UINT16, INT16 -> {
                short[] a = new short[len];
                LittleEndianCopy.shorts(seg, need(2L * len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case UINT32, INT32 -> {
                int[] a = new int[len];
                LittleEndianCopy.ints(seg, need(4L * len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case UINT64, INT64 -> {
                long[] a = new long[len];
                LittleEndianCopy.longs(seg, need(8L * len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                LittleEndianCopy.floats(seg, need(4L * len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                LittleEndianCopy.doubles(seg, need(8L * len, key), a, 0, len);
                return GgufValue.array(et, a);
            }
            case STRING -> {
                return GgufValue.array(et, stringArray(key, len));
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) a[i] = array(key.concat("[").concat(Integer.toString(i)).concat("]"), depth + 1);
                return GgufValue.array(et, a);
            }
            default -> throw new AssertionError(et);
        }
    }

    /**
     * Walks the length prefixes only; the bytes are decoded later, on demand. The prefixes are read from
     * windows copied to the heap rather than with one {@link MemorySegment#get} each: opening a model runs this
     * (262,144 strings for Gemma) in a cold JVM, where a plain array read costs a small fraction of a segment access
     * (measured: about 60 ms down to 20 ms). The walk itself is {@link #walk}, called per {@link #CHUNK} strings: a
     * small method called often is compiled after ~100 calls, where one long loop ran interpreted until its on-stack
     * replacement (~60,000 iterations).
     */
    private GgufStringArray stringArray(String key, int len) throws GgufFormatException {
        long base = pos;
        int[] ends = new int[len]; // relative to base: a string array is limited to 2 GiB
        long p = pos, size = seg.byteSize();
        byte[] w = new byte[(int) Math.min(WINDOW, Math.max(8, size - p))];
        long wStart = p;
        int wLen = 0;
        for (int i = 0; i < len; ) {
            if (p + 8 > wStart + wLen) { // the next prefix is not (wholly) in the window
                if (size - p < 8) {
                    pos = p;
                    throw error(p, key + "[" + i + "] length", "needs 8 bytes but only " + (size - p) + " remain");
                }
                wStart = p;
                wLen = (int) Math.min(w.length, size - p);
                LittleEndianCopy.bytes(seg, p, w, 0, wLen);
            }
            int reached = walk(w, (int) (p - wStart), wLen, ends, i, Math.min(len, i + CHUNK), p - base, size - base);
            if (reached < 0) {
                int bad = -1 - reached; // the strings before it were walked: its prefix follows the last one's end
                throw badString(key, bad, bad == 0 ? base : base + ends[bad - 1]);
            }
            i = reached;
            p = base + ends[i - 1];
        }
        pos = p;
        return new GgufStringArray(file, seg, base, ends);
    }

    /** Strings walked per call of {@link #walk}. */
    private static final int CHUNK = 32;

    /**
     * Reads the prefixes of strings {@code i, i+1, ...} below {@code stop} while they lie wholly in the window, the first
     * at {@code w[o]} and {@code rel} bytes after the array's start ({@code limit} bytes of file from there on), and
     * stores where each string ends. Returns the next string's index, or {@code -1 - index} of a string whose length is
     * too large, runs past the end of the file, or takes the array past 2 GiB ({@link #badString} says which).
     */
    private static int walk(byte[] w, int o, int wLen, int[] ends, int i, int stop, long rel, long limit) {
        for (; i < stop && o + 8 <= wLen; i++) {
            int lo = w[o] & 0xFF | (w[o + 1] & 0xFF) << 8 | (w[o + 2] & 0xFF) << 16 | (w[o + 3] & 0xFF) << 24;
            if ((w[o + 4] | w[o + 5] | w[o + 6] | w[o + 7]) != 0 || lo < 0 || lo > MAX_STRING || lo > limit - rel - 8
                    || rel + 8 + lo > Integer.MAX_VALUE) return -1 - i;
            rel += 8 + lo;
            o += 8 + lo;
            ends[i] = (int) rel;
        }
        return i;
    }

    /** The error for string {@code i} of array {@code key}, whose u64 length is at {@code at}. */
    private GgufFormatException badString(String key, int i, long at) {
        pos = at;
        long l = seg.get(I64, at);
        if (l < 0 || l > MAX_STRING)
            return error(at, key + "[" + i + "]", "string of " + Long.toUnsignedString(l) + " bytes is longer than the limit of " + MAX_STRING);
        if (l > seg.byteSize() - at - 8)
            return error(at, key + "[" + i + "]", "string of " + l + " bytes runs past the end of the file (" + seg.byteSize() + " bytes)");
        return error(at + 8 + l, key + "[" + i + "]", "the array's strings exceed 2 GiB in total");
    }

    /** Bytes copied at a time by {@link #stringArray}. */
    private static final int WINDOW = 1 << 16;
}
