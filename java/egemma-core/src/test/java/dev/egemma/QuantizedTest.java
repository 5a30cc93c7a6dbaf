// SPDX-License-Identifier: Apache-2.0
package dev.egemma;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;

/** Quantized's forms against values worked out by hand from the documented formulas. */
class QuantizedTest {
    private static final float[] V = {1f, -1f, 0.5f, -0.5f, 0f, 0.003f, -0.004f, 2f, -3f, 0.1f};

    @Test
    void int8ScalesBy127AndClamps() {
        // 127, -127, round(63.5)=64, round(-63.5)=-63, 0, round(0.381)=0, round(-0.508)=-1, clamp 254, clamp -381, round(12.7)=13
        assertArrayEquals(new byte[] {127, -127, 64, -63, 0, 0, -1, 127, -127, 13}, Quantized.int8(V));
    }

    @Test
    void uint8ShiftsScalesBy127_5AndClamps() {
        // round(255)=255, 0, round(191.25)=191, round(63.75)=64, round(127.5)=128, round(127.88)=128,
        // round(126.99)=127, clamp 255, clamp 0, round(140.25)=140
        int[] want = {255, 0, 191, 64, 128, 128, 127, 255, 0, 140};
        byte[] got = Quantized.uint8(V);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], Byte.toUnsignedInt(got[i]), "uint8[" + i + "]");
    }

    @Test
    void ubinaryAndBinaryPackSignBitsLikeNumpyPackbits() {
        // signs > 0: 1 0 1 0 0 1 0 1 | 0 1 (padded 000000)  ->  0b10100101 = 165, 0b01000000 = 64
        byte[] u = Quantized.ubinary(V);
        assertEquals(2, u.length);
        assertEquals(165, Byte.toUnsignedInt(u[0]));
        assertEquals(64, Byte.toUnsignedInt(u[1]));
        assertArrayEquals(new byte[] {37, -64}, Quantized.binary(V)); // 165 - 128, 64 - 128
    }

    @Test
    void signBitsAreBitSetOrdered() {
        long[] w = Quantized.signBits(V);
        assertArrayEquals(new long[] {0b10_1010_0101L}, w); // values 0, 2, 5, 7, 9
        BitSet b = BitSet.valueOf(w);
        for (int i = 0; i < V.length; i++) assertEquals(V[i] > 0, b.get(i), "bit " + i);
        float[] wide = new float[65];
        wide[64] = 1f;
        assertArrayEquals(new long[] {0L, 1L}, Quantized.signBits(wide));
    }

    @Test
    void nanAndEmpty() {
        float[] nan = {Float.NaN};
        assertEquals(0, Quantized.int8(nan)[0]);
        assertEquals(0, Byte.toUnsignedInt(Quantized.uint8(nan)[0])); // Math.round(NaN) is 0
        assertEquals(0, Quantized.ubinary(nan)[0]);
        assertEquals(0, Quantized.int8(new float[0]).length);
        assertEquals(0, Quantized.ubinary(new float[0]).length);
        assertEquals(0, Quantized.signBits(new float[0]).length);
    }
}
