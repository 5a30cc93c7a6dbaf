// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value. {@link #value()} gives: Integer for u8/i8/u16/i16/i32, Long for u32/u64/i64,
 * Float, Double, Boolean, String; for arrays a primitive array (byte[] for u8/i8, short[] for u16/i16,
 * int[] for u32/i32 (u32 as raw bits), long[], float[], double[], boolean[], String[]) or GgufValue[]
 * for arrays of arrays. {@code elementType} is set for arrays only.
 *
 * <p>Arrays of strings read from a file are held as a lazily decoded {@link GgufStringArray}
 * ({@link #stringArray()}); {@link #value()} decodes them on first use.
 *
 * @param type        the value's type
 * @param elementType the elements' type for an ARRAY; null otherwise
 * @param value       the Java representation described above
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    /**
     * Checks the components; an array of strings given as a String[] is held as a {@link GgufStringArray}.
     *
     * @throws NullPointerException if {@code type} or {@code value} is null, or {@code elementType} for an array
     */
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GgufValueType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType");
            if (elementType == GgufValueType.STRING && value instanceof String[] s) value = GgufStringArray.of(s);
        }
    }

    /**
     * A scalar value.
     *
     * @param type  its type (not ARRAY)
     * @param value its Java representation, e.g. a Long for UINT32
     * @return the value
     */
    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    /**
     * An array value.
     *
     * @param elementType the elements' type
     * @param value       the elements, e.g. a float[] for FLOAT32, a String[] for STRING
     * @return the value
     */
    public static GgufValue array(GgufValueType elementType, Object value) {
        return new GgufValue(GgufValueType.ARRAY, elementType, value);
    }

    /**
     * The value; an array of strings is decoded (once, then cached) and shared: do not modify it.
     *
     * @return the representation described in the class comment, never null
     */
    @Override
    public Object value() {
        return value instanceof GgufStringArray l ? l.toArray() : value;
    }

    /**
     * For an array of strings, the lazily decoded view; null otherwise.
     *
     * @return the view, or null
     */
    public GgufStringArray stringArray() {
        return value instanceof GgufStringArray l ? l : null;
    }

    /**
     * Number of elements for an array, 1 otherwise (does not decode strings).
     *
     * @return the element count, or 1
     */
    public int length() {
        if (type != GgufValueType.ARRAY) return 1;
        if (value instanceof GgufStringArray l) return l.size();
        return java.lang.reflect.Array.getLength(value);
    }

    /**
     * Same type and same content (arrays compared element by element, nested arrays recursively).
     *
     * @param o the other value; may be null
     * @return true if both have the same types and content
     */
    public boolean contentEquals(GgufValue o) {
        if (o == null || type != o.type || elementType != o.elementType) return false;
        Object a = value(), b = o.value();
        if (a instanceof GgufValue[] x && b instanceof GgufValue[] y) {
            if (x.length != y.length) return false;
            for (int i = 0; i < x.length; i++) if (!x[i].contentEquals(y[i])) return false;
            return true;
        }
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && contentEquals(v);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, length());
    }

    @Override
    public String toString() {
        if (type != GgufValueType.ARRAY) return type == GgufValueType.STRING ? '"' + (String) value + '"' : String.valueOf(value);
        return "[" + elementType + " x " + length() + "]";
    }
}
