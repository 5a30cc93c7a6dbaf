// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How the quantized weight types are multiplied in the block order: each block is unpacked into integers (int8 quants,
 * integer sub-block scales and mins) plus its float scales, so that a block's dot with the activations is an exact
 * integer sum followed by float operations in one fixed order (the block order, {@link BlockDot}).
 *
 * <p>Every weight value is {@code (d * sc) * q} plus a min term: none, {@code + m} (Q4_1, Q5_1: a float min per
 * block, paired with the activations' Q8_1 sum {@code s}), or {@code - (dmin * mn)} (K-quants with mins: an integer
 * min per sub-block, paired with the sums of the activations' Q8_K quants). Layouts and the scale unpacking follow
 * ggml's {@code block_*} structs and {@code dequantize_row_*} (ggml-common.h, ggml-quants.c); the activations use
 * the type's {@code vec_dot_type} in ggml-cpu: Q8_0, Q8_1 or Q8_K.
 */
enum BlockFormat {
    /**
     * {fp16 d, qs[32] (int8)}: Q8_0 weights in the block order ({@link dev.egemma.Q8Order#BLOCK}, the default), the same
     * product as libegemma's {@code egemma_q8_0_gemm} with {@code EGEMMA_Q8_0_ORDER_BLOCK}. The llama.cpp x86 order
     * ({@link dev.egemma.Q8Order#X86}) has kernels of its own ({@link GgmlQ8Matmul}).
     */
    Q8_0(GgmlType.Q8_0, GgmlType.Q8_0, 32, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), 0f);
            System.arraycopy(s, at + 2, u.q, e, 32);
        }
    },
    Q4_0(GgmlType.Q4_0, GgmlType.Q8_0, 32, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), 0f);
            for (int j = 0; j < 16; j++) {
                int b = u8(s, at + 2 + j);
                u.q[e + j] = (byte) ((b & 0x0f) - 8);
                u.q[e + j + 16] = (byte) ((b >>> 4) - 8);
            }
        }
    },
    Q4_1(GgmlType.Q4_1, GgmlType.Q8_1, 32, Min.FLOAT) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), half(s, at + 2));
            for (int j = 0; j < 16; j++) {
                int b = u8(s, at + 4 + j);
                u.q[e + j] = (byte) (b & 0x0f);
                u.q[e + j + 16] = (byte) (b >>> 4);
            }
        }
    },
    Q5_0(GgmlType.Q5_0, GgmlType.Q8_0, 32, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), 0f);
            fiveBits(s, at + 2, at + 6, -16, e, u);
        }
    },
    Q5_1(GgmlType.Q5_1, GgmlType.Q8_1, 32, Min.FLOAT) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), half(s, at + 2));
            fiveBits(s, at + 4, at + 8, 0, e, u);
        }
    },
    IQ4_NL(GgmlType.IQ4_NL, GgmlType.Q8_0, 32, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), 0f);
            nonLinearNibbles(s, at + 2, e, u);
        }
    },
    /** {scales[16] (4-bit scale, 4-bit min), qs[64] (2 bits), d, dmin}; 16 sub-blocks of 16. */
    Q2_K(GgmlType.Q2_K, GgmlType.Q8_K, 16, Min.INT) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at + 80), half(s, at + 82));
            for (int sb = 0; sb < 16; sb++) {
                int sc = u8(s, at + sb);
                u.sc[e / 16 + sb] = sc & 0x0f;
                u.mn[e / 16 + sb] = sc >>> 4;
            }
            // element 128*h + 32*j + l: bits 2j of qs[32*h + l]
            for (int h = 0; h < 2; h++)
                for (int j = 0; j < 4; j++)
                    for (int l = 0, o = e + 128 * h + 32 * j; l < 32; l++) u.q[o + l] = (byte) ((s[at + 16 + 32 * h + l] >>> (2 * j)) & 3);
        }
    },
    /** {hmask[32], qs[64] (low 2 bits), scales[12] (16 x 6 bits, biased by 32), d}; 16 sub-blocks of 16, no mins. */
    Q3_K(GgmlType.Q3_K, GgmlType.Q8_K, 16, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at + 108), 0f);
            int sc = at + 96;
            for (int sb = 0; sb < 16; sb++) {
                int low = u8(s, sc + (sb & 7)) >>> (4 * (sb >>> 3)) & 0x0f;
                int high = u8(s, sc + 8 + (sb & 3)) >>> (2 * (sb >>> 2)) & 3;
                u.sc[e / 16 + sb] = (low | high << 4) - 32;
            }
            // element 128*h + 32*j + l: bits 2j of qs[32*h + l], minus 4 unless bit 4h+j of hmask[l] is set
            for (int h = 0; h < 2; h++)
                for (int j = 0; j < 4; j++)
                    for (int l = 0, o = e + 128 * h + 32 * j; l < 32; l++) {
                        int low = (s[at + 32 + 32 * h + l] >>> (2 * j)) & 3;
                        u.q[o + l] = (byte) (low - ((s[at + l] >>> (4 * h + j) & 1) != 0 ? 0 : 4));
                    }
        }
    },
    /** {d, dmin, scales[12] (8 x 6-bit scale and min), qs[128]}; 8 sub-blocks of 32. */
    Q4_K(GgmlType.Q4_K, GgmlType.Q8_K, 32, Min.INT) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), half(s, at + 2));
            scalesMinsK4(s, at + 4, e / 32, u);
            // element 64*j + l: low nibble of qs[32*j + l]; 64*j + 32 + l: its high nibble
            for (int j = 0; j < 4; j++)
                for (int l = 0, o = e + 64 * j; l < 32; l++) {
                    int b = s[at + 16 + 32 * j + l];
                    u.q[o + l] = (byte) (b & 0x0f);
                    u.q[o + 32 + l] = (byte) (b >>> 4 & 0x0f);
                }
        }
    },
    /**
     * {d, dmin, scales[12], qh[32], qs[128]}: Q4_K's nibbles plus a fifth bit, bit i/32 of qh[i % 32]. Its own loop, not
     * Q4_K's with an optional fifth bit: one shared loop (a qh offset or none per element) ran full-shape Q4_K_M at
     * 111-137 tok/s against 151-164 for these two loops (Java kernels, corpus-100, alternating builds): rows are unpacked per product.
     */
    Q5_K(GgmlType.Q5_K, GgmlType.Q8_K, 32, Min.INT) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), half(s, at + 2));
            scalesMinsK4(s, at + 4, e / 32, u);
            for (int j = 0; j < 4; j++)
                for (int l = 0, o = e + 64 * j; l < 32; l++) {
                    int b = s[at + 48 + 32 * j + l], h = s[at + 16 + l];
                    u.q[o + l] = (byte) ((b & 0x0f) | (h >>> (2 * j) & 1) << 4);
                    u.q[o + 32 + l] = (byte) ((b >>> 4 & 0x0f) | (h >>> (2 * j + 1) & 1) << 4);
                }
        }
    },
    /** {ql[128], qh[64], scales[16] (int8), d}; 16 sub-blocks of 16, quants 6 bits biased by 32. */
    Q6_K(GgmlType.Q6_K, GgmlType.Q8_K, 16, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at + 208), 0f);
            for (int sb = 0; sb < 16; sb++) u.sc[e / 16 + sb] = s[at + 192 + sb];
            // element 128*h + 32*t + l: nibble t/2 of ql[64*h + 32*(t&1) + l], bits 2t of qh[32*h + l]
            for (int h = 0; h < 2; h++)
                for (int l = 0, o = e + 128 * h; l < 32; l++) {
                    int ql0 = s[at + 64 * h + l], ql1 = s[at + 64 * h + 32 + l], qh = s[at + 128 + 32 * h + l];
                    u.q[o + l] = (byte) (((ql0 & 0x0f) | (qh & 3) << 4) - 32);
                    u.q[o + 32 + l] = (byte) (((ql1 & 0x0f) | (qh >>> 2 & 3) << 4) - 32);
                    u.q[o + 64 + l] = (byte) (((ql0 >>> 4 & 0x0f) | (qh >>> 4 & 3) << 4) - 32);
                    u.q[o + 96 + l] = (byte) (((ql1 >>> 4 & 0x0f) | (qh >>> 6 & 3) << 4) - 32);
                }
        }
    },
    /** {d, scales_h (u16), scales_l[4], qs[128]}: 8 sub-blocks of 32 IQ4_NL values with 6-bit scales biased by 32. */
    IQ4_XS(GgmlType.IQ4_XS, GgmlType.Q8_K, 32, Min.NONE) {
        @Override
        void unpack(byte[] s, int at, int e, Unpacked u) {
            u.block(e, half(s, at), 0f);
            int scalesH = u8(s, at + 2) | u8(s, at + 3) << 8;
            for (int sb = 0; sb < 8; sb++) {
                int low = u8(s, at + 4 + sb / 2) >>> (4 * (sb % 2)) & 0x0f;
                u.sc[e / 32 + sb] = (low | ((scalesH >>> (2 * sb)) & 3) << 4) - 32;
                nonLinearNibbles(s, at + 8 + 16 * sb, e + 32 * sb, u);
            }
        }
    };

    /** The min term of a type's values. */
    enum Min {
        /** {@code (d * sc) * q} only. */
        NONE,
        /** Plus a float min per block ({@code m}), multiplied by the activations' Q8_1 sum {@code s}. */
        FLOAT,
        /** Minus {@code dmin * mn} with an integer min per sub-block, multiplied by the sum of the activation quants. */
        INT
    }

    /** ggml's kvalues_iq4nl: the 16 int8 levels of IQ4_NL and IQ4_XS. */
    static final byte[] IQ4_LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** The weight type. */
    final GgmlType type;
    /** ggml's vec_dot_type: how the activations are quantized for it (Q8_0, Q8_1 or Q8_K). */
    final GgmlType activations;
    /** Elements per integer scale (and min): the block itself for the 32-wide types. */
    final int sub;
    final Min min;

    BlockFormat(GgmlType type, GgmlType activations, int sub, Min min) {
        this.type = type;
        this.activations = activations;
        this.sub = sub;
        this.min = min;
    }

    /** Elements per block (32 or a 256-value super-block); also the activations' block. */
    int block() {
        return type.blockSize;
    }

    /**
     * Unpacks the block stored at byte {@code at} of {@code s} (a copy of the row) into {@code u}, its first element
     * being element {@code e} of the row ({@code e} a multiple of {@link #block()}).
     */
    abstract void unpack(byte[] s, int at, int e, Unpacked u);

    private static final BlockFormat[] BY_TYPE = new BlockFormat[GgmlType.values().length];
    static {
        for (BlockFormat f : values()) BY_TYPE[f.type.ordinal()] = f;
    }

    /** The format of a weight type, or null (F32, F16 and BF16 have kernels of their own). */
    static BlockFormat of(GgmlType t) {
        return BY_TYPE[t.ordinal()];
    }

    /**
     * A weight row unpacked: {@code q} per element, {@code sc} and {@code mn} per {@link #sub} elements, {@code d} and
     * {@code dm} (the float min of Q4_1/Q5_1, the dmin of the K-quants) per block. Grown to the longest row, reused.
     */
    static final class Unpacked {
        byte[] q = new byte[0];
        int[] sc = new int[0], mn = new int[0];
        float[] d = new float[0], dm = new float[0];
        private BlockFormat format;
        private byte[] raw = new byte[0];

        /** Unpacks row {@code n} ({@code k} elements at byte {@code n * rowBytes}) of weights in {@code format}. */
        void row(BlockFormat format, MemorySegment data, long rowBytes, int n, int k) {
            this.format = format;
            int nb = k / format.block();
            if (q.length < k) {
                q = new byte[k];
                sc = new int[k / 16];
                mn = new int[k / 16];
                d = new float[k / 32];
                dm = new float[k / 32];
            }
            if (format.sub == format.block()) java.util.Arrays.fill(sc, 0, nb, 1); // one unit scale per 32-block
            // one bulk copy of the row, then array reads: a bounds-checked segment read per byte cost ~3 ns an element
            if (raw.length < rowBytes) raw = new byte[(int) rowBytes];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, n * rowBytes, raw, 0, (int) rowBytes);
            for (int b = 0; b < nb; b++) format.unpack(raw, b * format.type.typeSize, b * format.block(), this);
        }

        /** {@code sc[e / sub] * q[e]} as floats (exact: at most 4,096 in magnitude, Q6_K's -128 * -32) for the {@code k} elements of the row last unpacked. */
        float[] scaledFloats(BlockFormat format, int k) {
            if (scaled.length < k) scaled = new float[k];
            for (int sb = 0, e = 0; sb < k / format.sub; sb++) {
                float scale = sc[sb];
                for (int end = e + format.sub; e < end; e++) scaled[e] = scale * q[e];
            }
            return scaled;
        }

        private float[] scaled = new float[0];

        private void block(int e, float d, float dm) {
            int b = e / format.block();
            this.d[b] = d;
            this.dm[b] = dm;
        }
    }

    /** Q5_0/Q5_1: nibbles of qs, fifth bits in the u32 qh (bit j for element j, bit j+16 for element j+16). */
    private static void fiveBits(byte[] s, int qhAt, int qsAt, int bias, int e, Unpacked u) {
        int qh = u8(s, qhAt) | u8(s, qhAt + 1) << 8 | u8(s, qhAt + 2) << 16 | u8(s, qhAt + 3) << 24;
        for (int j = 0; j < 16; j++) {
            int b = u8(s, qsAt + j);
            u.q[e + j] = (byte) (((b & 0x0f) | ((qh >>> j) & 1) << 4) + bias);
            u.q[e + j + 16] = (byte) (((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4) + bias);
        }
    }

    /** 16 bytes of 4-bit indices into {@link #IQ4_LEVELS}: low nibbles are elements 0..15, high nibbles 16..31. */
    private static void nonLinearNibbles(byte[] s, int at, int e, Unpacked u) {
        for (int j = 0; j < 16; j++) {
            int b = u8(s, at + j);
            u.q[e + j] = IQ4_LEVELS[b & 0x0f];
            u.q[e + j + 16] = IQ4_LEVELS[b >>> 4];
        }
    }

    /** The 8 six-bit scales and mins of a Q4_K/Q5_K block (ggml's get_scale_min_k4), into sub-blocks {@code sb0..sb0+7}. */
    private static void scalesMinsK4(byte[] s, int q, int sb0, Unpacked u) {
        for (int j = 0; j < 8; j++) {
            int sc, m;
            if (j < 4) {
                sc = u8(s, q + j) & 63;
                m = u8(s, q + j + 4) & 63;
            } else {
                sc = (u8(s, q + j + 4) & 0x0f) | (u8(s, q + j - 4) >>> 6) << 4;
                m = (u8(s, q + j + 4) >>> 4) | (u8(s, q + j) >>> 6) << 4;
            }
            u.sc[sb0 + j] = sc;
            u.mn[sb0 + j] = m;
        }
    }

    /** The little-endian fp16 at byte {@code at} of {@code s}, widened. */
    static float half(byte[] s, int at) {
        return Float.float16ToFloat((short) (u8(s, at) | s[at + 1] << 8));
    }

    private static int u8(byte[] s, int at) {
        return s[at] & 0xff;
    }
}
