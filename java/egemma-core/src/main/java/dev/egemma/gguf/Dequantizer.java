// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference dequantization of ggml block formats to float, element for element what ggml's
 * {@code dequantize_row_*} (ggml-quants.c) computes. Used for inspection, tests and token-embedding
 * lookups; the compute kernels read the blocks directly.
 *
 * <p>Block layouts (little-endian, fp16 scales): Q4_0 {d, qs[16]}, Q4_1 {d, m, qs[16]}, Q5_0 {d, qh[4],
 * qs[16]}, Q5_1 {d, m, qh[4], qs[16]}, Q8_0 {d, qs[32]}, Q4_K {d, dmin, scales[12], qs[128]},
 * Q5_K {d, dmin, scales[12], qh[32], qs[128]}, Q6_K {ql[128], qh[64], scales[16], d}, Q2_K {scales[16], qs[64], d,
 * dmin}, Q3_K {hmask[32], qs[64], scales[12], d}, IQ4_NL {d, qs[16]}, IQ4_XS {d, scales_h (u16), scales_l[4], qs[128]}.
 *
 * <p>Float operations are done in ggml's C order and unfused (a multiply, then a subtract), so the values
 * are bit for bit those of the reference build.
 */
public final class Dequantizer {
    /** ggml-common.h's kvalues_iq4nl: the 16 non-linear levels an IQ4 nibble selects. */
    private static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private Dequantizer() {}

    /**
     * True if {@link #dequantize} handles this type.
     *
     * @param type a tensor type
     * @return true for F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K to Q6_K, IQ4_NL and IQ4_XS
     */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /**
     * Row {@code row} (of {@link GgufTensor#rows()}) as floats.
     *
     * @param t   a tensor of a supported type
     * @param row the row, 0 to {@code t.rows() - 1}
     * @return {@link GgufTensor#rowLength()} new floats
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     * @throws IllegalArgumentException  if the row does not fit a float[]
     * @throws UnsupportedOperationException if {@link #supports} rejects the type
     */
    public static float[] row(GgufTensor t, long row) {
        if (row < 0 || row >= t.rows()) throw new IndexOutOfBoundsException(t.name() + ": row " + row + " of " + t.rows());
        long n = t.rowLength();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(t.name() + ": row of " + n + " elements is too long");
        float[] out = new float[(int) n];
        long rowBytes = t.rowBytes();
        dequantize(t.name(), t.type(), t.data(), row * rowBytes, out, 0, (int) n);
        return out;
    }

    /**
     * The whole tensor as floats (row-major in ggml order).
     *
     * @param t a tensor of a supported type
     * @return {@link GgufTensor#elementCount()} new floats
     * @throws IllegalArgumentException      if the tensor does not fit a float[]
     * @throws UnsupportedOperationException if {@link #supports} rejects the type
     */
    public static float[] all(GgufTensor t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(t.name() + ": " + n + " elements do not fit a float[]");
        float[] out = new float[(int) n];
        dequantize(t.name(), t.type(), t.data(), 0, out, 0, (int) n);
        return out;
    }

