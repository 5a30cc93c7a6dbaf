// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Each block below is built byte by byte and its expected values worked out by hand from ggml's layout. */
class DequantizerTest {
    private static final short ONE = 0x3c00, HALF = 0x3800, TWO = 0x4000, QUARTER = 0x3400, MINUS_HALF = (short) 0xb800;

    private static float[] run(GgmlType type, byte[] block) {
        GgufTensor t = new GgufTensor("test.weight", type, new long[] {type.blockSize}, 0, block.length, MemorySegment.ofArray(block));
        assertEquals(type.typeSize, block.length);
        return Dequantizer.all(t);
    }

    private static void putHalf(byte[] b, int at, short h) {
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >>> 8);
    }

    @Test
    void q8_0() {
        byte[] b = new byte[34];
        putHalf(b, 0, HALF);
        for (int j = 0; j < 32; j++) b[2 + j] = (byte) (j * 8 - 128); // -128, -120, ..., 120
        float[] y = run(GgmlType.Q8_0, b);
        assertEquals(-64f, y[0]);
        assertEquals(-60f, y[1]);
        assertEquals(60f, y[31]);
    }

    @Test
    void q4_0() {
        byte[] b = new byte[18];
        putHalf(b, 0, TWO);
        b[2] = 0x1f;            // element 0: low nibble 15 -> (15-8)*2 = 14; element 16: high nibble 1 -> (1-8)*2 = -14
        b[3] = (byte) 0x80;     // element 1: 0 -> -16; element 17: 8 -> 0
        float[] y = run(GgmlType.Q4_0, b);
        assertEquals(14f, y[0]);
        assertEquals(-14f, y[16]);
        assertEquals(-16f, y[1]);
        assertEquals(0f, y[17]);
        assertEquals(-16f, y[31]); // zero bytes mean -8 * d
    }

    @Test
    void q4_1() {
        byte[] b = new byte[20];
        putHalf(b, 0, ONE);
        putHalf(b, 2, MINUS_HALF);
        for (int j = 0; j < 16; j++) b[4 + j] = (byte) (j | ((15 - j) << 4));
        float[] y = run(GgmlType.Q4_1, b);
        for (int j = 0; j < 16; j++) {
            assertEquals(j - 0.5f, y[j]);           // low nibble j, times 1, plus -0.5
            assertEquals(15 - j - 0.5f, y[j + 16]); // high nibble
        }
    }

    @Test
    void q5_0() {
        byte[] b = new byte[22];
        putHalf(b, 0, ONE);
        b[2] = 0x01;  // qh bit 0: 5th bit of element 0
        b[4] = 0x01;  // qh bit 16: 5th bit of element 16
        float[] y = run(GgmlType.Q5_0, b);
        assertEquals(0f, y[0]);    // (0 | 16) - 16
        assertEquals(-16f, y[1]);  // (0 | 0) - 16
        assertEquals(0f, y[16]);
        assertEquals(-16f, y[17]);
    }

    @Test
    void q5_1() {
        byte[] b = new byte[24];
        putHalf(b, 0, HALF);
        putHalf(b, 2, ONE);
        for (int i = 4; i < 8; i++) b[i] = (byte) 0xff;      // every 5th bit set
        for (int i = 8; i < 24; i++) b[i] = (byte) 0xf0;     // low nibbles 0, high nibbles 15
        float[] y = run(GgmlType.Q5_1, b);
        assertEquals(16 * 0.5f + 1, y[0]);  // (0 | 16) * 0.5 + 1 = 9
        assertEquals(31 * 0.5f + 1, y[16]); // (15 | 16) * 0.5 + 1 = 16.5
    }

    /** Scales/mins bytes shared by the Q4_K and Q5_K tests, with sub-blocks 0, 1 and 4 worked out. */
    private static void putKScales(byte[] b, int at) {
        b[at] = 1;            // scale0 = 1
        b[at + 1] = 2;        // scale1 = 2
        b[at + 4] = 0x43;     // min0 = 0x43 & 63 = 3; top bits 01 become bits 4-5 of min4
        b[at + 5] = 0;        // min1 = 0
        b[at + 8] = 0x21;     // scale4 = 0x21 & 0xf = 1 (| (b[0] >> 6) << 4 = 0); min4 = (0x21 >> 4) | (1 << 4) = 18
    }

    @Test
    void q4_K() {
        byte[] b = new byte[144];
        putHalf(b, 0, ONE);   // d
        putHalf(b, 2, HALF);  // dmin
        putKScales(b, 4);
        for (int i = 16; i < 144; i++) b[i] = 0x21; // every low nibble 1, high nibble 2
        float[] y = run(GgmlType.Q4_K, b);
        assertEquals(1 * 1 - 0.5f * 3, y[0]);    // sub-block 0: d*scale0*1 - dmin*min0 = -0.5
        assertEquals(-0.5f, y[31]);
        assertEquals(2 * 2 - 0f, y[32]);         // sub-block 1 (high nibbles of bytes 0-31): 2*2 - 0 = 4
        assertEquals(1 * 1 - 0.5f * 18, y[128]); // sub-block 4: 1 - 9 = -8
        assertEquals(0f, y[255]);                // sub-block 7: scale 0, min 0
    }

    @Test
    void q5_K() {
        byte[] b = new byte[176];
        putHalf(b, 0, ONE);
        putHalf(b, 2, HALF);
        putKScales(b, 4);
        b[16] = 0x01;  // qh[0] bit 0: 5th bit of element 0 (sub-block 0)
        b[17] = 0x02;  // qh[1] bit 1: 5th bit of element 33 (sub-block 1)
        for (int i = 48; i < 176; i++) b[i] = 0x21;
        float[] y = run(GgmlType.Q5_K, b);
        assertEquals(1 * (1 + 16) - 1.5f, y[0]); // 15.5
        assertEquals(-0.5f, y[1]);
        assertEquals(4f, y[32]);
        assertEquals(2 * (2 + 16) - 0f, y[33]);  // 36
        assertEquals(-8f, y[128]);
    }

    @Test
    void q6_K() {
        byte[] b = new byte[210];
        b[0] = 0x35;                 // ql[0]: low nibble 5 (element 0), high nibble 3 (element 64)
        b[128] = (byte) 0xe4;        // qh[0] = 11 10 01 00: 2-bit highs 0 (el 0), 1 (el 32), 2 (el 64), 3 (el 96)
        b[192] = 2;                  // scales[0] (elements 0-15)
        b[194] = -1;                 // scales[2] (elements 32-47)
        b[196] = 3;                  // scales[4] (elements 64-79)
        putHalf(b, 208, QUARTER);
        float[] y = run(GgmlType.Q6_K, b);
        assertEquals(0.25f * 2 * (5 - 32), y[0]);          // -13.5
        assertEquals(0.25f * -1 * ((0 | 16) - 32), y[32]); // 4
        assertEquals(0.25f * 3 * ((3 | 32) - 32), y[64]);  // 2.25
        assertEquals(0f, y[96]);                           // scales[6] = 0
        assertEquals(0.25f * 2 * -32, y[1]);               // nothing set: -32 * scale
    }

    @Test
    void halfTypes() {
        byte[] f16 = {0x00, 0x3c, 0x00, (byte) 0xc0};      // 1.0, -2.0
        GgufTensor t = new GgufTensor("h", GgmlType.F16, new long[] {2}, 0, 4, MemorySegment.ofArray(f16));
        assertArrayEquals(new float[] {1f, -2f}, Dequantizer.all(t));
        byte[] bf16 = {(byte) 0x80, 0x3f, 0x40, (byte) 0xc0}; // 1.0, -3.0
        t = new GgufTensor("b", GgmlType.BF16, new long[] {2}, 0, 4, MemorySegment.ofArray(bf16));
        assertArrayEquals(new float[] {1f, -3f}, Dequantizer.all(t));
    }

    @Test
    void unsupportedTypeNamesTheTensor() {
        GgufTensor t = new GgufTensor("blk.3.ffn_up.weight", GgmlType.IQ2_XXS, new long[] {256}, 0, 66, MemorySegment.ofArray(new byte[66]));
        Exception e = assertThrows(UnsupportedOperationException.class, () -> Dequantizer.all(t));
        assertTrue(e.getMessage().contains("blk.3.ffn_up.weight") && e.getMessage().contains("IQ2_XXS"), e.getMessage());
    }

    @Test
    void supportsExactlyTheTypesItDecodes() {
        EnumSet<GgmlType> expected = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.IQ4_NL, GgmlType.IQ4_XS);
        for (GgmlType type : GgmlType.values()) {
            assertEquals(expected.contains(type), Dequantizer.supports(type), type.name());
            if (!expected.contains(type)) {
                GgufTensor t = new GgufTensor("x", type, new long[] {type.blockSize}, 0, type.typeSize, MemorySegment.ofArray(new byte[type.typeSize]));
                assertThrows(UnsupportedOperationException.class, () -> Dequantizer.all(t), type.name());
            }
        }
    }

    @Test
    void q2_K() {
        byte[] b = new byte[84];
        putHalf(b, 80, ONE);         // d
        putHalf(b, 82, HALF);        // dmin
        b[0] = 0x23;                 // scales[0] (elements 0-15): dl = 1*3, ml = 0.5*2
        b[1] = 0x10;                 // scales[1] (16-31): dl = 0, ml = 0.5
        b[2] = 0x01;                 // scales[2] (32-47): dl = 1, ml = 0
        b[6] = (byte) 0xf2;          // scales[6] (96-111): dl = 2, ml = 7.5
        b[8] = 0x04;                 // scales[8] (128-143): dl = 4, ml = 0
        b[16] = (byte) 0xe4;         // qs[0] = 11 10 01 00: q 0 (element 0), 1 (32), 2 (64), 3 (96)
        b[32] = 0x03;                // qs[16]: q 3 for element 16
        b[48] = 0x02;                // qs[32]: q 2 for element 128 (second 128-half)
        float[] y = run(GgmlType.Q2_K, b);
        assertEquals(3 * 0 - 1f, y[0]);
        assertEquals(0 * 3 - 0.5f, y[16]);
        assertEquals(1 * 1 - 0f, y[32]);
        assertEquals(2 * 3 - 7.5f, y[96]);
        assertEquals(4 * 2 - 0f, y[128]);
    }

    @Test
    void q3_K() {
        byte[] b = new byte[110];
        putHalf(b, 108, HALF);       // d
        b[96] = 0x0f;                // scale 0 low 4 bits 15 (and scale 8's low bits 0)
        b[104] = 0x02;               // scale 0 high 2 bits 2: scale 0 = 47, minus 32 = 15; scale 8 = 0 - 32
        b[0] = 0x01;                 // hmask[0] bit 0 set (element 0), bit 4 clear (element 128)
        b[32] = 0x03;                // qs[0] crumb 0: q 3 for element 0
        b[64] = 0x01;                // qs[32] crumb 0: q 1 for element 128
        float[] y = run(GgmlType.Q3_K, b);
        assertEquals(0.5f * 15 * 3, y[0]);           // high bit set: q stays 3
        assertEquals(0.5f * 15 * -4, y[1]);          // nothing set: 0 - 4
        assertEquals(0.5f * -32 * (1 - 4), y[128]);  // 48
        assertEquals(0.5f * -32 * -4, y[255]);       // all-zero scale 15 is -32: 64
    }

    @Test
    void iq4_NL() {
        byte[] b = new byte[18];
        putHalf(b, 0, HALF);
        b[2] = (byte) 0xf0;          // element 0 level 0 (-127), element 16 level 15 (113)
        b[3] = (byte) 0x88;          // elements 1 and 17 level 8 (1)
        float[] y = run(GgmlType.IQ4_NL, b);
        assertEquals(-63.5f, y[0]);
        assertEquals(56.5f, y[16]);
        assertEquals(0.5f, y[1]);
        assertEquals(0.5f, y[17]);
        assertEquals(-63.5f, y[31]);
    }

    @Test
    void iq4_XS() {
        byte[] b = new byte[136];
        putHalf(b, 0, ONE);
        putHalf(b, 2, (short) 0x0006);  // scales_h: sub-block 0 high bits 2, sub-block 1 high bits 1
        b[4] = 0x1f;                    // scales_l[0]: sub-block 0 low 15 (ls 47 -> 15), sub-block 1 low 1 (ls 17 -> -15)
        b[8] = 0x0f;                    // qs[0]: element 0 level 15 (113), element 16 level 0 (-127)
        b[24] = 0x08;                   // qs[16]: element 32 (sub-block 1) level 8 (1)
        float[] y = run(GgmlType.IQ4_XS, b);
        assertEquals(15f * 113, y[0]);
        assertEquals(15f * -127, y[16]);
        assertEquals(-15f * 1, y[32]);
        assertEquals(-32f * -127, y[255]); // sub-block 7: scale bits all zero
    }

    /** Offsets of each quantized type's fp16 super-scales, and the byte range of its packed sub-block scales. */
    private record Fields(int[] halves, int scalesFrom, int scalesTo) {}

    private static Fields fields(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL -> new Fields(new int[] {0}, 0, 0);
            case Q4_1, Q5_1 -> new Fields(new int[] {0, 2}, 0, 0);
            case Q2_K -> new Fields(new int[] {80, 82}, 0, 16);
            case Q3_K -> new Fields(new int[] {108}, 96, 108);
            case Q4_K, Q5_K -> new Fields(new int[] {0, 2}, 4, 16);
            case Q6_K -> new Fields(new int[] {208}, 192, 208);
            case IQ4_XS -> new Fields(new int[] {0}, 2, 8);
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    /** fp16 scales worth trying: subnormals, extremes, negative, signed zero, infinities, NaN. */
    private static final short[] EDGE_HALVES = {0x0001, 0x03ff, 0x0400, 0x7bff, (short) 0xfbff, (short) 0xbc00, (short) 0x8000,
            0x7c00, (short) 0xfc00, 0x7e00, (short) 0xfe01, ONE};

    /** All-zero and all-ones blocks, random blocks, and random blocks with edge scales and 0 / 63 packed sub-scales. */
    private static List<byte[]> blocks(GgmlType type) {
        Fields f = fields(type);
        SplittableRandom r = new SplittableRandom(type.id * 7919L);
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[type.typeSize]);
        byte[] ones = new byte[type.typeSize];
        Arrays.fill(ones, (byte) 0xff);
        out.add(ones);
        for (int k = 0; k < 300; k++) {
            byte[] b = new byte[type.typeSize];
            r.nextBytes(b);
            if (k % 3 == 0) for (int at : f.halves) putHalf(b, at, Float.floatToFloat16((float) (r.nextDouble() * 4 - 2)));
            if (k % 3 == 1) for (int at : f.halves) putHalf(b, at, EDGE_HALVES[r.nextInt(EDGE_HALVES.length)]);
            if (k % 5 == 0) Arrays.fill(b, f.scalesFrom, f.scalesTo, (byte) (k % 10 == 0 ? 0 : 0xff)); // every sub-scale 0 or 63 (15 in Q2_K)
            out.add(b);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void matchesTheElementwiseReferenceOnRandomAndEdgeBlocks(GgmlType type) {
        List<byte[]> blocks = blocks(type);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        blocks.forEach(all::writeBytes);
        byte[] bytes = all.toByteArray();
        // One tensor of two rows, so block strides and Dequantizer.row's row offset are exercised too.
        long perRow = (long) blocks.size() / 2 * type.blockSize;
        GgufTensor t = new GgufTensor("t", type, new long[] {perRow, 2}, 0, bytes.length, MemorySegment.ofArray(bytes));
        float[] y = Dequantizer.all(t);
        float[] row1 = Dequantizer.row(t, 1);
        for (int k = 0; k < blocks.size(); k++) {
            byte[] block = blocks.get(k);
            for (int i = 0; i < type.blockSize; i++) {
                float want = GgmlBlockReference.element(type, block, i);
                int at = k * type.blockSize + i;
                String where = type + " block " + k + " element " + i;
                assertEquals(want, y[at], () -> where + " of " + Arrays.toString(block));
                if (at >= perRow) assertEquals(want, row1[(int) (at - perRow)]);
            }
        }
    }

    @Test
    void referenceQ3ScalesAreTheSixBitFieldsOfThePacking() {
        // Cross-check of the test's own u32 shuffle against the plain description of the packing: scale j's low
        // 4 bits are nibble j / 8 of byte j % 8, its high 2 bits pair j / 4 of byte 8 + j % 4.
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 200; k++) {
            byte[] b = new byte[110];
            r.nextBytes(b);
            int[] s = GgmlBlockReference.q3Scales(b);
            for (int j = 0; j < 16; j++) {
                int low = ((b[96 + j % 8] & 0xff) >>> (4 * (j / 8))) & 15, high = ((b[104 + j % 4] & 0xff) >>> (2 * (j / 4))) & 3;
                assertEquals(low | high << 4, s[j], "scale " + j);
            }
        }
    }

    @Test
    void rowOfTheGoldenQ8ModelMatchesTheF32ModelWithinHalfAStep() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-f32.gguf"));
             GgufFile q = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            for (String name : new String[] {"token_embd.weight", "blk.2.attn_k.weight", "dense_3.weight"}) {
                GgufTensor tf = f.tensor(name), tq = q.tensor(name);
                long row = tf.rows() - 1;
                float[] a = Dequantizer.row(tf, row), b = Dequantizer.row(tq, row);
                assertEquals(tf.rowLength(), b.length);
                for (int blk = 0; blk < a.length / 32; blk++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(a[blk * 32 + j]));
                    for (int j = 0; j < 32; j++)
                        assertEquals(a[blk * 32 + j], b[blk * 32 + j], amax / 127 * 0.51f, name + " row " + row + " col " + (blk * 32 + j));
                }
            }
        }
    }
}
