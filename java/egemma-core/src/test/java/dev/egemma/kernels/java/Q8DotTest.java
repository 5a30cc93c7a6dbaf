// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.egemma.kernels.Q8Blocks;
import dev.egemma.kernels.Q8Blocks.Fill;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class Q8DotTest {

    @Test
    void oneBlockByHand() {
        // a: d = 1.0, q = 1..32; b: d = 0.5, q = 2 everywhere: 0.5 * 2 * (1 + ... + 32) = 528
        MemorySegment a = MemorySegment.ofArray(new byte[34]);
        MemorySegment b = MemorySegment.ofArray(new byte[34]);
        ValueLayout.OfShort fp16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        a.set(fp16, 0, (short) 0x3c00);
        b.set(fp16, 0, (short) 0x3800);
        for (int i = 0; i < 32; i++) {
            a.set(ValueLayout.JAVA_BYTE, 2 + i, (byte) (i + 1));
            b.set(ValueLayout.JAVA_BYTE, 2 + i, (byte) 2);
        }
        assertEquals(528f, Q8Dot.dotScalar(a, 0, b, 0, 1));
        assertEquals(528f, Q8Dot.dot(a, 0, b, 0, 1));
        assertEquals(0f, Q8Dot.dot(a, 0, b, 0, 0));
    }

    @Test
    void scalarIsWithinTheDerivedBoundOfTheExactValue() {
        for (Fill fill : Fill.values()) {
            for (int n : new int[] {1, 2, 31, 32, 33, 255, 257, 300}) {
                MemorySegment a = Q8Blocks.row(n, fill, n, 0, 0), b = Q8Blocks.row(n, fill, n, 1, 0);
                double[] em = Q8Blocks.exactAndMagnitude(a, 0, b, 0, n);
                float got = Q8Dot.dotScalar(a, 0, b, 0, n);
                assertTrue(Math.abs(got - em[0]) <= Q8Blocks.toleranceVsExact(n, em[1]),
                        () -> fill + " n=" + n + ": " + got + " vs exact " + em[0]);
                if (fill == Fill.ZERO_SCALE || fill == Fill.UNIT_SCALE && n <= 32) {
                    assertEquals(em[0], got, 0.0, fill + " n=" + n + " must be exact");
                }
            }
        }
    }

    @Test
    void vectorEqualsScalarBitForBit() {
        assertTrue(Q8Dot.VECTOR_AVAILABLE, "the Vector API should run in tests (surefire adds jdk.incubator.vector)");
        for (Fill fill : Fill.values()) {
            for (int n = 1; n <= 300; n++) {
                for (int pad : new int[] {0, 1}) {
                    MemorySegment a = Q8Blocks.row(n, fill, n, 0, pad), b = Q8Blocks.row(n, fill, n, 1, pad);
                    float s = Q8Dot.dotScalar(a, pad, b, pad, n);
                    float v = Q8Dot.dotVector(a, pad, b, pad, n);
                    assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v),
                            fill + " n=" + n + " pad=" + pad + ": vector " + v + " scalar " + s);
                }
            }
        }
    }

    @Test
    void rejectsBadSizesAndOffsetsWithClearMessages() {
        MemorySegment a = MemorySegment.ofArray(new byte[34 * 3]);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Q8Dot.dot(a, 0, a, 0, 4));
        assertTrue(e.getMessage().contains("needs 136 bytes") && e.getMessage().contains("holds 102"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Q8Dot.dot(a, 1, a, 0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Q8Dot.dotScalar(a, -1, a, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Q8Dot.dotVector(a, 0, a, 0, -1));
    }
}
