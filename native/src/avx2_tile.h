/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the AVX2 GEMM tiers (q8_0_gemm_avx2.c, kq_gemm_avx2.c): included by translation units compiled with the
 * avx2 tier flags only. */
#ifndef EGEMMA_AVX2_TILE_H
#define EGEMMA_AVX2_TILE_H

#include <immintrin.h>

/* columns [lo, hi) of the 8 at dst (a tile's first or last 8 columns may be partly outside [n0, n1)) */
static inline void egemma_store8(float *dst, __m256 r, int lo, int hi) {
    if (lo == 0 && hi == 8) {
        _mm256_storeu_ps(dst, r);
    } else {
        float tmp[8];
        _mm256_storeu_ps(tmp, r);
        for (int j = lo; j < hi; j++) dst[j] = tmp[j];
    }
}

#endif
