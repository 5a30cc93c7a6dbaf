// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import dev.egemma.testing.TestData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class Q8QuantizerTest {

    @Test
    void roundfRoundsHalfwayCasesAwayFromZero() {
        assertEquals(3, Q8Quantizer.roundf(2.5f));
        assertEquals(-3, Q8Quantizer.roundf(-2.5f)); // Math.round would give -2
        assertEquals(-1, Q8Quantizer.roundf(-0.5f));
        assertEquals(0, Q8Quantizer.roundf(0.49999997f)); // float 0.49999997 + 0.5 would round up to 1
        assertEquals(0, Q8Quantizer.roundf(-0.49999997f));
        assertEquals(127, Q8Quantizer.roundf(126.5f));
        assertEquals(2, Q8Quantizer.roundf(1.5f));
        assertEquals(8388609, Q8Quantizer.roundf(8388609f)); // integers above 2^23 unchanged
    }

    @Test
    void blockWithScaleOneRoundsEachHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;      // amax = 127 -> d = 1, id = 1: q = roundf(x)
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = -0.5f;
        x[4] = 0.49999997f;
        x[5] = -126.5f;
        x[6] = 1.4999999f;
        byte[] b = Q8Quantizer.quantize(x);
        assertEquals(34, b.length);
        assertEquals(0x00, b[0] & 0xff); // fp16 1.0 = 0x3c00, little-endian
        assertEquals(0x3c, b[1] & 0xff);
        assertArrayEquals(new byte[] {127, 3, -3, -1, 0, -127, 1, 0}, Arrays.copyOfRange(b, 2, 10));
    }

    @Test
    void scaleIsRoundedToFp16ButQuantsUseTheFp32Scale() {
        float[] x = new float[32];
        Arrays.fill(x, 0.49998f);
        x[7] = -1f; // amax = 1 -> d = 1/127, stored as fp16 0x2008 (= 0.0078735, not 1/127)
        byte[] b = Q8Quantizer.quantize(x);
        assertEquals(0x08, b[0] & 0xff);
        assertEquals(0x20, b[1] & 0xff);
        // id = 1/d = 127 exactly, 0.49998 * 127 = 63.497 -> 63. Dividing by the fp16 d instead would give
        // 0.49998 / 0.0078735 = 63.501 -> 64.
        assertEquals(63, b[2]);
        assertEquals(-127, b[2 + 7]);
    }

    @Test
    void zeroBlockHasZeroScaleAndQuants() {
        byte[] b = Q8Quantizer.quantize(new float[64]);
        for (byte v : b) assertEquals(0, v);
    }

    @Test
    void dequantizedValuesAreWithinHalfAStep() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        float[] x = new float[32 * 50];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.exp(r.nextDouble(-8, 4)));
        byte[] q = Q8Quantizer.quantize(x);
        GgufTensor t = new GgufTensor("t", GgmlType.Q8_0, new long[] {x.length}, 0, q.length, java.lang.foreign.MemorySegment.ofArray(q));
        float[] y = Dequantizer.all(t);
        for (int b = 0; b < 50; b++) {
            float d = Half.f16ToF32((short) ((q[b * 34] & 0xff) | (q[b * 34 + 1] << 8)));
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                assertEquals(x[i], y[i], d * 0.5f + Math.abs(x[i]) * 2e-3f, "element " + i);
            }
        }
    }

    /** llama.cpp's converter wrote small-dense-q8_0.gguf from the same weights as small-dense-f32.gguf. */
    @Test
    void reproducesLlamaCppQ8_0BytesOfTheGoldenModel() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.file("golden/small-dense-f32.gguf"));
             GgufFile q = GgufFile.open(TestData.file("golden/small-dense-q8_0.gguf"))) {
            int quantized = 0;
            for (GgufTensor t : f.tensors().values()) {
                GgufTensor u = q.tensor(t.name());
                assertNotNull(u, t.name());
                if (u.type() != GgmlType.Q8_0) continue;
                byte[] mine = Q8Quantizer.quantize(Dequantizer.all(t));
                assertArrayEquals(u.data().toArray(ValueLayout.JAVA_BYTE), mine, t.name());
                quantized++;
            }
            assertEquals(6 * 7 + 3, quantized); // 7 matrices per layer, token_embd, dense_2, dense_3
        }
    }
}