    /**
     * Dequantizes {@code n} elements (a multiple of the type's block size) stored from byte {@code at} of
     * {@code src} into {@code dst[dstOff..]}. {@code what} names the tensor in error messages.
     *
     * @param what   the tensor's name, for messages
     * @param type   the encoding of {@code src}, one {@link #supports} accepts
     * @param src    the encoded bytes
     * @param at     byte offset of the first block in {@code src}
     * @param dst    receives the values
     * @param dstOff index of the first value in {@code dst}
     * @param n      number of values, a multiple of the type's block size
     * @throws IllegalArgumentException      if {@code n} is not a multiple of the block size
     * @throws UnsupportedOperationException if {@link #supports} rejects the type
     */
    public static void dequantize(String what, GgmlType type, MemorySegment src, long at, float[] dst, int dstOff, int n) {
        if (n % type.blockSize != 0)
            throw new IllegalArgumentException(what + ": " + n + " elements is not a multiple of " + type + "'s block size " + type.blockSize);
        int blocks = n / type.blockSize;
        switch (type) {
            case F32 -> MemorySegment.copy(src, GgufCursor.F32, at, dst, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = Half.f16ToF32(src.get(GgufCursor.I16, at + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = Half.bf16ToF32(src.get(GgufCursor.I16, at + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at);
                    for (int j = 0; j < 32; j++) dst[dstOff + j] = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) * d;
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(src, at + 2 + j);
                        dst[dstOff + j] = ((q & 0x0f) - 8) * d;
                        dst[dstOff + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at), m = half(src, at + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(src, at + 4 + j);
                        dst[dstOff + j] = (q & 0x0f) * d + m;
                        dst[dstOff + j + 16] = (q >>> 4) * d + m;
                    }
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at);
                    int qh = src.get(GgufCursor.I32, at + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(src, at + 6 + j);
                        int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
                        dst[dstOff + j] = (((q & 0x0f) | h0) - 16) * d;
                        dst[dstOff + j + 16] = (((q >>> 4) | h1) - 16) * d;
                    }
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at), m = half(src, at + 2);
                    int qh = src.get(GgufCursor.I32, at + 4);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(src, at + 8 + j);
                        int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
                        dst[dstOff + j] = ((q & 0x0f) | h0) * d + m;
                        dst[dstOff + j + 16] = ((q >>> 4) | h1) * d + m;
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    float d = half(src, at), min = half(src, at + 2);
                    long scales = at + 4, q = at + 16;
                    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
                        float d1 = d * scaleK4(src, scales, is), m1 = min * minK4(src, scales, is);
                        float d2 = d * scaleK4(src, scales, is + 1), m2 = min * minK4(src, scales, is + 1);
                        for (int l = 0; l < 32; l++) dst[dstOff++] = d1 * (u8(src, q + l) & 0x0f) - m1;
                        for (int l = 0; l < 32; l++) dst[dstOff++] = d2 * (u8(src, q + l) >>> 4) - m2;
                    }
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    float d = half(src, at), min = half(src, at + 2);
                    long scales = at + 4, qh = at + 16, ql = at + 48;
                    int u1 = 1, u2 = 2;
                    for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                        float d1 = d * scaleK4(src, scales, is), m1 = min * minK4(src, scales, is);
                        float d2 = d * scaleK4(src, scales, is + 1), m2 = min * minK4(src, scales, is + 1);
                        for (int l = 0; l < 32; l++)
                            dst[dstOff++] = d1 * ((u8(src, ql + l) & 0x0f) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                        for (int l = 0; l < 32; l++)
                            dst[dstOff++] = d2 * ((u8(src, ql + l) >>> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    long ql = at, qh = at + 128, sc = at + 192;
                    float d = half(src, at + 208);
                    for (int nn = 0; nn < 256; nn += 128, ql += 64, qh += 32, sc += 8, dstOff += 128) {
                        for (int l = 0; l < 32; l++) {
                            int is = l / 16;
                            int h = u8(src, qh + l);
                            int q1 = ((u8(src, ql + l) & 0x0f) | ((h & 3) << 4)) - 32;
                            int q2 = ((u8(src, ql + l + 32) & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
                            int q3 = ((u8(src, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                            int q4 = ((u8(src, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                            dst[dstOff + l] = d * i8(src, sc + is) * q1;
                            dst[dstOff + l + 32] = d * i8(src, sc + is + 2) * q2;
                            dst[dstOff + l + 64] = d * i8(src, sc + is + 4) * q3;
                            dst[dstOff + l + 96] = d * i8(src, sc + is + 6) * q4;
                        }
                    }
                }
            }
            case Q2_K -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    float d = half(src, at + 80), min = half(src, at + 82);
                    long q = at + 16;
                    int is = 0;
                    for (int nn = 0; nn < 256; nn += 128, q += 32) {
                        for (int shift = 0; shift < 8; shift += 2) {
                            for (int half16 = 0; half16 < 32; half16 += 16) { // q[l] then q[l+16], each with its own scale byte
                                int sc = u8(src, at + is++);
                                float dl = d * (sc & 0x0f), ml = min * (sc >>> 4);
                                for (int l = 0; l < 16; l++) dst[dstOff++] = dl * ((u8(src, q + half16 + l) >>> shift) & 3) - ml;
                            }
                        }
                    }
                }
            }
            case Q3_K -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    float d = half(src, at + 108);
                    long hm = at, q = at + 32, scales = at + 96;
                    int is = 0, m = 1;
                    for (int nn = 0; nn < 256; nn += 128, q += 32) {
                        for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                            for (int half16 = 0; half16 < 32; half16 += 16) {
                                float dl = d * (scaleK3(src, scales, is++) - 32);
                                for (int l = 0; l < 16; l++) {
                                    int low = (u8(src, q + half16 + l) >>> shift) & 3;
                                    dst[dstOff++] = dl * (low - ((u8(src, hm + half16 + l) & m) != 0 ? 0 : 4));
                                }
                            }
                        }
                    }
                }
            }
            case IQ4_NL -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize, dstOff += 32) {
                    float d = half(src, at);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(src, at + 2 + j);
                        dst[dstOff + j] = d * KVALUES_IQ4NL[q & 0x0f];
                        dst[dstOff + j + 16] = d * KVALUES_IQ4NL[q >>> 4];
                    }
                }
            }
            case IQ4_XS -> {
                for (int b = 0; b < blocks; b++, at += type.typeSize) {
                    float d = half(src, at);
                    int scalesH = src.get(GgufCursor.I16, at + 2) & 0xffff;
                    long qs = at + 8;
                    for (int ib = 0; ib < 8; ib++, qs += 16, dstOff += 32) {
                        int ls = ((u8(src, at + 4 + ib / 2) >>> (4 * (ib % 2))) & 0x0f) | (((scalesH >>> (2 * ib)) & 3) << 4);
                        float dl = d * (ls - 32);
                        for (int j = 0; j < 16; j++) {
                            int q = u8(src, qs + j);
                            dst[dstOff + j] = dl * KVALUES_IQ4NL[q & 0x0f];
                            dst[dstOff + j + 16] = dl * KVALUES_IQ4NL[q >>> 4];
                        }
                    }
                }
            }
            default -> throw new UnsupportedOperationException(what + ": dequantization of " + type + " is not supported");
        }
    }

    private static float half(MemorySegment s, long at) {
        return Half.f16ToF32(s.get(GgufCursor.I16, at));
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private static int i8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at);
    }

