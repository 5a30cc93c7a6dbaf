// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

/**
 * An independent decoding of one ggml block, element by element: for element {@code i} of a block, where its
 * bits lie and what ggml-quants.c's {@code dequantize_row_*} multiplies them by, in the same float order. Written
 * from ggml-common.h's block structs and the C loops, indexed per element rather than looped per sub-block as
 * {@link Dequantizer} is, so the two share no code and agree only if both follow ggml.
 */
final class GgmlBlockReference {
    /** ggml-common.h kvalues_iq4nl. */
    private static final int[] IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private GgmlBlockReference() {}

    /** Element {@code i} of the block {@code b} of {@code type}. */
    static float element(GgmlType type, byte[] b, int i) {
        return switch (type) {
            case Q8_0 -> f16(b, 0) * b[2 + i];
            case Q4_0 -> (nibble(b, 2, i) - 8) * f16(b, 0);
            case Q4_1 -> nibble(b, 4, i) * f16(b, 0) + f16(b, 2);
            case Q5_0 -> ((nibble(b, 6, i) | bit(b, 2, i) << 4) - 16) * f16(b, 0);
            case Q5_1 -> (nibble(b, 8, i) | bit(b, 4, i) << 4) * f16(b, 0) + f16(b, 2);
            case IQ4_NL -> f16(b, 0) * IQ4NL[nibble(b, 2, i)];
            case IQ4_XS -> {
                int sub = i / 32;
                int ls = bits(b[4 + sub / 2], 4 * (sub % 2), 4) | bits16(b, 2, 2 * sub, 2) << 4;
                yield f16(b, 0) * (ls - 32) * IQ4NL[nibble(b, 8 + 16 * sub, i % 32)];
            }
            case Q2_K -> {
                int sc = u8(b, i / 16), q = crumb(b, 16, i);
                float dl = f16(b, 80) * bits(sc, 0, 4), ml = f16(b, 82) * bits(sc, 4, 4);
                yield dl * q - ml;
            }
            case Q3_K -> {
                int q = crumb(b, 32, i) - (bit(b, i % 32, i / 32) == 1 ? 0 : 4); // hmask[i % 32], bit i / 32
                yield f16(b, 108) * (q3Scales(b)[i / 16] - 32) * q;
            }
            case Q4_K, Q5_K -> {
                int sub = i / 32, chunk = i / 64;
                int q = bits(b[(type == GgmlType.Q4_K ? 16 : 48) + 32 * chunk + i % 32], 4 * (sub % 2), 4);
                if (type == GgmlType.Q5_K) q += bit(b, 16 + i % 32, sub) << 4;
                int[] sm = k4ScaleMin(b, 4, sub);
                float d1 = f16(b, 0) * sm[0], m1 = f16(b, 2) * sm[1];
                yield d1 * q - m1;
            }
            case Q6_K -> {
                int half = i / 128, quarter = (i % 128) / 32, l = i % 32;
                int low = bits(b[64 * half + l + 32 * (quarter % 2)], 4 * (quarter / 2), 4);
                int high = bits(b[128 + 32 * half + l], 2 * quarter, 2);
                int scale = b[192 + 8 * half + l / 16 + 2 * quarter];
                yield f16(b, 208) * scale * ((low | high << 4) - 32);
            }
            default -> throw new IllegalArgumentException("no reference for " + type);
        };
    }

    /**
     * The 16 Q3_K scales as ggml unpacks them: the 12 bytes read as three little-endian u32, shuffled with
     * kmask1 = 0x03030303 and kmask2 = 0x0f0f0f0f into four u32, whose bytes are the scales.
     */
    static int[] q3Scales(byte[] b) {
        int a0 = u32(b, 96), a1 = u32(b, 100), tmp = u32(b, 104);
        int k1 = 0x03030303, k2 = 0x0f0f0f0f;
        int[] aux = {
                (a0 & k2) | ((tmp & k1) << 4),
                (a1 & k2) | (((tmp >>> 2) & k1) << 4),
                ((a0 >>> 4) & k2) | (((tmp >>> 4) & k1) << 4),
                ((a1 >>> 4) & k2) | (((tmp >>> 6) & k1) << 4)};
        int[] s = new int[16];
        for (int j = 0; j < 16; j++) s[j] = (byte) (aux[j / 4] >>> (8 * (j % 4)));
        return s;
    }

    /** ggml's get_scale_min_k4 for the 12 bytes at {@code at}: {scale, min} of sub-block {@code j}. */
    static int[] k4ScaleMin(byte[] b, int at, int j) {
        if (j < 4) return new int[] {bits(b[at + j], 0, 6), bits(b[at + j + 4], 0, 6)};
        return new int[] {
                bits(b[at + j + 4], 0, 4) | bits(b[at + j - 4], 6, 2) << 4,
                bits(b[at + j + 4], 4, 4) | bits(b[at + j], 6, 2) << 4};
    }

    /** Element {@code i}'s 4-bit quant in 32-element layout: low nibbles hold 0-15, high nibbles 16-31. */
    private static int nibble(byte[] b, int at, int i) {
        return bits(b[at + i % 16], 4 * (i / 16), 4);
    }

    /** Element {@code i}'s 2-bit quant of Q2_K/Q3_K: byte (i / 128) * 32 + i % 32, bit pair (i % 128) / 32. */
    private static int crumb(byte[] b, int at, int i) {
        return bits(b[at + (i / 128) * 32 + i % 32], 2 * ((i % 128) / 32), 2);
    }

    /** Bit {@code n} of the little-endian bit string starting at byte {@code at}. */
    private static int bit(byte[] b, int at, int n) {
        return bits(b[at + n / 8], n % 8, 1);
    }

    private static int bits(int v, int from, int count) {
        return (v >>> from) & ((1 << count) - 1);
    }

    private static int bits16(byte[] b, int at, int from, int count) {
        return bits(u8(b, at) | u8(b, at + 1) << 8, from, count);
    }

    private static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    private static int u32(byte[] b, int at) {
        return u8(b, at) | u8(b, at + 1) << 8 | u8(b, at + 2) << 16 | u8(b, at + 3) << 24;
    }

    private static float f16(byte[] b, int at) {
        return Float.float16ToFloat((short) (u8(b, at) | u8(b, at + 1) << 8));
    }
}
