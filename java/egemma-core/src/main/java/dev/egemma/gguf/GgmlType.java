package dev.egemma.gguf;

/**
 * ggml tensor types as stored in GGUF: id, elements per block and bytes per block.
 * Values follow ggml.h's {@code enum ggml_type} and {@code type_traits} (blck_size, type_size).
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q8_1(9, 32, 4 + 32),
    Q2_K(10, 256, 256 / 16 + 256 / 4 + 2 + 2),
    Q3_K(11, 256, 256 / 8 + 256 / 4 + 12 + 2),
    Q4_K(12, 256, 2 + 2 + 12 + 256 / 2),
    Q5_K(13, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2),
    Q6_K(14, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2),
    Q8_K(15, 256, 4 + 256 + 256 / 16 * 2),
    IQ4_NL(20, 32, 2 + 16),
    IQ4_XS(23, 256, 2 + 2 + 256 / 64 + 256 / 2),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2);

    private static final GgmlType[] BY_ID = new GgmlType[64];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    public final int id;
    /** Elements per block. */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The type with this id, or null if the id is not a known ggml type. */
    public static GgmlType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** Bytes taken by {@code elements} elements; the count must be a multiple of the block size. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(name() + ": " + elements + " elements is not a multiple of block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
