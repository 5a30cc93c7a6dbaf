/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 VNNI tier of the super-block ("kq") GEMM: the block order of egemma_kq_gemm_scalar, bit for bit.
 *
 * Per super-block and sub-block, vpdpbusd sums each column's products of one sub-block into an int32 lane t (16
 * columns per register, the activations' 4 bytes broadcast); isum += t * sc (vpmulld by the column's scales); at the
 * end of the super-block acc = fma((float)(isum - corr), d_w*d_a, acc). vpdpbusd multiplies unsigned by signed bytes:
 * the rows are biased to a + 128 once per chunk (egemma_bias_rows), which adds 128 * sum of q*sc over the block to
 * isum: corr, computed when the weights are packed, takes it back out exactly (every step wraps mod 2^32, and so
 * does Java's int arithmetic, so the result is BlockDot's isum whatever the magnitudes). The min term runs after the
 * product, one vpdpwssd per two 16-element halves (mins paired with the activations' sums of 16). */
#include <math.h>

#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && defined(__AVX512BW__))
#include "q8_0_avx512.h"

#define RM 4
#define CHUNK EGEMMA_GEMM_CHUNK_ROWS /* rows biased per pass */

/* RM rows (ab: biased rows, stride k; dr: their super-block scales) x the 16 columns of group g; format is a
 * constant at every call site, so the sub-block loops unroll */
static ALWAYS_INLINE void tile(const int32_t format, const uint8_t *const ab[RM], const float *const dr[RM], int rm, int64_t nbk,
                               const uint8_t *packed, int64_t g, __mmask16 mk, float *const crow[RM], egemma_prefetch *pf) {
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub;
    __m512 acc[RM];
    EGEMMA_UNROLL for (int i = 0; i < RM; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nbk; b++) {
        const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
        if (pf) egemma_prefetch_step(pf);
        __m512i isum[RM];
        EGEMMA_UNROLL for (int i = 0; i < RM; i++) isum[i] = _mm512_setzero_si512();
        EGEMMA_UNROLL for (int s = 0; s < nsub; s++) {
            __m512i t[RM];
            EGEMMA_UNROLL for (int i = 0; i < RM; i++) t[i] = _mm512_setzero_si512();
            EGEMMA_UNROLL for (int l = 0; l < sub / 4; l++) {
                const int e = s * sub + 4 * l;
                const __m512i w = _mm512_load_si512((const void *)(rec + KQ_Q + egemma_kq_q_at(e, 0)));
                EGEMMA_UNROLL for (int i = 0; i < RM; i++) {
                    int32_t a4;
                    memcpy(&a4, ab[i] + b * EGEMMA_QK_K + e, 4);
                    t[i] = _mm512_dpbusd_epi32(t[i], _mm512_set1_epi32(a4), w);
                }
            }
            const __m512i sc = _mm512_cvtepi8_epi32(_mm_load_si128((const __m128i *)(rec + KQ_SC + s * 16)));
            EGEMMA_UNROLL for (int i = 0; i < RM; i++) isum[i] = _mm512_add_epi32(isum[i], _mm512_mullo_epi32(t[i], sc));
        }
        const __m512i corr = _mm512_load_si512((const void *)(rec + egemma_kq_corr_at(format)));
        const __m512 dw = _mm512_load_ps((const void *)(rec + egemma_kq_d_at(format)));
        EGEMMA_UNROLL for (int i = 0; i < RM; i++)
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(isum[i], corr)), _mm512_mul_ps(dw, _mm512_set1_ps(dr[i][b])), acc[i]);
    }
    EGEMMA_UNROLL for (int i = 0; i < RM; i++)
        if (i < rm) _mm512_mask_storeu_ps(crow[i], mk, acc[i]);
}

/* c = c - accMin for rows [0, m) x columns [n0, n1) (egemma_kq_sub_min_scalar's operations, 16 columns at a time) */
static void sub_min(const int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed, int64_t n0,
                    int64_t n1, float *c, int64_t ldc) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t g = n0 / 16; g < (n1 + 15) / 16; g++) {
        const __mmask16 mk = egemma_column_mask(g * 16, n0, n1);
        for (int64_t i = 0; i < m; i++) {
            __m512 acc_min = _mm512_setzero_ps();
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                const int16_t *bs = bsums + i * (k / 16) + b * 16;
                __m512i ms = _mm512_setzero_si512();
                EGEMMA_UNROLL for (int p = 0; p < 8; p++) {
                    int32_t pair;
                    memcpy(&pair, bs + 2 * p, 4);
                    ms = _mm512_dpwssd_epi32(ms, _mm512_set1_epi32(pair), _mm512_load_si512((const void *)(rec + egemma_kq_mn_at(format) + p * 64)));
                }
                const __m512 dmin = _mm512_load_ps((const void *)(rec + egemma_kq_dmin_at(format)));
                acc_min = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ms), _mm512_mul_ps(dmin, _mm512_set1_ps(da[i * nbk + b])), acc_min);
            }
            float *dst = c + i * ldc + g * 16;
            _mm512_mask_storeu_ps(dst, mk, _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, dst), acc_min));
        }
    }
}

