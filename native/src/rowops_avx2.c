/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 tier of RMSNorm and GELU * up, bit-identical to the portable versions in rowops.c (and so to the Java
 * kernels): the same float products, the same double sums in index order, the same fp16 rounding of the GELU input.
 *
 * RMSNorm: ggml sums each row's squares in one double chain (an add latency per element). Here a double vector
 * holds 4 rows' chains; four rows' next 4 squares are loaded row by row and transposed (unpack + permute2f128), so
 * each add advances 4 chains by one element, and two groups of 4 rows keep the adder busy. GELU: the table lookup
 * becomes an 8-lane gather indexed by vcvtps2ph's round-to-nearest-even fp16 bits (egemma_fp32_to_fp16 computes
 * the same bits in software). */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__F16C__))
#include <immintrin.h>

/* chains s (4 rows starting at x0, row stride n) advanced over elements [j, j+4), in index order */
static inline __m256d add_squares4(__m256d s, const float *x0, int64_t n, int64_t j) {
    __m256d d[4];
    for (int r = 0; r < 4; r++) {
        const __m128 v = _mm_loadu_ps(x0 + r * n + j);
        d[r] = _mm256_cvtps_pd(_mm_mul_ps(v, v)); /* the float square, then widened: (double)(x * x) */
    }
    const __m256d t0 = _mm256_unpacklo_pd(d[0], d[1]), t1 = _mm256_unpackhi_pd(d[0], d[1]);
    const __m256d t2 = _mm256_unpacklo_pd(d[2], d[3]), t3 = _mm256_unpackhi_pd(d[2], d[3]);
    s = _mm256_add_pd(s, _mm256_permute2f128_pd(t0, t2, 0x20)); /* element j of the 4 rows */
    s = _mm256_add_pd(s, _mm256_permute2f128_pd(t1, t3, 0x20)); /* j + 1 */
    s = _mm256_add_pd(s, _mm256_permute2f128_pd(t0, t2, 0x31)); /* j + 2 */
    return _mm256_add_pd(s, _mm256_permute2f128_pd(t1, t3, 0x31)); /* j + 3 */
}

/* finishes the 4 chains over the elements [j, n) left after the vector part, then scales the rows */
static void finish_rows4(float *x0, int64_t n, int64_t j, const float *w, __m256d sums, float eps) {
    double s[4];
    _mm256_storeu_pd(s, sums);
    for (int r = 0; r < 4; r++) {
        float *xr = x0 + r * n;
        for (int64_t t = j; t < n; t++) s[r] += (double)(xr[t] * xr[t]);
        egemma_rms_scale_row(xr, n, w, s[r], eps);
    }
}

void egemma_rms_norm_avx2(float *x, int64_t rows, int64_t n, const float *w, float eps) {
    const int64_t nv = n / 4 * 4;
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8) { /* two independent groups of 4 chains */
        float *x0 = x + r * n, *x1 = x0 + 4 * n;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        for (int64_t j = 0; j < nv; j += 4) {
            s0 = add_squares4(s0, x0, n, j);
            s1 = add_squares4(s1, x1, n, j);
        }
        finish_rows4(x0, n, nv, w, s0, eps);
        finish_rows4(x1, n, nv, w, s1, eps);
    }
    for (; r + 4 <= rows; r += 4) {
        float *x0 = x + r * n;
        __m256d s0 = _mm256_setzero_pd();
        for (int64_t j = 0; j < nv; j += 4) s0 = add_squares4(s0, x0, n, j);
        finish_rows4(x0, n, nv, w, s0, eps);
    }
    if (r < rows) egemma_rms_norm_scalar(x + r * n, rows - r, n, w, eps);
}

void egemma_gelu_mul_avx2(float *gate, const float *up, int64_t count, const float *table) {
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 x = _mm256_loadu_ps(gate + i), u = _mm256_loadu_ps(up + i);
        const __m256i h = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256 y = _mm256_mul_ps(_mm256_i32gather_ps(table, h, 4), u);
        y = _mm256_blendv_ps(y, _mm256_mul_ps(x, u), _mm256_cmp_ps(x, hi, _CMP_GE_OQ)); /* x >= 10: x * up */
        y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LE_OQ)); /* x <= -10: 0 */
        _mm256_storeu_ps(gate + i, y);
    }
    egemma_gelu_mul_scalar(gate + i, up + i, count - i, table);
}
#else
#error "rowops_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
