// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import dev.egemma.gguf.GgmlType;
import dev.egemma.testing.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;

/**
 * Reads testdata/ggml-vectors (written by ggml itself, tools/ggml-vectors/gen.c; layouts in its README): ggml's own
 * activation blocks, dequantized values and dot products, for the Java block kernels' tests.
 */
final class GgmlVectors {
    private GgmlVectors() {}

    /** The file's bytes, little-endian. */
    static ByteBuffer open(String name) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(TestData.file("ggml-vectors/" + name))).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(ByteBuffer b, int n) {
        float[] x = new float[n];
        b.asFloatBuffer().get(x);
        b.position(b.position() + 4 * n);
        return x;
    }

    static byte[] bytes(ByteBuffer b, int n) {
        byte[] x = new byte[n];
        b.get(x);
        return x;
    }

    /** A weight type's file name part: q4_0, q2_k, iq4_xs. */
    static String fileName(GgmlType t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * ggml's activation blocks ({@code block_q8_0 {fp16 d; int8 qs[32]}}, {@code block_q8_1 {fp16 d, s; int8 qs[32]}},
     * {@code block_q8_K {float d; int8 qs[256]; int16 bsums[16]}}) of one row of {@code k} as a {@link BlockActivations}.
     */
    static BlockActivations activations(GgmlType type, byte[] blocks, int k) {
        ByteBuffer b = ByteBuffer.wrap(blocks).order(ByteOrder.LITTLE_ENDIAN);
        int nb = k / type.blockSize;
        byte[] q = new byte[k];
        float[] d = new float[nb];
        float[] s = type == GgmlType.Q8_1 ? new float[nb] : null;
        int[] bsums = type == GgmlType.Q8_K ? new int[k / 16] : null;
        for (int i = 0; i < nb; i++) {
            switch (type) {
                case Q8_0 -> d[i] = Float.float16ToFloat(b.getShort());
                case Q8_1 -> {
                    d[i] = Float.float16ToFloat(b.getShort());
                    s[i] = Float.float16ToFloat(b.getShort());
                }
                case Q8_K -> d[i] = b.getFloat();
                default -> throw new IllegalArgumentException(type.toString());
            }
            b.get(q, i * type.blockSize, type.blockSize);
            if (type == GgmlType.Q8_K) for (int j = 0; j < 16; j++) bsums[i * 16 + j] = b.getShort();
        }
        return new BlockActivations(type, q, d, s, bsums, null, 1, k);
    }

    static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }
}
