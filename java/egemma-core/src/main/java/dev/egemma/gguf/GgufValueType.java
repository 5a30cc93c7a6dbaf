// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

/** GGUF metadata value types ({@code enum gguf_type}). */
public enum GgufValueType {
    /** Unsigned 8-bit integer, read as an Integer. */
    UINT8(0, 1),
    /** Signed 8-bit integer, read as an Integer. */
    INT8(1, 1),
    /** Unsigned 16-bit integer, read as an Integer. */
    UINT16(2, 2),
    /** Signed 16-bit integer, read as an Integer. */
    INT16(3, 2),
    /** Unsigned 32-bit integer, read as a Long. */
    UINT32(4, 4),
    /** Signed 32-bit integer, read as an Integer. */
    INT32(5, 4),
    /** IEEE 32-bit float. */
    FLOAT32(6, 4),
    /** Boolean, one byte (0 or 1). */
    BOOL(7, 1),
    /** UTF-8 string: a u64 byte length, then the bytes. */
    STRING(8, -1),
    /** Array: an element type, a u64 count, then the elements. */
    ARRAY(9, -1),
    /** Unsigned 64-bit integer, read as a Long (raw bits). */
    UINT64(10, 8),
    /** Signed 64-bit integer, read as a Long. */
    INT64(11, 8),
    /** IEEE 64-bit double. */
    FLOAT64(12, 8);

    /** The type's number in the file ({@code enum gguf_type}). */
    public final int id;
    /** Fixed byte width, or -1 for STRING and ARRAY. */
    public final int width;

    GgufValueType(int id, int width) {
        this.id = id;
        this.width = width;
    }

    /**
     * The type with this number.
     *
     * @param id a type number as read from the file
     * @return the type, or null if GGUF defines none with that number
     */
    public static GgufValueType byId(int id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }
}
