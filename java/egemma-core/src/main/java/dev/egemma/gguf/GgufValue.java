package dev.egemma.gguf;

/**
 * One metadata value. {@code value} holds: Integer for u8/i8/u16/i16/i32, Long for u32/u64/i64,
 * Float, Double, Boolean, String; for arrays a primitive array (byte[] for u8/i8, short[] for u16/i16,
 * int[] for u32/i32 (u32 as raw bits), long[], float[], double[], boolean[], String[]) or GgufValue[]
 * for arrays of arrays. {@code elementType} is set for arrays only.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    public static GgufValue array(GgufValueType elementType, Object value) {
        return new GgufValue(GgufValueType.ARRAY, elementType, value);
    }

    /** Number of elements for an array, 1 otherwise. */
    public int length() {
        if (type != GgufValueType.ARRAY) return 1;
        return java.lang.reflect.Array.getLength(value);
    }

    @Override
    public String toString() {
        if (type != GgufValueType.ARRAY) return type == GgufValueType.STRING ? '"' + (String) value + '"' : String.valueOf(value);
        return "[" + elementType + " x " + length() + "]";
    }
}
