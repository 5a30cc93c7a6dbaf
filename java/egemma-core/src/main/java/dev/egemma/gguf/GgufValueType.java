package dev.egemma.gguf;

/** GGUF metadata value types ({@code enum gguf_type}). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Fixed byte width, or -1 for STRING and ARRAY. */
    public final int width;

    GgufValueType(int id, int width) {
        this.id = id;
        this.width = width;
    }

    public static GgufValueType byId(int id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }
}
