/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 tier of the super-block ("kq") GEMM: the block order of egemma_kq_gemm_scalar, bit for bit.
 *
 * No int8 dot instruction, so ggml's sign trick: maddubs multiplies |w| (u8, at most 128) by a carrying w's sign
 * (Q8_K quants lie in [-127, 127], so sign_epi8 never overflows) into int16 pairs of at most 2*128*127; then madd
 * with the column's sub-block scale in both int16 halves of its lane (instead of ggml's madd by ones) gives
 * sc * (the 4 products of the quad) as an exact int32, so the scale costs nothing per quad and isum needs no separate
 * multiply. Per super-block acc = fma((float)isum, d_w*d_a, acc). Register tile: RB rows x 8 columns (half a packed
 * group). The min term runs after the product: madd of the activations' paired sums of 16 by the paired mins. */
#include <math.h>

#include "egemma_internal.h"

#if defined(_MSC_VER) || (defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#include <immintrin.h>

#include "avx2_tile.h"

#define RB 4

/* the 8 columns' int8 scales of sub-block s, each in both int16 halves of its 32-bit lane */
static inline __m256i scales16(const uint8_t *rec, int s, int h) {
    const __m256i sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(rec + KQ_SC + s * 16 + 8 * h)));
    return _mm256_or_si256(_mm256_and_si256(sc, _mm256_set1_epi32(0xffff)), _mm256_slli_epi32(sc, 16));
}

/* nr rows (a: their quants, dr: their super-block scales) x the 8 columns of half h of group g */
static ALWAYS_INLINE void rows_x_half(const int32_t format, const int8_t *const a[RB], const float *const dr[RB], int64_t nbk, const uint8_t *packed,
                                      int64_t g, int h, __m256 acc[RB], const int nr) {
    const int sub = egemma_kq_sub(format), nsub = EGEMMA_QK_K / sub;
    EGEMMA_UNROLL for (int i = 0; i < nr; i++) acc[i] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nbk; b++) {
        const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
        __m256i isum[RB];
        EGEMMA_UNROLL for (int i = 0; i < nr; i++) isum[i] = _mm256_setzero_si256();
        for (int s = 0; s < nsub; s++) {
            const __m256i sc = scales16(rec, s, h);
            EGEMMA_UNROLL for (int l = 0; l < sub / 4; l++) {
                const int e = s * sub + 4 * l;
                const __m256i w = _mm256_load_si256((const __m256i *)(rec + KQ_Q + egemma_kq_q_at(e, 0) + 32 * h));
                const __m256i uw = _mm256_abs_epi8(w);
                EGEMMA_UNROLL for (int i = 0; i < nr; i++) {
                    int32_t a4;
                    memcpy(&a4, a[i] + b * EGEMMA_QK_K + e, 4);
                    isum[i] = _mm256_add_epi32(isum[i], _mm256_madd_epi16(_mm256_maddubs_epi16(uw, _mm256_sign_epi8(_mm256_set1_epi32(a4), w)), sc));
                }
            }
        }
        const __m256 dw = _mm256_load_ps((const float *)(rec + egemma_kq_d_at(format)) + 8 * h);
        EGEMMA_UNROLL for (int i = 0; i < nr; i++)
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[i]), _mm256_mul_ps(dw, _mm256_broadcast_ss(dr[i] + b)), acc[i]);
    }
}

/* c = c - accMin for rows [0, m) x columns [n0, n1) (egemma_kq_sub_min_scalar's operations, 8 columns at a time) */
static void sub_min(const int32_t format, const float *da, const int16_t *bsums, int64_t m, int64_t k, const uint8_t *packed, int64_t n0,
                    int64_t n1, float *c, int64_t ldc) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t col0 = n0 / 8 * 8; col0 < n1; col0 += 8) {
        const int64_t g = col0 / 16;
        const int h = (int)(col0 / 8 % 2);
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 8 ? (int)(n1 - col0) : 8;
        for (int64_t i = 0; i < m; i++) {
            __m256 acc_min = _mm256_setzero_ps();
            for (int64_t b = 0; b < nbk; b++) {
                const uint8_t *rec = egemma_kq_record(packed, format, g, nbk, b);
                const int16_t *bs = bsums + i * (k / 16) + b * 16;
                __m256i ms = _mm256_setzero_si256();
                EGEMMA_UNROLL for (int p = 0; p < 8; p++) {
                    int32_t pair;
                    memcpy(&pair, bs + 2 * p, 4);
                    ms = _mm256_add_epi32(ms, _mm256_madd_epi16(_mm256_set1_epi32(pair),
                                                                _mm256_load_si256((const __m256i *)(rec + egemma_kq_mn_at(format) + p * 64 + 32 * h))));
                }
                const __m256 dmin = _mm256_load_ps((const float *)(rec + egemma_kq_dmin_at(format)) + 8 * h);
                acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ms), _mm256_mul_ps(dmin, _mm256_broadcast_ss(da + i * nbk + b)), acc_min);
            }
            float *dst = c + i * ldc + col0;
            float cur[8];
            for (int j = 0; j < 8; j++) cur[j] = j >= lo && j < hi ? dst[j] : 0.0f;
            egemma_store8(dst, _mm256_sub_ps(_mm256_loadu_ps(cur), acc_min), lo, hi);
        }
    }
}

