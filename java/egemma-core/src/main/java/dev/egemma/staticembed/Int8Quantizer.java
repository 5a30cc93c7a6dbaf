// SPDX-License-Identifier: Apache-2.0
package dev.egemma.staticembed;

/**
 * Symmetric int8 quantization of one row with one float scale: {@code s = max|x| / 127},
 * {@code q = round(x / s)} in [-127, 127], dequantized as {@code q * s}. Rounding to the nearest step gives
 * the bound the tests check: {@code |x - q s| <= s / 2} per element, up to float rounding of the division and
 * the product (a few ulp of {@code max|x|}). -128 is never used, so the range is symmetric.
 */
final class Int8Quantizer {
    private Int8Quantizer() {}

    /** Quantizes {@code x} into {@code dst[off .. off + x.length)} and returns the scale (0 for an all-zero row). */
    static float quantize(float[] x, byte[] dst, int off) {
        float max = 0;
        for (float v : x) max = Math.max(max, Math.abs(v));
        if (!Float.isFinite(max)) throw new IllegalArgumentException("row has a non-finite value");
        if (max == 0) {
            java.util.Arrays.fill(dst, off, off + x.length, (byte) 0);
            return 0;
        }
        float scale = max / 127f;
        float inv = 127f / max;
        for (int i = 0; i < x.length; i++) {
            int q = Math.round(x[i] * inv);
            dst[off + i] = (byte) Math.max(-127, Math.min(127, q));
        }
        return scale;
    }
}
