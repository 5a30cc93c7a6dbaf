package dev.egemma.gguf;

/**
 * ggml tensor types as stored in GGUF: id, elements per block and bytes per block.
 * Values follow ggml.h's {@code enum ggml_type} and {@code type_traits} (blck_size, type_size).
 */
public enum GgmlType {
    // Sizes are spelled as the block structs of ggml-common.h add up (ggml_half = 2 bytes), K-quants with QK_K = 256.
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    // 4 and 5 (Q4_2, Q4_3) were removed from ggml; a file using them is read as an unknown type.
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q8_1(9, 32, 2 + 2 + 32),
    Q2_K(10, 256, 256 / 16 + 256 / 4 + 2 + 2),
    Q3_K(11, 256, 256 / 8 + 256 / 4 + 12 + 2),
    Q4_K(12, 256, 2 + 2 + 12 + 256 / 2),
    Q5_K(13, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2),
    Q6_K(14, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2),
    Q8_K(15, 256, 4 + 256 + 256 / 16 * 2),
    IQ2_XXS(16, 256, 2 + 256 / 8 * 2),
    IQ2_XS(17, 256, 2 + 256 / 8 * 2 + 256 / 32),
    IQ3_XXS(18, 256, 2 + 3 * 256 / 8),
    IQ1_S(19, 256, 2 + 256 / 8 + 256 / 32 * 2),
    IQ4_NL(20, 32, 2 + 16),
    IQ3_S(21, 256, 2 + 256 / 4 + 256 / 32 + 256 / 8 + 256 / 64),
    IQ2_S(22, 256, 2 + 256 / 4 + 256 / 32 + 256 / 32),
    IQ4_XS(23, 256, 2 + 2 + 256 / 64 + 256 / 2),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 256 / 8 + 256 / 16 + 256 / 32),
    BF16(30, 1, 2),
    // 31-33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) and 36-38 (IQ4_NL_4_4, _4_8, _8_8) were repacked layouts that
    // ggml.h no longer lists: read as unknown.
    TQ1_0(34, 256, (256 - 4 * 256 / 64) / 5 + 256 / 64 + 2),
    TQ2_0(35, 256, 256 / 4 + 2),
    MXFP4(39, 32, 1 + 16),
    NVFP4(40, 64, 64 / 16 + 64 / 2),
    Q1_0(41, 128, 2 + 128 / 8),
    Q2_0(42, 64, 2 + 64 / 4);

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

    /**
     * Byte offsets of a block's fp16 scale fields ({@code d}, then {@code dmin} or {@code m}) per ggml-common.h, for the
     * quantized types whose rows egemma multiplies; empty for the float types and the others. (Tools that fill blocks
     * with random quants set these to finite scales.)
     */
    public int[] halfScaleOffsets() {
        return switch (this) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
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