    /** 6-bit scale {@code j} of a Q4_K/Q5_K block's packed scales (ggml's get_scale_min_k4, d part). */
    private static int scaleK4(MemorySegment s, long q, int j) {
        return j < 4 ? u8(s, q + j) & 63 : (u8(s, q + j + 4) & 0x0f) | ((u8(s, q + j - 4) >>> 6) << 4);
    }

    /**
     * 6-bit scale {@code j} (0..15) of a Q3_K block's 12 packed bytes: low 4 bits from byte {@code j % 8} (low
     * nibble for j < 8, high for j >= 8), high 2 bits from byte {@code 8 + j % 4}, bit pair {@code j / 4}. This is
     * what ggml's kmask1/kmask2 shuffle of the bytes as three u32 yields, scale by scale.
     */
    private static int scaleK3(MemorySegment s, long q, int j) {
        return ((u8(s, q + j % 8) >>> (4 * (j / 8))) & 0x0f) | (((u8(s, q + 8 + j % 4) >>> (2 * (j / 4))) & 3) << 4);
    }

    /** 6-bit min {@code j} (get_scale_min_k4, m part). */
    private static int minK4(MemorySegment s, long q, int j) {
        return j < 4 ? u8(s, q + j + 4) & 63 : (u8(s, q + j + 4) >>> 4) | ((u8(s, q + j) >>> 6) << 4);
    }
}
