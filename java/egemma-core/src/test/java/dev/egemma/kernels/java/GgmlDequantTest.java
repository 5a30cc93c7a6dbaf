// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.gguf.Dequantizer;
import dev.egemma.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dequantization against ggml's own {@code to_float} (dequantize_row_*, libggml-base.so): testdata/ggml-vectors/deq-*.bin
 * hold random blocks (random bytes, fp16 d/dmin/m forced to finite values: zero, -0, subnormal, negative, +-65504,
 * random) and blocks quantized from floats by ggml's quantize_row_*_ref, with ggml's output.
 * <ul>
 *   <li>{@link Dequantizer#dequantize} equals it bit for bit (types it does not support yet are skipped).</li>
 *   <li>{@link BlockFormat}'s unpacking reproduces it bit for bit through ggml's own float formula, which per type is
 *       (ggml-quants.c): Q4_0, Q5_0, IQ4_NL, Q8_0 {@code q * d}; Q4_1, Q5_1 {@code q * d + m}; Q2_K, Q4_K, Q5_K
 *       {@code (d * sc) * q - (dmin * mn)}; Q3_K, Q6_K, IQ4_XS {@code (d * sc) * q}. That is BlockFormat's
 *       {@code (d * sc) * q} (sc = 1 for the 32-wide types: d * 1 is exact) minus {@code dmin * mn} or plus
 *       {@code m}, in the same order, so every element is comparable exactly (libggml-base.so has no FMA
 *       instructions, so nothing is contracted on ggml's side).</li>
 * </ul>
 */
class GgmlDequantTest {

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS", "Q8_0"})
    void dequantizerIsBitExactWithGgml(String name) {
        GgmlType type = GgmlType.valueOf(name);
        Vectors v = read(type);
        float[] ours = new float[v.expected.length];
        Dequantizer.dequantize("ggml-vectors " + type, type, v.blocks, 0, ours, 0, ours.length);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < ours.length; i++)
            if (Float.floatToRawIntBits(ours[i]) != Float.floatToRawIntBits(v.expected[i]))
                bad.add("element " + i + " (block " + i / type.blockSize + "): ggml " + v.expected[i] + " ours " + ours[i]);
        assertTrue(bad.isEmpty(), bad.size() + " of " + ours.length + " differ:\n" + String.join("\n", bad.subList(0, Math.min(10, bad.size()))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void blockFormatUnpacksToGgmlsValues(String name) {
        GgmlType type = GgmlType.valueOf(name);
        BlockFormat f = BlockFormat.of(type);
        Vectors v = read(type);
        int k = v.expected.length;
        BlockFormat.Unpacked u = new BlockFormat.Unpacked();
        u.row(f, v.blocks, v.blocks.byteSize(), 0, k); // all the blocks as one row
        List<String> bad = new ArrayList<>();
        for (int e = 0; e < k; e++) {
            int b = e / f.block(), sb = e / f.sub;
            float value = (u.d[b] * u.sc[sb]) * u.q[e];
            value = switch (f.min) {
                case NONE -> value;
                case FLOAT -> value + u.dm[b];
                case INT -> value - u.dm[b] * u.mn[sb];
            };
            if (Float.floatToRawIntBits(value) != Float.floatToRawIntBits(v.expected[e]))
                bad.add("element " + e + " (block " + b + ", q " + u.q[e] + ", sc " + u.sc[sb] + ", mn " + u.mn[sb] + ", d " + u.d[b]
                        + ", dm " + u.dm[b] + "): ggml " + v.expected[e] + " ours " + value);
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + k + " differ:\n" + String.join("\n", bad.subList(0, Math.min(10, bad.size()))));
    }

    private record Vectors(MemorySegment blocks, float[] expected) {}

    private static Vectors read(GgmlType type) {
        ByteBuffer b = GgmlVectors.open("deq-" + GgmlVectors.fileName(type) + ".bin");
        assertEquals(type.id, b.getInt());
        int nb = b.getInt();
        byte[] blocks = GgmlVectors.bytes(b, nb * type.typeSize);
        float[] expected = GgmlVectors.floats(b, nb * type.blockSize);
        assertEquals(0, b.remaining());
        return new Vectors(MemorySegment.ofArray(blocks), expected);
    }
}
