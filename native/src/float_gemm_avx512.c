/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 tier of the F32/F16/BF16 GEMM (include/egemma.h, egemma_float_gemm), k a multiple of 16. llamafile's
 * tinyBLAS gives each output one 16-lane fused accumulator over its whole row, which is exactly one zmm register: a
 * register tile of 4 activation rows x 6 weight rows keeps 24 of them, and each 16-element step loads 4 activation
 * vectors and 6 weight vectors (widened from fp16 by vcvtph2ps or from bf16 by a 16-bit shift, both exact) for 24
 * FMAs. Lane-wise FMAs and the reduction in _mm512_reduce_add_ps's order give the scalar tier's bits. */
#include "float_gemm.h"

#if defined(_MSC_VER) || defined(__AVX512F__)
#include <immintrin.h>

#define RM 4
#define RN 6

/* 16 weights of a row of type t from element l, as floats */
static ALWAYS_INLINE __m512 load_w(const uint8_t *row, int32_t t, int64_t l) {
    if (t == EGEMMA_TYPE_F32) return _mm512_loadu_ps((const float *)row + l);
    const __m256i h = _mm256_loadu_si256((const __m256i *)(row + 2 * l));
    if (t == EGEMMA_TYPE_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* _mm512_reduce_add_ps's order (f32_dot.h reduce16): 256-bit halves, 128-bit halves, then (0+2)+(1+3) */
static ALWAYS_INLINE float reduce(__m512 v) {
    const __m256 t = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    const __m128 u = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
    const __m128 s = _mm_add_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* rm x rn outputs (rm, rn compile-time after inlining): rows a.. of k floats, weight rows w.. of rb bytes */
static ALWAYS_INLINE void tile(const float *a, int64_t k, const uint8_t *w, int64_t rb, int32_t t, const int rm, const int rn,
                               float *c, int64_t ldc) {
    __m512 acc[RM][RN];
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++) acc[i][j] = _mm512_setzero_ps();
    for (int64_t l = 0; l < k; l += 16) {
        __m512 av[RM];
        for (int i = 0; i < rm; i++) av[i] = _mm512_loadu_ps(a + i * k + l);
        for (int j = 0; j < rn; j++) {
            const __m512 wv = load_w(w + j * rb, t, l);
            for (int i = 0; i < rm; i++) acc[i][j] = _mm512_fmadd_ps(av[i], wv, acc[i][j]);
        }
    }
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++) c[i * ldc + j] = reduce(acc[i][j]);
}

#include "float_gemm_tiles.h"

EGEMMA_FLOAT_GEMM_ENTRY(egemma_float_gemm_avx512)

#endif
