// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

/**
 * F32 dot products in the float order of llama.cpp's x86 CPU backend (an AVX-512 build), so that the Java
 * backend reproduces llama.cpp's results bit for bit where it matters (see {@link GgmlQ8Matmul} for why).
 * <ul>
 * <li>{@link #vecDot}: {@code ggml_vec_dot_f32}, used by llama.cpp for the attention products (K.Q and P.V) and
 * the mean pooling: chunks of 64 as four 16-lane FMA accumulators, reduced {@code (s0+s2)+(s1+s3)} then
 * {@link #reduce16}; the leftover elements added one by one, unfused ({@code sumf += x*y}).</li>
 * <li>{@link #tinyBlasDot}: llamafile's {@code tinyBLAS} F32 kernel (weights in F32): one 16-lane FMA accumulator
 * over the whole row, then {@link #reduce16}. Needs a length that is a multiple of 16.</li>
 * </ul>
 */
public final class GgmlF32 {
    private GgmlF32() {}

    /** {@code _mm512_reduce_add_ps} as GCC expands it: halves 256+256, 128+128, then (0+2, 1+3), then 0+1. */
    static float reduce16(float[] v, int o) {
        float t0 = v[o + 8] + v[o], t1 = v[o + 9] + v[o + 1], t2 = v[o + 10] + v[o + 2], t3 = v[o + 11] + v[o + 3];
        float t4 = v[o + 12] + v[o + 4], t5 = v[o + 13] + v[o + 5], t6 = v[o + 14] + v[o + 6], t7 = v[o + 15] + v[o + 7];
        float u0 = t4 + t0, u1 = t5 + t1, u2 = t6 + t2, u3 = t7 + t3;
        return (u0 + u2) + (u1 + u3);
    }

    /** {@code ggml_vec_dot_f32} over {@code n} elements of x (stride xs) and y (stride ys). */
    public static float vecDot(float[] x, int xo, int xs, float[] y, int yo, int ys, int n) {
        int np = n & ~63;
        float sum = 0f;
        if (np > 0) {
            float[] acc = new float[64]; // four 16-lane accumulators, acc[j*16 + lane]
            for (int i = 0; i < np; i += 64)
                for (int e = 0; e < 64; e++) acc[e] = Math.fma(x[xo + (i + e) * xs], y[yo + (i + e) * ys], acc[e]);
            for (int l = 0; l < 16; l++) {
                acc[l] += acc[32 + l];
                acc[16 + l] += acc[48 + l];
            }
            for (int l = 0; l < 16; l++) acc[l] += acc[16 + l];
            sum = reduce16(acc, 0);
        }
        for (int i = np; i < n; i++) sum += x[xo + i * xs] * y[yo + i * ys];
        return sum;
    }

    /** tinyBLAS F32: {@code n} must be a multiple of 16. */
    public static float tinyBlasDot(float[] x, int xo, float[] y, int yo, int n, float[] scratch16) {
        if (n % 16 != 0) throw new IllegalArgumentException("tinyBLAS order needs a multiple of 16, got " + n);
        java.util.Arrays.fill(scratch16, 0, 16, 0f);
        for (int l = 0; l < n; l += 16)
            for (int r = 0; r < 16; r++) scratch16[r] = Math.fma(x[xo + l + r], y[yo + l + r], scratch16[r]);
        return reduce16(scratch16, 0);
    }

    /**
     * One NEOX RoPE pair as ggml's {@code rotate_pairs} computes it once GCC has contracted it to FMAs
     * (checked against the goldens): {@code x0' = fma(x0, cos, -(x1*sin))}, {@code x1' = fma(x0, sin, x1*cos)}.
     */
    static float rotate0(float x0, float x1, float c, float s) {
        return Math.fma(x0, c, -(x1 * s));
    }

    static float rotate1(float x0, float x1, float c, float s) {
        return Math.fma(x0, s, x1 * c);
    }
}
