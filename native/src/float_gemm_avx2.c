/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 tier of the F32/F16/BF16 GEMM (include/egemma.h, egemma_float_gemm), k a multiple of 16: tinyBLAS's 16-lane
 * accumulator per output is two ymm registers (lanes 0-7 and 8-15), so a tile of 2 activation rows x 3 weight rows
 * holds 12 of the 16 ymm registers; weights widened by vcvtph2ps (F16C) or a 16-bit shift (bf16), both exact.
 * Lane-wise FMAs and the reduction in _mm512_reduce_add_ps's order give the scalar tier's bits. */
#include "float_gemm.h"

#if defined(_MSC_VER) || defined(__AVX2__)
#include <immintrin.h>

#define RM 2
#define RN 3

/* 8 weights of a row of type t from element l, as floats */
static ALWAYS_INLINE __m256 load_w(const uint8_t *row, int32_t t, int64_t l) {
    if (t == EGEMMA_TYPE_F32) return _mm256_loadu_ps((const float *)row + l);
    const __m128i h = _mm_loadu_si128((const __m128i *)(row + 2 * l));
    if (t == EGEMMA_TYPE_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* lanes 0-7 in lo, 8-15 in hi, summed as reduce16: (8+i)+i, then the 128-bit halves, then (0+2)+(1+3) */
static ALWAYS_INLINE float reduce(__m256 lo, __m256 hi) {
    const __m256 t = _mm256_add_ps(lo, hi);
    const __m128 u = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
    const __m128 s = _mm_add_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

static ALWAYS_INLINE void tile(const float *a, int64_t k, const uint8_t *w, int64_t rb, int32_t t, const int rm, const int rn,
                               float *c, int64_t ldc) {
    __m256 acc[RM][RN][2];
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++) acc[i][j][0] = acc[i][j][1] = _mm256_setzero_ps();
    for (int64_t l = 0; l < k; l += 16) {
        for (int h = 0; h < 2; h++) {
            __m256 av[RM];
            for (int i = 0; i < rm; i++) av[i] = _mm256_loadu_ps(a + i * k + l + 8 * h);
            for (int j = 0; j < rn; j++) {
                const __m256 wv = load_w(w + j * rb, t, l + 8 * h);
                for (int i = 0; i < rm; i++) acc[i][j][h] = _mm256_fmadd_ps(av[i], wv, acc[i][j][h]);
            }
        }
    }
    for (int i = 0; i < rm; i++)
        for (int j = 0; j < rn; j++) c[i * ldc + j] = reduce(acc[i][j][0], acc[i][j][1]);
}

#include "float_gemm_tiles.h"

EGEMMA_FLOAT_GEMM_ENTRY(egemma_float_gemm_avx2)

#endif
