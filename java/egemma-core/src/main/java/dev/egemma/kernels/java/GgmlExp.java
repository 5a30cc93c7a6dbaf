// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

/**
 * ggml's softmax exponentials on x86 with AVX-512 ({@code ggml_vec_soft_max_f32}): the first {@code 16*floor(n/16)}
 * entries of a row go through {@code ggml_v_expf} (a polynomial, up to ~1.5 ulp from expf) and are summed
 * 16 at a time with {@code _mm512_reduce_add_ps}'s pairwise tree before entering the double sum; the rest use
 * expf. Reproduced lane by lane so that attention rows of 16+ keys round as in llama.cpp.
 */
final class GgmlExp {
    private GgmlExp() {}

    static final int LANES = 16;

    /** One lane of the AVX-512 {@code ggml_v_expf}. */
    static float vexpf(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        if (Math.abs(n) > 192f) return n <= 0f ? 0f : Float.POSITIVE_INFINITY;
        if (Float.isNaN(n)) return Float.NaN;
        float u = b * b;
        float j = Math.fma(
                Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u,
                Math.fma(0x1.ffffecp-1f, b, 1.0f));
        return Math.scalb(j, (int) n);
    }

    /**
     * Softmax numerators of keys {@code lo..hi} of a row of {@code rowLen} keys (the others masked, i.e. 0) in
     * place, as ggml: returns {@code (float)(1/sum)}. {@code p} must have room for {@code rowLen} entries; entries
     * outside {@code lo..hi} are overwritten with 0.
     */
    static float softmax(float[] p, int lo, int hi, int rowLen, float max) {
        int vec = rowLen / LANES * LANES;
        for (int j = 0; j < lo; j++) p[j] = 0f;
        for (int j = hi + 1; j < rowLen; j++) p[j] = 0f;
        double sum = 0;
        for (int j = lo; j <= hi; j++) p[j] = j < vec ? vexpf(p[j] - max) : (float) Math.exp(p[j] - max);
        int firstChunk = lo / LANES * LANES;
        for (int c = firstChunk; c < vec && c <= hi; c += LANES) sum += GgmlF32.reduce16(p, c);
        for (int j = Math.max(vec, lo); j <= hi; j++) sum += p[j];
        return (float) (1.0 / sum);
    }
}
