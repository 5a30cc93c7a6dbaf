// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.gguf.GgmlType;
import dev.egemma.kernels.Kernels;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BlockActivations#quantize} against ggml's x86 activation quantizers ({@code from_float} of
 * libggml-cpu-zen4.so's Q8_0/Q8_1/Q8_K traits; haswell's gave the same bytes): every bit of every block.
 * The rows (testdata/ggml-vectors/act-*.bin) are the same 21 in all three files: gaussian, blocks of wildly different
 * scales, exact .5 ties after scaling (amax 127, 254, 63.5, max positive and negative), all-zero blocks, -0, single
 * nonzeros, +-max of equal magnitude, huge (to 3.4e38), tiny normal (2^-100..2^-122) and subnormal values.
 */
class GgmlActivationsTest {

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q8_1", "Q8_K"})
    void bitExactWithGgml(String name) {
        GgmlType type = GgmlType.valueOf(name);
        ByteBuffer b = GgmlVectors.open("act-" + GgmlVectors.fileName(type) + ".bin");
        assertEquals(type.id, b.getInt());
        int rows = b.getInt();
        List<String> mismatches = new ArrayList<>();
        int blocksChecked = 0;
        for (int r = 0; r < rows; r++) {
            int k = b.getInt();
            float[] x = GgmlVectors.floats(b, k);
            byte[] raw = GgmlVectors.bytes(b, k / type.blockSize * type.typeSize);
            BlockActivations ggml = GgmlVectors.activations(type, raw, k);
            BlockActivations ours = BlockActivations.quantize(x, 1, k, type, null, Kernels.SERIAL, 0);
            for (int ib = 0; ib < k / type.blockSize; ib++, blocksChecked++) {
                String where = "row " + r + " (kind " + r % 7 + ", k " + k + ") block " + ib;
                int e0 = ib * type.blockSize;
                if (Float.floatToRawIntBits(ggml.d()[ib]) != Float.floatToRawIntBits(ours.d()[ib]))
                    mismatches.add(where + ": d ggml " + ggml.d()[ib] + " ours " + ours.d()[ib] + amax(x, e0, type.blockSize));
                if (type == GgmlType.Q8_1 && Float.floatToRawIntBits(ggml.s()[ib]) != Float.floatToRawIntBits(ours.s()[ib]))
                    mismatches.add(where + ": s ggml " + ggml.s()[ib] + " ours " + ours.s()[ib]);
                for (int j = 0; j < type.blockSize; j++) {
                    if (ggml.q()[e0 + j] != ours.q()[e0 + j]) {
                        mismatches.add(where + " element " + j + ": x " + x[e0 + j] + " (" + Float.toHexString(x[e0 + j]) + ")"
                                + amax(x, e0, type.blockSize) + ": q ggml " + ggml.q()[e0 + j] + " ours " + ours.q()[e0 + j]);
                        break; // one per block is enough
                    }
                }
                if (type == GgmlType.Q8_K) {
                    if (ggml.d()[ib] == 0f) {
                        // ggml's quantize_row_q8_K_ref leaves bsums unwritten for an all-zero block (gen.c pre-fills 0x5a):
                        // not comparable; ours writes 0, and a zero d makes them irrelevant to the dot
                        for (int g = 0; g < 16; g++) assertEquals(0x5a5a, ggml.bsums()[ib * 16 + g], "ggml wrote bsums for a zero block");
                    } else {
                        for (int g = 0; g < 16; g++)
                            if (ggml.bsums()[ib * 16 + g] != ours.bsums()[ib * 16 + g])
                                mismatches.add(where + " bsums[" + g + "]: ggml " + ggml.bsums()[ib * 16 + g] + " ours " + ours.bsums()[ib * 16 + g]);
                    }
                }
            }
        }
        assertTrue(blocksChecked > 0);
        java.util.Map<String, Long> byKind = new java.util.TreeMap<>();
        for (String m : mismatches) byKind.merge(m.substring(m.indexOf("(kind"), m.indexOf(',', m.indexOf("(kind"))) + ")", 1L, Long::sum);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches with ggml's " + type + " of " + blocksChecked
                + " blocks " + byKind + ", first ones:\n" + String.join("\n", mismatches.subList(0, Math.min(12, mismatches.size()))));
    }

    /**
     * Finding: a block whose amax is below 127 / Float.MAX_VALUE (about 3.73e-37, every subnormal amax included) makes
     * {@code id = 127 / amax} +inf. ggml's x86 quantize_row_q8_0/q8_1 then convert {@code x * id} (+-inf, or NaN for the
     * zeros) with {@code _mm256_cvtps_epi32}, which gives INT_MIN for all of them, saturated by the packs to -128: every
     * quant is -128 (act-q8_0.bin row 6 shows exactly that). BlockActivations narrows {@code Math.rint(x * id)} through
     * int: +inf gives -1, -inf and NaN give 0. Q8_1's {@code s}: ggml sums the unsaturated int32s (32 x INT_MIN wraps to
     * 0), so {@code s = fp16(d * 0) = +0}; ours sums the -1s and 0s, giving -0. {@code d} agrees (fp16 of a tiny
     * amax / 127 is 0), so a dot product only sees the difference as the sign of a zero; the quants differ all the same.
     */
    @org.junit.jupiter.api.Test
    void tinyAmaxOverflowsTheInverseScaleAsOnX86() {
        float[] x = new float[32];
        x[0] = 0x0.fd5d04p-126f; // subnormal, positive
        x[1] = -0x0.342cp-126f;  // subnormal, negative; the other 30 are zeros
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q8_1}) {
            BlockActivations ours = BlockActivations.quantize(x, 1, 32, type, null, Kernels.SERIAL, 0);
            assertEquals(0f, ours.d()[0]);
            for (int j = 0; j < 32; j++) assertEquals(-128, ours.q()[j], type + " element " + j + " (x " + x[j] + ")");
            if (type == GgmlType.Q8_1) assertEquals(0, Float.floatToRawIntBits(ours.s()[0]), "Q8_1 s: ggml's is +0");
        }
    }

    private static String amax(float[] x, int o, int n) {
        float a = 0f;
        for (int j = 0; j < n; j++) a = Math.max(a, Math.abs(x[o + j]));
        return " [block amax " + a + " = " + Float.toHexString(a) + "]";
    }
}
