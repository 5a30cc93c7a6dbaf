// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Bulk copies of little-endian values from a segment into Java arrays, as segment-to-segment copies on a little-endian
 * machine. {@code MemorySegment.copy(segment, layout, offset, array, ...)} picks the array's element type with a pattern
 * switch whose first use in a JVM spins a class (~10-20 ms of a cold open, measured); copying into
 * {@code MemorySegment.ofArray(array)} does not. Big-endian machines take the layout copy, which swaps. Bounds are
 * checked by the copies themselves. Internal to egemma; not an API.
 */
public final class LittleEndianCopy {
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private LittleEndianCopy() {}

    /**
     * Copies {@code count} bytes from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void bytes(MemorySegment src, long offset, byte[] dst, int index, int count) {
        MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), index, count);
    }

    /**
     * Copies {@code count} little-endian shorts from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void shorts(MemorySegment src, long offset, short[] dst, int index, int count) {
        if (NATIVE_LE) MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), 2L * index, 2L * count);
        else MemorySegment.copy(src, GgufCursor.I16, offset, dst, index, count);
    }

    /**
     * Copies {@code count} little-endian ints from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void ints(MemorySegment src, long offset, int[] dst, int index, int count) {
        if (NATIVE_LE) MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), 4L * index, 4L * count);
        else MemorySegment.copy(src, GgufCursor.I32, offset, dst, index, count);
    }

    /**
     * Copies {@code count} little-endian longs from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void longs(MemorySegment src, long offset, long[] dst, int index, int count) {
        if (NATIVE_LE) MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), 8L * index, 8L * count);
        else MemorySegment.copy(src, GgufCursor.I64, offset, dst, index, count);
    }

    /**
     * Copies {@code count} little-endian floats from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void floats(MemorySegment src, long offset, float[] dst, int index, int count) {
        if (NATIVE_LE) MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), 4L * index, 4L * count);
        else MemorySegment.copy(src, GgufCursor.F32, offset, dst, index, count);
    }

    /**
     * Copies {@code count} little-endian doubles from {@code src} at byte {@code offset} into {@code dst[index..index+count)}.
     *
     * @param src the segment read
     * @param offset byte offset of the first value in {@code src}
     * @param dst the array written
     * @param index first element of {@code dst} written
     * @param count values copied
     */
    public static void doubles(MemorySegment src, long offset, double[] dst, int index, int count) {
        if (NATIVE_LE) MemorySegment.copy(src, offset, MemorySegment.ofArray(dst), 8L * index, 8L * count);
        else MemorySegment.copy(src, GgufCursor.F64, offset, dst, index, count);
    }
}
