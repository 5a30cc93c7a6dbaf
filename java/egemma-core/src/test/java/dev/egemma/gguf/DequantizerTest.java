package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

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
        GgufTensor t = new GgufTensor("blk.3.ffn_up.weight", GgmlType.Q2_K, new long[] {256}, 0, 84, MemorySegment.ofArray(new byte[84]));
        Exception e = assertThrows(UnsupportedOperationException.class, () -> Dequantizer.all(t));
        assertTrue(e.getMessage().contains("blk.3.ffn_up.weight") && e.getMessage().contains("Q2_K"), e.getMessage());
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