static ALWAYS_INLINE void gemm(const int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                               const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc) {
    const int64_t nbk = k / EGEMMA_QK_K;
    for (int64_t col0 = n0 / 8 * 8; col0 < n1; col0 += 8) {
        const int64_t g = col0 / 16;
        const int h = (int)(col0 / 8 % 2);
        const int lo = n0 > col0 ? (int)(n0 - col0) : 0, hi = n1 < col0 + 8 ? (int)(n1 - col0) : 8;
        for (int64_t i0 = 0; i0 < m;) {
            const int nr = m - i0 >= RB ? RB : 1;
            const int8_t *arow[RB];
            const float *drow[RB];
            egemma_tile_row_pointers(RB, nr, i0, qa, da, k, nbk, arow, drow);
            __m256 r[RB];
            if (nr == RB) rows_x_half(format, arow, drow, nbk, packed, g, h, r, RB);
            else rows_x_half(format, arow, drow, nbk, packed, g, h, r, 1);
            for (int i = 0; i < nr; i++) egemma_store8(c + (i0 + i) * ldc + col0, r[i], lo, hi);
            i0 += nr;
        }
    }
    if (egemma_kq_has_min(format)) sub_min(format, da, bsums, m, k, packed, n0, n1, c, ldc);
}

/* Q4_1/Q5_1's min term, 8 columns at a time, the last ones one by one (egemma_add_min_term_scalar's operations) */
void egemma_add_min_term_avx2(float *c, int64_t ldc, int64_t m, int64_t n0, int64_t n1, const float *mw, int64_t ldm, const float *sa, int64_t nb) {
    for (int64_t i = 0; i < m; i++) {
        int64_t j = n0;
        for (; j + 8 <= n1; j += 8) {
            __m256 acc_min = _mm256_setzero_ps();
            for (int64_t b = 0; b < nb; b++) acc_min = _mm256_fmadd_ps(_mm256_loadu_ps(mw + b * ldm + j), _mm256_broadcast_ss(sa + i * nb + b), acc_min);
            float *dst = c + i * ldc + j;
            _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), acc_min));
        }
        for (; j < n1; j++) {
            float acc_min = 0.0f;
            for (int64_t b = 0; b < nb; b++) acc_min = fmaf(mw[b * ldm + j], sa[i * nb + b], acc_min);
            c[i * ldc + j] = c[i * ldc + j] + acc_min;
        }
    }
}

static inline int32_t hsum8_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* egemma_q8_k_quantize_scalar 8 values at a time, bit for bit (the AVX-512 version's steps): vmaxps over |x| (a NaN
 * never wins), the first value of that magnitude as the signed max; rint(iscale * x) clamped to 127 from above (a NaN
 * stays NaN), vcvtps2dq (INT_MIN, low byte 0, for NaN and -inf, as Java's (byte) (int) gives); the low bytes kept by
 * masking and unsigned packs (exact for 0..255), then the lane order restored; sums of 16 over the bytes. */
void egemma_q8_k_quantize_avx2(const float *x, int64_t k, int64_t i0, int64_t i1, int8_t *qa, float *da, int16_t *bsums) {
    const int64_t nbk = k / EGEMMA_QK_K;
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)), top = _mm256_set1_ps(127.0f);
    const __m256i low = _mm256_set1_epi32(0xff), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), ones = _mm256_set1_epi16(1);
    for (int64_t i = i0; i < i1; i++) {
        for (int64_t b = 0; b < nbk; b++) {
            const float *xb = x + i * k + b * EGEMMA_QK_K;
            int8_t *q = qa + i * k + b * EGEMMA_QK_K;
            int16_t *bs = bsums + i * (k / 16) + b * 16;
            __m256 mx = _mm256_setzero_ps();
            for (int t = 0; t < 32; t++) mx = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb + 8 * t), abs_mask), mx);
            __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
            const float amax = _mm_cvtss_f32(m4);
            if (amax == 0.0f) {
                egemma_q8_k_zero_block(q, da + i * nbk + b, bs);
                continue;
            }
            const float iscale = -127.0f / egemma_q8_k_first_of_magnitude(xb, amax);
            const __m256 vs = _mm256_set1_ps(iscale);
            for (int t = 0; t < 8; t++) { /* 32 values */
                __m256i v[4];
                for (int u = 0; u < 4; u++) {
                    const __m256 r = _mm256_round_ps(_mm256_mul_ps(vs, _mm256_loadu_ps(xb + 32 * t + 8 * u)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                    v[u] = _mm256_and_si256(_mm256_cvtps_epi32(_mm256_min_ps(top, r)), low);
                }
                const __m256i q8 = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(_mm256_packus_epi32(v[0], v[1]), _mm256_packus_epi32(v[2], v[3])), order);
                _mm256_storeu_si256((__m256i *)(q + 32 * t), q8);
                bs[2 * t] = (int16_t)hsum8_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(q8)), ones));
                bs[2 * t + 1] = (int16_t)hsum8_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(q8, 1)), ones));
            }
            da[i * nbk + b] = 1.0f / iscale;
        }
    }
}

void egemma_kq_gemm_avx2(int32_t format, const int8_t *qa, const float *da, const int16_t *bsums, int64_t m, int64_t k,
                         const uint8_t *packed, int64_t n0, int64_t n1, float *c, int64_t ldc, uint8_t *scratch) {
    (void)scratch;
#define GEMM(F) gemm(F, qa, da, bsums, m, k, packed, n0, n1, c, ldc)
    EGEMMA_KQ_SPECIALIZE(format, GEMM)
#undef GEMM
}
#else
#error "kq_gemm_avx2.c must be compiled with the avx2 tier flags (cmake/EgemmaIsaFlags.cmake)"
#endif
