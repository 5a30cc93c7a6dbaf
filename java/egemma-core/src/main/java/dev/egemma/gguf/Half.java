// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

/**
 * 16-bit float conversions as ggml does them. fp16 is IEEE binary16 with round-to-nearest-even (what
 * F16C's {@code vcvtps2ph} and ggml's software fallback compute; {@link Float#floatToFloat16} is the same).
 * bf16 is the upper half of an fp32: ggml rounds to nearest even and turns a NaN into a quiet NaN
 * ({@code ggml_compute_fp32_to_bf16}).
 */
public final class Half {
    private Half() {}

    /**
     * An fp16 value as a float (exact).
     *
     * @param h the fp16 bits
     * @return the value
     */
    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    /**
     * A float rounded to fp16, to nearest even.
     *
     * @param f the value
     * @return the fp16 bits; out-of-range values become infinities
     */
    public static short f32ToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * A bf16 value as a float (exact).
     *
     * @param h the bf16 bits
     * @return the value
     */
    public static float bf16ToF32(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /**
     * A float rounded to bf16 as ggml does: to nearest even, a NaN kept a quiet NaN.
     *
     * @param f the value
     * @return the bf16 bits
     */
    public static short f32ToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            // NaN: keep sign and top payload bits, force the quiet bit so truncation cannot make it an infinity.
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
