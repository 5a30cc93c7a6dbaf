/* AVX-512 tier of RMSNorm and GELU * up, bit-identical to the portable versions in rowops.c (and so to the Java
 * kernels): the same float products, the same double sums in index order, the same fp16 rounding of the GELU input.
 *
 * RMSNorm: ggml sums each row's squares in one double chain (a 4-cycle add per element). Here the lanes of a double
 * vector are 8 rows, so one vector add advances 8 chains by one element each, and two such vectors (16 rows) keep
 * the adder busy; the elements are gathered down the 8 rows. GELU: the table lookup becomes a 16-lane gather indexed
 * by vcvtps2ph's round-to-nearest-even fp16 bits (egemma_fp32_to_fp16 computes the same bits in software). */
#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__))
#include <immintrin.h>

/* sums of squares of the 8 rows starting at x0 (row stride n) */
static inline __m512d sum_squares8(const float *x0, __m256i idx, int64_t n) {
    __m512d s = _mm512_setzero_pd();
    for (int64_t j = 0; j < n; j++) {
        const __m256 g = _mm256_i32gather_ps(x0 + j, idx, 4);
        s = _mm512_add_pd(s, _mm512_cvtps_pd(_mm256_mul_ps(g, g)));
    }
    return s;
}

static void scale_rows(float *x0, int64_t count, int64_t n, const float *w, __m512d sums, float eps) {
    double s[8];
    _mm512_storeu_pd(s, sums);
    for (int64_t l = 0; l < count; l++) egemma_rms_scale_row(x0 + l * n, n, w, s[l], eps);
}

void egemma_rms_norm_avx512(float *x, int64_t rows, int64_t n, const float *w, float eps) {
    int64_t r = 0;
    if (n <= ((int64_t)1 << 27)) { /* gather offsets: 7 * n must fit an int32 */
        const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)n));
        for (; r + 16 <= rows; r += 16) { /* two independent groups of 8 chains */
            float *x0 = x + r * n, *x1 = x0 + 8 * n;
            __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
            for (int64_t j = 0; j < n; j++) {
                const __m256 g0 = _mm256_i32gather_ps(x0 + j, idx, 4), g1 = _mm256_i32gather_ps(x1 + j, idx, 4);
                s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm256_mul_ps(g0, g0)));
                s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_mul_ps(g1, g1)));
            }
            scale_rows(x0, 8, n, w, s0, eps);
            scale_rows(x1, 8, n, w, s1, eps);
        }
        for (; r + 8 <= rows; r += 8) scale_rows(x + r * n, 8, n, w, sum_squares8(x + r * n, idx, n), eps);
    }
    if (r < rows) egemma_rms_norm_scalar(x + r * n, rows - r, n, w, eps);
}

void egemma_gelu_mul_avx512(float *gate, const float *up, int64_t count, const float *table) {
    const __m512 lo = _mm512_set1_ps(-10.0f), hi = _mm512_set1_ps(10.0f);
    int64_t i = 0;
    for (; i + 16 <= count; i += 16) {
        const __m512 x = _mm512_loadu_ps(gate + i), u = _mm512_loadu_ps(up + i);
        const __m512i h = _mm512_cvtepu16_epi32(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m512 y = _mm512_mul_ps(_mm512_i32gather_ps(h, table, 4), u);
        y = _mm512_mask_mul_ps(y, _mm512_cmp_ps_mask(x, hi, _CMP_GE_OQ), x, u);             /* x >= 10: x * up */
        y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, lo, _CMP_LE_OQ), _mm512_setzero_ps()); /* x <= -10: 0 */
        _mm512_storeu_ps(gate + i, y);
    }
    egemma_gelu_mul_scalar(gate + i, up + i, count - i, table);
}
#else
#error "rowops_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
