// SPDX-License-Identifier: Apache-2.0
package dev.egemma.gguf;

/**
 * Q8_0 weight quantization, bit-exact with ggml's {@code quantize_row_q8_0_ref}: per block of 32,
 * {@code d = amax / 127} (stored as fp16), {@code id = d != 0 ? 1/d : 0} (from the fp32 d, not the
 * rounded one), {@code q = roundf(x * id)} with C's roundf (halfway cases away from zero).
 */
public final class Q8Quantizer {
    /** Values per Q8_0 block. */
    public static final int BLOCK = 32;
    /** Bytes per Q8_0 block: an fp16 scale and 32 signed bytes. */
    public static final int BLOCK_BYTES = 34;

    private Q8Quantizer() {}

    /**
     * Quantizes {@code n} floats (a multiple of 32) from {@code x[xOff..]} into {@code out[outOff..]}.
     *
     * @param x      the values
     * @param xOff   index of the first value in {@code x}
     * @param n      number of values, a multiple of 32
     * @param out    receives {@code n / 32 * 34} bytes
     * @param outOff index of the first byte in {@code out}
     * @throws IllegalArgumentException if {@code n} is not a multiple of 32
     */
    public static void quantize(float[] x, int xOff, int n, byte[] out, int outOff) {
        if (n % BLOCK != 0) throw new IllegalArgumentException(n + " is not a multiple of " + BLOCK);
        for (int b = 0; b < n / BLOCK; b++) {
            int xs = xOff + b * BLOCK, o = outOff + b * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = Math.abs(x[xs + j]);
                amax = amax > v ? amax : v; // ggml's MAX macro, NaN handling included
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            short h = Half.f32ToF16(d);
            out[o] = (byte) h;
            out[o + 1] = (byte) (h >>> 8);
            for (int j = 0; j < BLOCK; j++) out[o + 2 + j] = (byte) roundf(x[xs + j] * id);
        }
    }

    /**
     * Quantizes a whole array (length a multiple of 32).
     *
     * @param x the values
     * @return {@code x.length / 32 * 34} bytes of Q8_0 blocks
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantize(float[] x) {
        byte[] out = new byte[x.length / BLOCK * BLOCK_BYTES];
        quantize(x, 0, x.length, out, 0);
        return out;
    }

    /**
     * C's {@code roundf}: nearest integer, halfway cases away from zero. (Java's Math.round rounds
     * halfway cases up, so -2.5 would give -2 instead of -3.) The addition is done in double, where
     * it is exact for any float of magnitude below 2^29, so 0.49999997f stays below one half.
     *
     * @param v the value
     * @return the rounded value; {@link Integer#MIN_VALUE} for NaN and values out of int range
     */
    public static int roundf(float v) {
        double r = Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
        // A NaN or out-of-range value (only when d is subnormal, so 1/d overflows) converts like x86's
        // cvttss2si does in C: to 0x80000000, whose low byte stored into the int8 is 0.
        return r >= -0x1p31 && r < 0x1p31 ? (int) r : Integer.MIN_VALUE;
    }
}
