/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the AVX-512 Q8_0 GEMM kernels (x86 order in q8_0_gemm_avx512.c, block order in q8_0_block_avx512.c,
 * AMX tiles in q8_0_gemm_amx.c): included by translation units compiled with the avx512 or amx tier flags only. */
#ifndef EGEMMA_Q8_0_AVX512_H
#define EGEMMA_Q8_0_AVX512_H

#include <immintrin.h>

#include "egemma_internal.h"

/* the lanes of the 16-column group starting at col0 that fall inside the tile's columns [n0, n1) */
static inline __mmask16 egemma_column_mask(int64_t col0, int64_t n0, int64_t n1) {
    const int64_t lo = n0 > col0 ? n0 - col0 : 0;
    const int64_t hi = n1 < col0 + 16 ? n1 - col0 : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/* Rows [i0, i0+rows) of qa as u8 a + 128 into ab: vpdpbusd multiplies unsigned by signed bytes, so the kernels
 * multiply a + 128 by w and start each sum from -128 * (the weights' sum), which ends at the exact signed dot */
static inline void egemma_bias_rows(const int8_t *qa, int64_t k, int64_t i0, int64_t rows, uint8_t *ab) {
    const __m512i x80 = _mm512_set1_epi8((char)0x80);
    const int8_t *src = qa + i0 * k;
    const int64_t n = rows * k; /* k is a multiple of 32 */
    int64_t j = 0;
    for (; j + 64 <= n; j += 64) _mm512_storeu_si512((void *)(ab + j), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + j)), x80));
    for (; j < n; j += 32) _mm256_storeu_si256((__m256i *)(ab + j), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + j)), _mm512_castsi512_si256(x80)));
}

/* The rows of a register tile of `rmax` rows: rows i0.. of the chunk that starts at row c0 (ab: its biased rows;
 * da, c: the whole product's scales and output, the output from column col0); rows past rm repeat row i0, computed
 * but never stored */
static inline void egemma_tile_rows(int rmax, int rm, int64_t c0, int64_t i0, const uint8_t *ab, const float *da, float *c, int64_t k,
                                    int64_t nb, int64_t ldc, int64_t col0, const uint8_t **arow, const float **drow, float **crow) {
    for (int i = 0; i < rmax; i++) {
        const int64_t r = i0 + (i < rm ? i : 0);
        arow[i] = ab + r * k;
        drow[i] = da + (c0 + r) * nb;
        crow[i] = c + (c0 + r) * ldc + col0;
    }
}

#endif
