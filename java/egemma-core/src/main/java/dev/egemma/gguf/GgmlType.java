// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

/**
 * ggml tensor types as stored in GGUF: id, elements per block and bytes per block.
 * Values follow ggml.h's {@code enum ggml_type} and {@code type_traits} (blck_size, type_size).
 */
public enum GgmlType {
    // Sizes are spelled as the block structs of ggml-common.h add up (ggml_half = 2 bytes), K-quants with QK_K = 256.
    /** 32-bit IEEE float. */
    F32(0, 1, 4),
    /** 16-bit IEEE half float. */
    F16(1, 1, 2),
    /** 4-bit quants, 32 per block with an fp16 scale. */
    Q4_0(2, 32, 2 + 16),
    /** 4-bit quants, 32 per block with an fp16 scale and minimum. */
    Q4_1(3, 32, 2 + 2 + 16),
    // 4 and 5 (Q4_2, Q4_3) were removed from ggml; a file using them is read as an unknown type.
    /** 5-bit quants, 32 per block with an fp16 scale. */
    Q5_0(6, 32, 2 + 4 + 16),
    /** 5-bit quants, 32 per block with an fp16 scale and minimum. */
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    /** 8-bit quants, 32 per block with an fp16 scale. */
    Q8_0(8, 32, 2 + 32),
    /** 8-bit quants, 32 per block with an fp16 scale and sum (ggml's activation format for Q4_1/Q5_1 products). */
    Q8_1(9, 32, 2 + 2 + 32),
    /** K-quant: 2-bit quants in super-blocks of 256 with 4-bit sub-block scales and minimums. */
    Q2_K(10, 256, 256 / 16 + 256 / 4 + 2 + 2),
    /** K-quant: 3-bit quants in super-blocks of 256 with 6-bit sub-block scales. */
    Q3_K(11, 256, 256 / 8 + 256 / 4 + 12 + 2),
    /** K-quant: 4-bit quants in super-blocks of 256 with 6-bit sub-block scales and minimums. */
    Q4_K(12, 256, 2 + 2 + 12 + 256 / 2),
    /** K-quant: 5-bit quants in super-blocks of 256 with 6-bit sub-block scales and minimums. */
    Q5_K(13, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2),
    /** K-quant: 6-bit quants in super-blocks of 256 with 8-bit sub-block scales. */
    Q6_K(14, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2),
    /** K-quant: 8-bit quants in super-blocks of 256 with a float scale and sub-block sums (ggml's activation format for K-quant products). */
    Q8_K(15, 256, 4 + 256 + 256 / 16 * 2),
    /** i-quant, about 2.06 bits per weight (grid codebook), super-blocks of 256. */
    IQ2_XXS(16, 256, 2 + 256 / 8 * 2),
    /** i-quant, about 2.31 bits per weight (grid codebook), super-blocks of 256. */
    IQ2_XS(17, 256, 2 + 256 / 8 * 2 + 256 / 32),
    /** i-quant, about 3.06 bits per weight (grid codebook), super-blocks of 256. */
    IQ3_XXS(18, 256, 2 + 3 * 256 / 8),
    /** i-quant, about 1.56 bits per weight (grid codebook), super-blocks of 256. */
    IQ1_S(19, 256, 2 + 256 / 8 + 256 / 32 * 2),
    /** 4-bit non-linear quants (a fixed 16-value table), 32 per block with an fp16 scale. */
    IQ4_NL(20, 32, 2 + 16),
    /** i-quant, about 3.44 bits per weight (grid codebook), super-blocks of 256. */
    IQ3_S(21, 256, 2 + 256 / 4 + 256 / 32 + 256 / 8 + 256 / 64),
    /** i-quant, about 2.56 bits per weight (grid codebook), super-blocks of 256. */
    IQ2_S(22, 256, 2 + 256 / 4 + 256 / 32 + 256 / 32),
    /** 4-bit non-linear quants in super-blocks of 256 with 6-bit sub-block scales. */
    IQ4_XS(23, 256, 2 + 2 + 256 / 64 + 256 / 2),
    /** 8-bit signed integer. */
    I8(24, 1, 1),
    /** 16-bit signed integer. */
    I16(25, 1, 2),
    /** 32-bit signed integer. */
    I32(26, 1, 4),
    /** 64-bit signed integer. */
    I64(27, 1, 8),
    /** 64-bit IEEE double. */
    F64(28, 1, 8),
    /** i-quant, about 1.75 bits per weight (grid codebook), super-blocks of 256. */
    IQ1_M(29, 256, 256 / 8 + 256 / 16 + 256 / 32),
    /** bfloat16: the upper 16 bits of an IEEE float. */
    BF16(30, 1, 2),
    // 31-33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) and 36-38 (IQ4_NL_4_4, _4_8, _8_8) were repacked layouts that
    // ggml.h no longer lists: read as unknown.
    /** Ternary quants (-1, 0, 1) at about 1.69 bits per weight, super-blocks of 256. */
    TQ1_0(34, 256, (256 - 4 * 256 / 64) / 5 + 256 / 64 + 2),
    /** Ternary quants (-1, 0, 1) in 2 bits each, super-blocks of 256. */
    TQ2_0(35, 256, 256 / 4 + 2),
    /** OCP microscaling FP4: 32 E2M1 values per block with one E8M0 (power-of-two) scale. */
    MXFP4(39, 32, 1 + 16),
    /** NVIDIA FP4: 64 E2M1 values per block with an 8-bit scale per 16. */
    NVFP4(40, 64, 64 / 16 + 64 / 2),
    /** 1-bit quants, 128 per block with an fp16 scale. */
    Q1_0(41, 128, 2 + 128 / 8),
    /** 2-bit quants, 64 per block with an fp16 scale. */
    Q2_0(42, 64, 2 + 64 / 4);

    private static final GgmlType[] BY_ID = new GgmlType[64];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    /** The type's number in GGUF tensor infos ({@code enum ggml_type}). */
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
     *
     * @return a new array of offsets within a block, in bytes; empty when the type has none listed
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

    /**
     * The type with this id, or null if the id is not a known ggml type.
     *
     * @param id a ggml type number as read from a tensor info
     * @return the type, or null for an unknown or removed id (negative ids included)
     */
    public static GgmlType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /**
     * Bytes taken by {@code elements} elements; the count must be a multiple of the block size.
     *
     * @param elements number of values, a multiple of {@link #blockSize}
     * @return {@code elements / blockSize * typeSize}
     * @throws IllegalArgumentException if {@code elements} is not a multiple of the block size
     * @throws ArithmeticException      if the size overflows a long
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(name() + ": " + elements + " elements is not a multiple of block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