static ALWAYS_INLINE void gemm(const int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                               const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    const int64_t nbk = k / EGEMMA_QK_K;
    uint8_t *ab = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    /* Fewer rows than a chunk (short texts): the weights stream from memory once per call, so each pass over a group
     * fetches its share of the next group's records ahead (as the Q8_0 kernels do), the first group asked for whole */
    const int few = m < CHUNK;
    const int64_t gbytes = nbk * egemma_kq_record_bytes(format), g_end = (n1 + 15) / 16;
    if (few)
        for (int64_t off = 0; off < gbytes; off += 64) EGEMMA_PREFETCH((const char *)packed + (n0 / 16) * gbytes + off);
    for (int64_t c0 = 0; c0 < m; c0 += CHUNK) {
        const int64_t rows = m - c0 < CHUNK ? m - c0 : CHUNK;
        egemma_bias_rows(qa, k, c0, rows, ab);
        const int64_t passes = (rows + RM - 1) / RM;
        for (int64_t g = n0 / 16; g < g_end; g++) {
            const __mmask16 mk = egemma_column_mask(g * 16, n0, n1);
            for (int64_t i0 = 0; i0 < rows; i0 += RM) {
                const int rm = rows - i0 < RM ? (int)(rows - i0) : RM;
                const uint8_t *arow[RM];
                const float *drow[RM];
                float *crow[RM];
                egemma_tile_rows(RM, rm, c0, i0, ab, da, c, k, nbk, ldc, g * 16, arow, drow, crow);
                if (few && g + 1 < g_end) {
                    egemma_prefetch pf = egemma_prefetch_share((const char *)packed + (g + 1) * gbytes, gbytes, nbk, i0 / RM, passes);
                    tile(format, arow, drow, rm, nbk, packed, g, mk, crow, &pf);
                } else {
                    tile(format, arow, drow, rm, nbk, packed, g, mk, crow, NULL);
                }
            }
        }
    }
    if (egemma_kq_has_min(format)) sub_min(format, da, bsums, m, k, packed, n0, n1, c, ldc);
}

/* Q4_1/Q5_1's min term, 16 columns at a time (egemma_add_min_term_scalar's operations) */
void egemma_add_min_term_avx512(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = n0; j < n1; j += 16) {
            const __mmask16 mk = n1 - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n1 - j)) - 1u);
            __m512 acc_min = _mm512_setzero_ps();
            for (int64_t b = 0; b < nb; b++) acc_min = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, mw + b * ldm + j), _mm512_set1_ps(sa[i * nb + b]), acc_min);
            float *dst = c + i * ldc + j;
            _mm512_mask_storeu_ps(dst, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, dst), acc_min));
        }
    }
}

/* egemma_q8_k_quantize_scalar 16 values at a time, bit for bit: the maximum magnitude by vmaxps (a NaN never wins, as
 * in the scalar loop's strict >), its first occurrence as the signed max; rint(iscale * x) clamped to 127 from above
 * first (a NaN stays NaN), then vcvtps2dq, whose INT_MIN for NaN and -inf has the low byte 0 that Java's (byte) of
 * (int) NaN and of (int) -inf keep; the low byte stored (vpmovdb truncates) and the sums of 16 taken over the bytes. */
void egemma_q8_k_quantize_avx512(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t b = 0; b < nbk; b++) {
            const float *xb = x + i * k + b * EGEMMA_QK_K;
            int8_t *q = qa + i * k + b * EGEMMA_QK_K;
            int16_t *bs = bsums + i * (k / 16) + b * 16;
            __m512 mx = _mm512_setzero_ps();
            for (int t = 0; t < 16; t++) mx = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(xb + 16 * t)), mx);
            const float amax = _mm512_reduce_max_ps(mx);
            if (amax == 0.0f) {
                egemma_q8_k_zero_block(q, da + i * nbk + b, bs);
                continue;
            }
            const float iscale = -127.0f / egemma_q8_k_first_of_magnitude(xb, amax);
            const __m512 vs = _mm512_set1_ps(iscale), top = _mm512_set1_ps(127.0f);
            for (int t = 0; t < 16; t++) {
                const __m512 v = _mm512_roundscale_ps(_mm512_mul_ps(vs, _mm512_loadu_ps(xb + 16 * t)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                const __m128i q8 = _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_min_ps(top, v)));
                _mm_storeu_si128((__m128i *)(q + 16 * t), q8);
                bs[t] = (int16_t)_mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(q8));
            }
            da[i * nbk + b] = 1.0f / iscale;
        }
    }
}

void egemma_kq_gemm_avx512(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                           const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
#define GEMM(F) gemm(F, qa, da, bsums, m, k, packed, n0, n1, c, ldc, scratch)
    EGEMMA_KQ_SPECIALIZE(format, GEMM)
#undef GEMM
}
#else
#error "kq_gemm_avx512.c must be compiled with the avx512 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
