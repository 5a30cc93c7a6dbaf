// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HalfTest {

    private static short bf16(int f32Bits) {
        return Half.f32ToBf16(Float.intBitsToFloat(f32Bits));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, bf16(0x3f800000)); // 1.0 exact
        assertEquals((short) 0x3f80, bf16(0x3f808000)); // halfway, lower half is even: stays
        assertEquals((short) 0x3f82, bf16(0x3f818000)); // halfway, lower half is odd: rounds up to even
        assertEquals((short) 0x3f81, bf16(0x3f808001)); // just above halfway: up
        assertEquals((short) 0xbf81, bf16(0xbf808001)); // sign does not change the rounding of the magnitude
        assertEquals((short) 0x7f80, bf16(0x7f7fffff)); // FLT_MAX rounds to infinity, as in ggml
        assertEquals((short) 0x7f80, bf16(0x7f800000)); // +inf stays inf
    }

    @Test
    void bf16KeepsNanANan() {
        // A signalling NaN whose payload sits in the low 16 bits would truncate to infinity; ggml sets the quiet bit.
        assertEquals((short) 0x7fc0, bf16(0x7f800001));
        assertEquals((short) 0xffc0, bf16(0xff800001));
        assertTrue(Float.isNaN(Half.bf16ToF32(bf16(0x7f800001))));
    }

    @Test
    void bf16ToF32IsAShift() {
        assertEquals(1.0f, Half.bf16ToF32((short) 0x3f80));
        assertEquals(-2.0f, Half.bf16ToF32((short) 0xc000));
    }

    @Test
    void f16MatchesIeeeBinary16() {
        assertEquals((short) 0x3c00, Half.f32ToF16(1.0f));
        assertEquals((short) 0x7bff, Half.f32ToF16(65504f));
        assertEquals((short) 0x7c00, Half.f32ToF16(65520f)); // halfway to the next binade: rounds to inf
        // 1/127 = 2^-7 * 1.00787..., 10-bit mantissa 0.00787*1024 = 8.06 -> 8: exponent 8, 0x2000 | 8
        assertEquals((short) 0x2008, Half.f32ToF16(1f / 127f));
        assertEquals(0.0078735352f, Half.f16ToF32((short) 0x2008));
        assertEquals(5.9604645e-8f, Half.f16ToF32((short) 0x0001)); // smallest subnormal
    }
}
